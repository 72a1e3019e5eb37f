package nn

import "workbench/core/kern"

// GELUForward applies GPT-2's tanh approximation of GELU elementwise:
// out = 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
func GELUForward(out, inp []float32) {
	parallel(geluFwdPool, len(inp), geluFwd{out, inp, false})
}

// GELUBackward computes dinp = dout · GELU'(inp) (overwritten). dinp may
// alias dout.
func GELUBackward(dinp, dout, inp []float32) {
	parallel(geluBwdPool, len(inp), geluBwd{dinp, dout, inp, false})
}

// GELUErfForward applies the exact GELU of BERT elementwise:
// out = 0.5·x·(1 + erf(x/√2)).
func GELUErfForward(out, inp []float32) {
	parallel(geluFwdPool, len(inp), geluFwd{out, inp, true})
}

// GELUErfBackward computes dinp = dout · GELUErf'(inp) (overwritten). dinp
// may alias dout.
func GELUErfBackward(dinp, dout, inp []float32) {
	parallel(geluBwdPool, len(inp), geluBwd{dinp, dout, inp, true})
}

var geluFwdPool = newPool[geluFwd]()

type geluFwd struct {
	out, inp []float32
	erf      bool
}

func (t *geluFwd) Range(lo, hi int) {
	if t.erf {
		kern.GELUErf(t.out[lo:hi], t.inp[lo:hi])
	} else {
		kern.GELU(t.out[lo:hi], t.inp[lo:hi])
	}
}

var geluBwdPool = newPool[geluBwd]()

type geluBwd struct {
	dinp, dout, inp []float32
	erf             bool
}

func (t *geluBwd) Range(lo, hi int) {
	if t.erf {
		kern.GELUErfBackward(t.dinp[lo:hi], t.dout[lo:hi], t.inp[lo:hi])
	} else {
		kern.GELUBackward(t.dinp[lo:hi], t.dout[lo:hi], t.inp[lo:hi])
	}
}
