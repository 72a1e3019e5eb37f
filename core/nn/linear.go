package nn

import "workbench/core/kern"

// LinearForward computes out[rows, outC] = inp[rows, inC] · w[inC, outC] + bias.
// The weight has the Conv1D layout of GPT-2 ([in, out]); bias may be nil.
func LinearForward(out, inp, w, bias []float32, rows, inC, outC int) {
	beta := float32(0)
	if bias != nil {
		parallel(fillRowsPool, rows, fillRows{out, bias, outC})
		beta = 1
	}
	kern.Sgemm(false, false, rows, outC, inC, 1, inp, inC, w, outC, beta, out, outC)
}

// LinearResidualForward computes out = resid + inp·w + bias, the linear
// layer that closes a residual branch. out must not alias inp.
func LinearResidualForward(out, resid, inp, w, bias []float32, rows, inC, outC int) {
	parallel(addRowsPool, rows, addRows{out, resid, bias, outC})
	kern.Sgemm(false, false, rows, outC, inC, 1, inp, inC, w, outC, 1, out, outC)
}

// LinearBackward computes dinp = dout · wᵀ (overwritten; skipped when dinp
// is nil) and accumulates dw += inpᵀ · dout and dbias += column sums of
// dout (skipped when dw, respectively dbias, is nil).
func LinearBackward(dinp, dw, dbias, dout, inp, w []float32, rows, inC, outC int) {
	if dinp != nil {
		kern.Sgemm(false, true, rows, inC, outC, 1, dout, outC, w, outC, 0, dinp, inC)
	}
	if dw != nil {
		kern.Sgemm(true, false, inC, outC, rows, 1, inp, inC, dout, outC, 1, dw, outC)
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

// addRows writes out[r] = m[r] + vec for every row r.
type addRows struct {
	out, m, vec []float32
	c           int
}

func (t *addRows) Range(lo, hi int) {
	c := t.c
	for r := lo; r < hi; r++ {
		o := t.out[r*c : (r+1)*c]
		copy(o, t.m[r*c:(r+1)*c])
		kern.Axpy(1, t.vec[:c], o) // o = m + vec, exactly
	}
}
