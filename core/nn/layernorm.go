package nn

import "workbench/core/kern"

// LayerNormEps is the epsilon of GPT-2's LayerNorms.
const LayerNormEps = 1e-5

// BertLayerNormEps is the epsilon of BERT's LayerNorms.
const BertLayerNormEps = 1e-12

// LayerNormForward normalises each row of inp[rows, c] to zero mean and unit
// variance, then scales by w and shifts by b. It stores each row's mean and
// reciprocal standard deviation for the backward pass.
func LayerNormForward(out, mean, rstd, inp, w, b []float32, rows, c int) {
	LayerNormEpsForward(out, mean, rstd, inp, w, b, rows, c, LayerNormEps)
}

// LayerNormEpsForward is LayerNormForward with the epsilon eps added to the
// variance. LayerNormBackward serves both.
func LayerNormEpsForward(out, mean, rstd, inp, w, b []float32, rows, c int, eps float32) {
	parallel(lnFwdPool, rows, lnFwd{out, mean, rstd, inp, w, b, c, eps})
}

// LayerNormBackward accumulates into dinp (+=, which suits a residual
// stream), dw and db the gradients of LayerNormForward given dout.
func LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd []float32, rows, c int) {
	if dw != nil {
		parallel(lnParamPool, c, lnParam{dw, db, dout, inp, mean, rstd, rows, c})
	}
	parallel(lnBwdPool, rows, lnBwd{dinp, dout, inp, w, mean, rstd, c})
}

var lnFwdPool = newPool[lnFwd]()

type lnFwd struct {
	out, mean, rstd, inp, w, b []float32
	c                          int
	eps                        float32
}

func (t *lnFwd) Range(lo, hi int) {
	c := t.c
	w, b := t.w[:c], t.b[:c]
	for r := lo; r < hi; r++ {
		t.mean[r], t.rstd[r] = kern.LayerNorm(t.out[r*c:(r+1)*c], t.inp[r*c:(r+1)*c], w, b, t.eps)
	}
}

var lnParamPool = newPool[lnParam]()

// lnParam accumulates the weight and bias gradients, split over columns.
type lnParam struct {
	dw, db, dout, inp, mean, rstd []float32
	rows, c                       int
}

func (t *lnParam) Range(lo, hi int) {
	dw, db := t.dw[lo:hi], t.db[lo:hi]
	for r := 0; r < t.rows; r++ {
		kern.LayerNormParamGrad(dw, db, t.dout[r*t.c+lo:r*t.c+hi], t.inp[r*t.c+lo:r*t.c+hi], t.mean[r], t.rstd[r])
	}
}

var lnBwdPool = newPool[lnBwd]()

type lnBwd struct {
	dinp, dout, inp, w, mean, rstd []float32
	c                              int
}

func (t *lnBwd) Range(lo, hi int) {
	c := t.c
	w := t.w[:c]
	for r := lo; r < hi; r++ {
		// dx = rs·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)), dxhat = g·w.
		kern.LayerNormBackward(t.dinp[r*c:(r+1)*c], t.dout[r*c:(r+1)*c], t.inp[r*c:(r+1)*c], w, t.mean[r], t.rstd[r])
	}
}
