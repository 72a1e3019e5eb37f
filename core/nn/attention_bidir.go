package nn

import (
	"github.com/chewxy/math32"

	"workbench/core/kern"
)

// BidirAttentionForward computes bidirectional (encoder) multi-head
// self-attention with a padding mask. qkv, att and out are laid out as in
// AttentionForward. lens[bi] is the number of real tokens of sequence bi
// (the rest, at its end, is padding that no query attends to); nil means
// every position is real. Padding rows still get an output, as in an
// encoder with an additive attention mask.
func BidirAttentionForward(out, att, qkv []float32, lens []int, b, t, c, heads int) {
	parallel(bidirFwdPool, b*heads, bidirFwd{out, att, qkv, lens, t, c, heads})
}

// BidirAttentionBackward computes dqkv (overwritten) from dout, given the
// forward's qkv, att and lens. scratch must hold b·heads·t·t floats.
func BidirAttentionBackward(dqkv, scratch, dout, qkv, att []float32, lens []int, b, t, c, heads int) {
	parallel(bidirBwdPool, b*heads, bidirBwd{dqkv, scratch, dout, qkv, att, lens, t, c, heads})
}

// keys returns the number of real keys of sequence bi.
func keys(lens []int, bi, t int) int {
	if lens == nil {
		return t
	}
	return lens[bi]
}

var bidirFwdPool = newPool[bidirFwd]()

type bidirFwd struct {
	out, att, qkv []float32
	lens          []int
	t, c, heads   int
}

func (a *bidirFwd) Range(lo, hi int) {
	t, c, nh := a.t, a.c, a.heads
	hs := c / nh
	scale := 1 / math32.Sqrt(float32(hs))
	for bh := lo; bh < hi; bh++ {
		bi, h := bh/nh, bh%nh
		q, k, v := headQKV(a.qkv, bi, h, t, c, hs)
		kern.Attention(a.out[bi*t*c+h*hs:], a.att[bh*t*t:(bh+1)*t*t], q, k, v, t, keys(a.lens, bi, t), hs, 3*c, c, scale)
	}
}

var bidirBwdPool = newPool[bidirBwd]()

type bidirBwd struct {
	dqkv, scratch, dout, qkv, att []float32
	lens                          []int
	t, c, heads                   int
}

func (a *bidirBwd) Range(lo, hi int) {
	t, c, nh := a.t, a.c, a.heads
	hs := c / nh
	scale := 1 / math32.Sqrt(float32(hs))
	for bh := lo; bh < hi; bh++ {
		bi, h := bh/nh, bh%nh
		q, k, v := headQKV(a.qkv, bi, h, t, c, hs)
		dq, dk, dv := headQKV(a.dqkv, bi, h, t, c, hs)
		kern.AttentionBackward(dq, dk, dv, a.scratch[bh*t*t:(bh+1)*t*t], a.dout[bi*t*c+h*hs:], q, k, v,
			a.att[bh*t*t:(bh+1)*t*t], t, keys(a.lens, bi, t), hs, 3*c, c, scale)
	}
}
