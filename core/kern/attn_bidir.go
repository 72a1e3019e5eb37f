package kern

// Bidirectional (encoder) self-attention of one head with padding at the
// end of the sequence: every query attends to the first n keys. It runs on
// the same packed micro-kernel products as CausalAttention.

// Attention computes one head of bidirectional self-attention over t query
// positions of which the first n (1 ≤ n ≤ t) are real keys, the rest
// padding. Strides and layouts are those of CausalAttention. It sets
// p[i·t+j] to the softmax over j < n of scale·q_i·k_j (0 for j ≥ n) and
// o_i = Σ_j p[i·t+j]·v_j, for every i < t (padding queries included, as
// an encoder with an additive padding mask computes them).
func Attention(o, p, q, k, v []float32, t, n, hs, ld, ldo int, scale float32) {
	checkAttn("Attention", t, hs, ld, ldo, []attnArg{{"o", o, ldo}, {"q", q, ld}, {"k", k, ld}, {"v", v, ld}, {"p", p, 0}})
	checkKeys("Attention", t, n)
	if t == 0 || hs == 0 {
		return
	}
	d := attnDriver()
	w := getAttnWork(t, hs, d, false)
	defer putAttnWork(w)
	nr := d.nr
	packB(d.copyB, d.gatherB, w.kT, true, k, ld, 0, hs, 0, t, nr)
	packB(d.copyB, d.gatherB, w.vP, false, v, ld, 0, t, 0, hs, nr)
	cols := min(roundUp(n, nr), t)
	for i0 := 0; i0 < t; i0 += d.mr {
		rows := min(d.mr, t-i0)
		w.mul(d, hs, q[i0*ld:], ld, false, rows, w.kT, hs, 0, cols, p[i0*t:], t, scale)
		for i := i0; i < i0+rows; i++ {
			row := p[i*t : i*t+n]
			sum := act.expSub(row, row, act.max(row))
			scaleImpl(1/sum, row)
			clear(p[i*t+n : (i+1)*t])
		}
		w.mul(d, n, p[i0*t:], t, false, rows, w.vP, t, 0, hs, o[i0*ldo:], ldo, 1)
	}
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
	if t == 0 || hs == 0 {
		return
	}
	d := attnDriver()
	w := getAttnWork(t, hs, d, true)
	defer putAttnWork(w)
	nr := d.nr
	packB(d.copyB, d.gatherB, w.kT, true, v, ld, 0, hs, 0, t, nr)  // Vᵀ for dP = dO·Vᵀ
	packB(d.copyB, d.gatherB, w.vP, false, k, ld, 0, t, 0, hs, nr) // K for dQ = dS·K
	packB(d.copyB, d.gatherB, w.qP, false, q, ld, 0, t, 0, hs, nr) // Q for dK = dSᵀ·Q
	packB(d.copyB, d.gatherB, w.doP, false, do, ldo, 0, t, 0, hs, nr)
	cols := min(roundUp(n, nr), t)
	for i0 := 0; i0 < t; i0 += d.mr {
		rows := min(d.mr, t-i0)
		w.mul(d, hs, do[i0*ldo:], ldo, false, rows, w.kT, hs, 0, cols, ds[i0*t:], t, 1)
		for i := i0; i < i0+rows; i++ {
			act.mulSub(ds[i*t:i*t+n], p[i*t:i*t+n], dotImpl(p[i*t:i*t+n], ds[i*t:i*t+n]))
			clear(ds[i*t+n : (i+1)*t])
		}
		w.mul(d, n, ds[i0*t:], t, false, rows, w.vP, t, 0, hs, dq[i0*ld:], ld, scale)
	}
	// Key rows j0… gather every query: dK = scale·dSᵀ·Q and dV = Pᵀ·dO.
	for j0 := 0; j0 < n; j0 += d.mr {
		rows := min(d.mr, n-j0)
		w.mul(d, t, ds[j0:], t, true, rows, w.qP, t, 0, hs, dk[j0*ld:], ld, scale)
		w.mul(d, t, p[j0:], t, true, rows, w.doP, t, 0, hs, dv[j0*ld:], ld, 1)
	}
	for j := n; j < t; j++ {
		clear(dk[j*ld : j*ld+hs])
		clear(dv[j*ld : j*ld+hs])
	}
}

func checkKeys(fn string, t, n int) {
	if t > 0 && (n < 1 || n > t) {
		panic(fn + ": key count outside [1, t]")
	}
}
