package nn

import "workbench/core/kern"

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
	kern.GELU(t.out[lo:hi], t.inp[lo:hi])
}

var geluBwdPool = newPool[geluBwd]()

type geluBwd struct{ dinp, dout, inp []float32 }

func (t *geluBwd) Range(lo, hi int) {
	kern.GELUBackward(t.dinp[lo:hi], t.dout[lo:hi], t.inp[lo:hi])
}
