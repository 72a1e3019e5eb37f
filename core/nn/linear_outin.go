package nn

import "workbench/core/kern"

// The linear layers of BERT store their weight as PyTorch's nn.Linear does,
// [out, in]: y = x·Wᵀ + b. The tied MLM decoder is the same product with
// the word embeddings [V, d] as W.

// LinearOutInForward computes out[rows, outC] = inp[rows, inC]·wᵀ + bias
// for w laid out [outC, inC]; bias may be nil.
func LinearOutInForward(out, inp, w, bias []float32, rows, inC, outC int) {
	beta := float32(0)
	if bias != nil {
		parallel(fillRowsPool, rows, fillRows{out, bias, outC})
		beta = 1
	}
	kern.Sgemm(false, true, rows, outC, inC, 1, inp, inC, w, inC, beta, out, outC)
}

// LinearOutInResidualForward computes out = resid + inp·wᵀ + bias. out must
// not alias inp.
func LinearOutInResidualForward(out, resid, inp, w, bias []float32, rows, inC, outC int) {
	parallel(addRowsPool, rows, addRows{out, resid, bias, outC})
	kern.Sgemm(false, true, rows, outC, inC, 1, inp, inC, w, inC, 1, out, outC)
}

// LinearOutInBackward computes dinp = dout·w (overwritten; skipped when
// dinp is nil) and accumulates dw += doutᵀ·inp and dbias += column sums of
// dout (each skipped when nil).
func LinearOutInBackward(dinp, dw, dbias, dout, inp, w []float32, rows, inC, outC int) {
	if dinp != nil {
		kern.Sgemm(false, false, rows, inC, outC, 1, dout, outC, w, inC, 0, dinp, inC)
	}
	if dw != nil {
		kern.Sgemm(true, false, outC, inC, rows, 1, dout, outC, inp, inC, 1, dw, inC)
	}
	if dbias != nil {
		parallel(colSumPool, outC, colSum{dbias, dout, rows, outC})
	}
}
