package nn

import "workbench/core/kern"

// LinearForward computes out[rows, outC] = inp[rows, inC] · w[inC, outC] + bias.
// The weight has the Conv1D layout of GPT-2 ([in, out]); bias may be nil.
func LinearForward(out, inp, w, bias []float32, rows, inC, outC int) {
	linearForward(false, out, nil, inp, w, bias, rows, inC, outC)
}

// LinearResidualForward computes out = resid + inp·w + bias, the linear
// layer that closes a residual branch. out must not alias inp.
func LinearResidualForward(out, resid, inp, w, bias []float32, rows, inC, outC int) {
	linearForward(false, out, resid, inp, w, bias, rows, inC, outC)
}

// LinearBackward computes dinp = dout · wᵀ (overwritten; skipped when dinp
// is nil) and accumulates dw += inpᵀ · dout and dbias += column sums of
// dout (skipped when dw, respectively dbias, is nil).
func LinearBackward(dinp, dw, dbias, dout, inp, w []float32, rows, inC, outC int) {
	linearBackward(false, dinp, dw, dbias, dout, inp, w, rows, inC, outC)
}

// The linear layers of BERT store their weight as PyTorch's nn.Linear does,
// [out, in]: y = x·Wᵀ + b. The tied MLM decoder is the same product with
// the word embeddings [V, d] as W.

// LinearOutInForward computes out[rows, outC] = inp[rows, inC]·wᵀ + bias
// for w laid out [outC, inC]; bias may be nil.
func LinearOutInForward(out, inp, w, bias []float32, rows, inC, outC int) {
	linearForward(true, out, nil, inp, w, bias, rows, inC, outC)
}

// LinearOutInResidualForward computes out = resid + inp·wᵀ + bias. out must
// not alias inp.
func LinearOutInResidualForward(out, resid, inp, w, bias []float32, rows, inC, outC int) {
	linearForward(true, out, resid, inp, w, bias, rows, inC, outC)
}

// LinearOutInBackward computes dinp = dout·w (overwritten; skipped when
// dinp is nil) and accumulates dw += doutᵀ·inp and dbias += column sums of
// dout (each skipped when nil).
func LinearOutInBackward(dinp, dw, dbias, dout, inp, w []float32, rows, inC, outC int) {
	linearBackward(true, dinp, dw, dbias, dout, inp, w, rows, inC, outC)
}

// linearForward computes out = resid + inp·W + bias (resid and bias may be
// nil), where W is w ([in, out]) or, with outIn, wᵀ (w laid out [out, in]).
func linearForward(outIn bool, out, resid, inp, w, bias []float32, rows, inC, outC int) {
	beta := float32(0)
	switch {
	case resid != nil:
		parallel(addRowsPool, rows, addRows{out, resid, bias, outC})
		beta = 1
	case bias != nil:
		parallel(fillRowsPool, rows, fillRows{out, bias, outC})
		beta = 1
	}
	ldw := outC
	if outIn {
		ldw = inC
	}
	kern.Sgemm(false, outIn, rows, outC, inC, 1, inp, inC, w, ldw, beta, out, outC)
}

// linearBackward is the backward pass of linearForward.
func linearBackward(outIn bool, dinp, dw, dbias, dout, inp, w []float32, rows, inC, outC int) {
	if dinp != nil {
		if outIn {
			kern.Sgemm(false, false, rows, inC, outC, 1, dout, outC, w, inC, 0, dinp, inC)
		} else {
			kern.Sgemm(false, true, rows, inC, outC, 1, dout, outC, w, outC, 0, dinp, inC)
		}
	}
	if dw != nil {
		if outIn {
			kern.Sgemm(true, false, outC, inC, rows, 1, dout, outC, inp, inC, 1, dw, inC)
		} else {
			kern.Sgemm(true, false, inC, outC, rows, 1, inp, inC, dout, outC, 1, dw, outC)
		}
	}
	if dbias != nil {
		parallel(colSumPool, outC, colSum{dbias, dout, rows, outC})
	}
}

var fillRowsPool = newPool[fillRows]()

// fillRows copies vec into every row of out.
type fillRows struct {
	out, vec []float32
	c        int
}

func (t *fillRows) Range(lo, hi int) {
	for r := lo; r < hi; r++ {
		copy(t.out[r*t.c:(r+1)*t.c], t.vec)
	}
}

var colSumPool = newPool[colSum]()

// colSum accumulates the column sums of m[rows, c] into sum, split over
// columns so that every sum runs over the rows in order.
type colSum struct {
	sum, m  []float32
	rows, c int
}

func (t *colSum) Range(lo, hi int) {
	s := t.sum[lo:hi]
	for r := 0; r < t.rows; r++ {
		kern.Axpy(1, t.m[r*t.c+lo:r*t.c+hi], s) // s += row, exactly
	}
}

var addRowsPool = newPool[addRows]()

// addRows writes out[r] = m[r] + vec for every row r (vec may be nil).
type addRows struct {
	out, m, vec []float32
	c           int
}

func (t *addRows) Range(lo, hi int) {
	c := t.c
	for r := lo; r < hi; r++ {
		o := t.out[r*c : (r+1)*c]
		copy(o, t.m[r*c:(r+1)*c])
		if t.vec != nil {
			kern.Axpy(1, t.vec[:c], o) // o = m + vec, exactly
		}
	}
}
