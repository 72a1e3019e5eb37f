package kern

import "fmt"

// Attention computes one head of bidirectional (encoder) self-attention
// over t query positions of which the first n (1 ≤ n ≤ t) are real keys,
// the rest padding. Strides and layouts are those of CausalAttention. It
// sets p[i·t+j] to the softmax over j < n of scale·q_i·k_j (0 for j ≥ n)
// and o_i = Σ_j p[i·t+j]·v_j, for every i < t (padding queries included, as
// an encoder with an additive padding mask computes them).
func Attention(o, p, q, k, v []float32, t, n, hs, ld, ldo int, scale float32) {
	checkAttn("Attention", t, hs, ld, ldo, []attnArg{{"o", o, ldo}, {"q", q, ld}, {"k", k, ld}, {"v", v, ld}, {"p", p, 0}})
	checkKeys("Attention", t, n)
	attention(o, p, q, k, v, t, n, hs, ld, ldo, scale, false)
}

// AttentionBackward computes the gradients of Attention with respect to q,
// k and v (overwritten; the rows of padding keys get 0) from the gradient
// do of its output, given its inputs and probabilities. ds is scratch
// space of t·t floats.
func AttentionBackward(dq, dk, dv, ds, do, q, k, v, p []float32, t, n, hs, ld, ldo int, scale float32) {
	checkAttn("AttentionBackward", t, hs, ld, ldo, []attnArg{
		{"dq", dq, ld}, {"dk", dk, ld}, {"dv", dv, ld}, {"ds", ds, 0}, {"do", do, ldo},
		{"q", q, ld}, {"k", k, ld}, {"v", v, ld}, {"p", p, 0},
	})
	checkKeys("AttentionBackward", t, n)
	attentionBackward(dq, dk, dv, ds, do, q, k, v, p, t, n, hs, ld, ldo, scale, false)
}

func checkKeys(fn string, t, n int) {
	if t > 0 && (n < 1 || n > t) {
		panic(fmt.Sprintf("kern: %s: n=%d, want 1 ≤ n ≤ t=%d", fn, n, t))
	}
}
