package nn

import "workbench/core/kern"

// GELUErfForward applies the exact GELU of BERT elementwise:
// out = 0.5·x·(1 + erf(x/√2)).
func GELUErfForward(out, inp []float32) {
	parallel(geluErfFwdPool, len(inp), geluErfFwd{out, inp})
}

// GELUErfBackward computes dinp = dout · GELUErf'(inp) (overwritten). dinp
// may alias dout.
func GELUErfBackward(dinp, dout, inp []float32) {
	parallel(geluErfBwdPool, len(inp), geluErfBwd{dinp, dout, inp})
}

var geluErfFwdPool = newPool[geluErfFwd]()

type geluErfFwd struct{ out, inp []float32 }

func (t *geluErfFwd) Range(lo, hi int) { kern.GELUErf(t.out[lo:hi], t.inp[lo:hi]) }

var geluErfBwdPool = newPool[geluErfBwd]()

type geluErfBwd struct{ dinp, dout, inp []float32 }

func (t *geluErfBwd) Range(lo, hi int) {
	kern.GELUErfBackward(t.dinp[lo:hi], t.dout[lo:hi], t.inp[lo:hi])
}
