package nn

import "github.com/chewxy/math32"

const geluScale = 0.7978845608028654 // sqrt(2/pi)

// GELUForward applies GPT-2's tanh approximation of GELU elementwise:
// out = 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
func GELUForward(out, inp []float32) {
	parallel(geluFwdPool, len(inp), geluFwd{out, inp})
}

// GELUBackward computes dinp = dout · GELU'(inp) (overwritten). dinp may
// alias dout.
func GELUBackward(dinp, dout, inp []float32) {
	parallel(geluBwdPool, len(inp), geluBwd{dinp, dout, inp})
}

var geluFwdPool = newPool[geluFwd]()

type geluFwd struct{ out, inp []float32 }

func (t *geluFwd) Range(lo, hi int) {
	out := t.out[lo:hi]
	for i, x := range t.inp[lo:hi] {
		u := geluScale * (x + 0.044715*x*x*x)
		out[i] = 0.5 * x * (1 + math32.Tanh(u))
	}
}

var geluBwdPool = newPool[geluBwd]()

type geluBwd struct{ dinp, dout, inp []float32 }

func (t *geluBwd) Range(lo, hi int) {
	d, g := t.dinp[lo:hi], t.dout[lo:hi]
	for i, x := range t.inp[lo:hi] {
		u := geluScale * (x + 0.044715*x*x*x)
		th := math32.Tanh(u)
		sech2 := 1 - th*th
		local := 0.5*(1+th) + 0.5*x*sech2*geluScale*(1+3*0.044715*x*x)
		d[i] = g[i] * local
	}
}
