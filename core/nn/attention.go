package nn

import (
	"github.com/chewxy/math32"

	"workbench/core/kern"
)

// AttentionForward computes causal multi-head self-attention. qkv holds, for
// each of the b·t rows, the query, key and value vectors side by side
// ([b, t, 3c]; head h uses columns h·c/heads … of each part). It writes the
// attention probabilities to att ([b, heads, t, t], zero above the
// diagonal) and the attention output to out ([b, t, c]).
func AttentionForward(out, att, qkv []float32, b, t, c, heads int) {
	parallel(attnFwdPool, b*heads, attnFwd{out, att, qkv, nil, true, t, c, heads})
}

// AttentionBackward computes dqkv (overwritten) from dout, given the
// forward's qkv and att. scratch must hold b·heads·t·t floats.
func AttentionBackward(dqkv, scratch, dout, qkv, att []float32, b, t, c, heads int) {
	parallel(attnBwdPool, b*heads, attnBwd{dqkv, scratch, dout, qkv, att, nil, true, t, c, heads})
}

// BidirAttentionForward computes bidirectional (encoder) multi-head
// self-attention with a padding mask. qkv, att and out are laid out as in
// AttentionForward. lens[bi] is the number of real tokens of sequence bi
// (the rest, at its end, is padding that no query attends to); nil means
// every position is real. Padding rows still get an output, as in an
// encoder with an additive attention mask.
func BidirAttentionForward(out, att, qkv []float32, lens []int, b, t, c, heads int) {
	parallel(attnFwdPool, b*heads, attnFwd{out, att, qkv, lens, false, t, c, heads})
}

// BidirAttentionBackward computes dqkv (overwritten) from dout, given the
// forward's qkv, att and lens. scratch must hold b·heads·t·t floats.
func BidirAttentionBackward(dqkv, scratch, dout, qkv, att []float32, lens []int, b, t, c, heads int) {
	parallel(attnBwdPool, b*heads, attnBwd{dqkv, scratch, dout, qkv, att, lens, false, t, c, heads})
}

// keys returns the number of real keys of sequence bi.
func keys(lens []int, bi, t int) int {
	if lens == nil {
		return t
	}
	return lens[bi]
}

var attnFwdPool = newPool[attnFwd]()

type attnFwd struct {
	out, att, qkv []float32
	lens          []int
	causal        bool
	t, c, heads   int
}

func (a *attnFwd) Range(lo, hi int) {
	t, c, nh := a.t, a.c, a.heads
	hs := c / nh
	scale := 1 / math32.Sqrt(float32(hs))
	for bh := lo; bh < hi; bh++ {
		bi, h := bh/nh, bh%nh
		q, k, v := headQKV(a.qkv, bi, h, t, c, hs)
		p := a.att[bh*t*t : (bh+1)*t*t]
		o := a.out[bi*t*c+h*hs:]
		if a.causal {
			kern.CausalAttention(o, p, q, k, v, t, hs, 3*c, c, scale)
		} else {
			kern.Attention(o, p, q, k, v, t, keys(a.lens, bi, t), hs, 3*c, c, scale)
		}
	}
}

var attnBwdPool = newPool[attnBwd]()

type attnBwd struct {
	dqkv, scratch, dout, qkv, att []float32
	lens                          []int
	causal                        bool
	t, c, heads                   int
}

func (a *attnBwd) Range(lo, hi int) {
	t, c, nh := a.t, a.c, a.heads
	hs := c / nh
	scale := 1 / math32.Sqrt(float32(hs))
	for bh := lo; bh < hi; bh++ {
		bi, h := bh/nh, bh%nh
		q, k, v := headQKV(a.qkv, bi, h, t, c, hs)
		dq, dk, dv := headQKV(a.dqkv, bi, h, t, c, hs)
		p := a.att[bh*t*t : (bh+1)*t*t]
		ds := a.scratch[bh*t*t : (bh+1)*t*t]
		do := a.dout[bi*t*c+h*hs:]
		// dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = scale·dS·K,
		// dK = scale·dSᵀ·Q, dV = Pᵀ·dO.
		if a.causal {
			kern.CausalAttentionBackward(dq, dk, dv, ds, do, q, k, v, p, t, hs, 3*c, c, scale)
		} else {
			kern.AttentionBackward(dq, dk, dv, ds, do, q, k, v, p, t, keys(a.lens, bi, t), hs, 3*c, c, scale)
		}
	}
}

// headQKV returns the views of head h of sequence bi in a [b, t, 3c] buffer
// of query, key and value rows: each starts at the head's first element and
// has row stride 3c.
func headQKV(buf []float32, bi, h, t, c, hs int) (q, k, v []float32) {
	base := bi*t*3*c + h*hs
	return buf[base:], buf[base+c:], buf[base+2*c:]
}
