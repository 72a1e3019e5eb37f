package nn

import (
	"github.com/chewxy/math32"

	"workbench/core/kern"
)

// attnChunk is the number of query rows processed together. Rows [r0, r1)
// attend only to keys [0, r1), so chunking skips most of the masked upper
// triangle while keeping the matrix products large enough to be efficient.
const attnChunk = 32

// AttentionForward computes causal multi-head self-attention. qkv holds, for
// each of the b·t rows, the query, key and value vectors side by side
// ([b, t, 3c]; head h uses columns h·c/heads … of each part). It writes the
// attention probabilities to att ([b, heads, t, t], zero above the
// diagonal) and the attention output to out ([b, t, c]).
func AttentionForward(out, att, qkv []float32, b, t, c, heads int) {
	parallel(attnFwdPool, b*heads, attnFwd{out, att, qkv, t, c, heads})
}

// AttentionBackward computes dqkv (overwritten) from dout, given the
// forward's qkv and att. scratch must hold b·heads·t·t floats.
func AttentionBackward(dqkv, scratch, dout, qkv, att []float32, b, t, c, heads int) {
	parallel(attnBwdPool, b*heads, attnBwd{dqkv, scratch, dout, qkv, att, t, c, heads})
}

var attnFwdPool = newPool[attnFwd]()

type attnFwd struct {
	out, att, qkv []float32
	t, c, heads   int
}

func (a *attnFwd) Range(lo, hi int) {
	t, c, nh := a.t, a.c, a.heads
	hs := c / nh
	scale := 1 / math32.Sqrt(float32(hs))
	for bh := lo; bh < hi; bh++ {
		bi, h := bh/nh, bh%nh
		base := bi * t * 3 * c
		q := a.qkv[base+h*hs:]
		k := a.qkv[base+c+h*hs:]
		v := a.qkv[base+2*c+h*hs:]
		p := a.att[bh*t*t : (bh+1)*t*t]
		o := a.out[bi*t*c+h*hs:]
		for r0 := 0; r0 < t; r0 += attnChunk {
			r1 := r0 + attnChunk
			if r1 > t {
				r1 = t
			}
			kern.Sgemm(false, true, r1-r0, r1, hs, scale, q[r0*3*c:], 3*c, k, 3*c, 0, p[r0*t:], t)
			for i := r0; i < r1; i++ {
				row := p[i*t : (i+1)*t]
				mx := row[0]
				for _, x := range row[1 : i+1] {
					if x > mx {
						mx = x
					}
				}
				var sum float32
				for j := 0; j <= i; j++ {
					e := math32.Exp(row[j] - mx)
					row[j] = e
					sum += e
				}
				inv := 1 / sum
				for j := 0; j <= i; j++ {
					row[j] *= inv
				}
				for j := i + 1; j < t; j++ {
					row[j] = 0
				}
			}
			kern.Sgemm(false, false, r1-r0, hs, r1, 1, p[r0*t:], t, v, 3*c, 0, o[r0*c:], c)
		}
	}
}

var attnBwdPool = newPool[attnBwd]()

type attnBwd struct {
	dqkv, scratch, dout, qkv, att []float32
	t, c, heads                   int
}

func (a *attnBwd) Range(lo, hi int) {
	t, c, nh := a.t, a.c, a.heads
	hs := c / nh
	scale := 1 / math32.Sqrt(float32(hs))
	for bh := lo; bh < hi; bh++ {
		bi, h := bh/nh, bh%nh
		base := bi * t * 3 * c
		q := a.qkv[base+h*hs:]
		k := a.qkv[base+c+h*hs:]
		v := a.qkv[base+2*c+h*hs:]
		dq := a.dqkv[base+h*hs:]
		dk := a.dqkv[base+c+h*hs:]
		dv := a.dqkv[base+2*c+h*hs:]
		for i := 0; i < t; i++ {
			clear(dk[i*3*c : i*3*c+hs])
			clear(dv[i*3*c : i*3*c+hs])
		}
		p := a.att[bh*t*t : (bh+1)*t*t]
		ds := a.scratch[bh*t*t : (bh+1)*t*t]
		do := a.dout[bi*t*c+h*hs:]
		for r0 := 0; r0 < t; r0 += attnChunk {
			r1 := r0 + attnChunk
			if r1 > t {
				r1 = t
			}
			rc := r1 - r0
			// dP = dO·Vᵀ, then dS = P ⊙ (dP − rowsum(P ⊙ dP)).
			kern.Sgemm(false, true, rc, r1, hs, 1, do[r0*c:], c, v, 3*c, 0, ds[r0*t:], t)
			for i := r0; i < r1; i++ {
				prow := p[i*t : i*t+r1]
				drow := ds[i*t : i*t+r1]
				var dot float32
				for j := 0; j <= i; j++ {
					dot += prow[j] * drow[j]
				}
				for j := 0; j <= i; j++ {
					drow[j] = prow[j] * (drow[j] - dot)
				}
				for j := i + 1; j < r1; j++ {
					drow[j] = 0
				}
			}
			kern.Sgemm(true, false, r1, hs, rc, 1, p[r0*t:], t, do[r0*c:], c, 1, dv, 3*c)
			kern.Sgemm(false, false, rc, hs, r1, scale, ds[r0*t:], t, k, 3*c, 0, dq[r0*3*c:], 3*c)
			kern.Sgemm(true, false, r1, hs, rc, scale, ds[r0*t:], t, q[r0*3*c:], 3*c, 1, dk, 3*c)
		}
	}
}
