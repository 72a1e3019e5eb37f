package nn

import "github.com/chewxy/math32"

// LayerNormEps is the epsilon of every LayerNorm, as in GPT-2.
const LayerNormEps = 1e-5

// LayerNormForward normalises each row of inp[rows, c] to zero mean and unit
// variance, then scales by w and shifts by b. It stores each row's mean and
// reciprocal standard deviation for the backward pass.
func LayerNormForward(out, mean, rstd, inp, w, b []float32, rows, c int) {
	parallel(lnFwdPool, rows, lnFwd{out, mean, rstd, inp, w, b, c})
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
}

func (t *lnFwd) Range(lo, hi int) {
	c := t.c
	for r := lo; r < hi; r++ {
		x := t.inp[r*c : (r+1)*c]
		var s float32
		for _, v := range x {
			s += v
		}
		m := s / float32(c)
		var ss float32
		for _, v := range x {
			d := v - m
			ss += d * d
		}
		rs := 1 / math32.Sqrt(ss/float32(c)+LayerNormEps)
		o := t.out[r*c : (r+1)*c]
		w, b := t.w[:c], t.b[:c]
		for j, v := range x {
			o[j] = (v-m)*rs*w[j] + b[j]
		}
		t.mean[r], t.rstd[r] = m, rs
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
		m, rs := t.mean[r], t.rstd[r]
		x := t.inp[r*t.c+lo : r*t.c+hi]
		g := t.dout[r*t.c+lo : r*t.c+hi]
		for j, v := range g {
			db[j] += v
			dw[j] += v * (x[j] - m) * rs
		}
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
		m, rs := t.mean[r], t.rstd[r]
		x := t.inp[r*c : (r+1)*c]
		g := t.dout[r*c : (r+1)*c]
		// dxhat = g*w; dx = rs*(dxhat - mean(dxhat) - xhat*mean(dxhat*xhat))
		var s1, s2 float32
		for j, v := range g {
			dxh := v * w[j]
			s1 += dxh
			s2 += dxh * (x[j] - m) * rs
		}
		s1 /= float32(c)
		s2 /= float32(c)
		d := t.dinp[r*c : (r+1)*c]
		for j, v := range g {
			xh := (x[j] - m) * rs
			d[j] += rs * (v*w[j] - s1 - xh*s2)
		}
	}
}
