package nn

import (
	"fmt"

	"workbench/core/kern"
)

// LMHeadChunkFloats bounds the logits buffer of an LMHead when NewLMHead
// is given no chunk size: 32 Mi floats (128 MiB), at most 667 rows at
// GPT-2's vocabulary of 50,257 (a batch of 2048 rows runs in 4 chunks of
// 512), every row of a batch at a vocabulary of 256. Smaller chunks cost
// time: each chunk packs the embedding for its products again and reads
// and writes the embedding's whole gradient.
const LMHeadChunkFloats = 32 << 20

// LMHead is a language-model head whose output matrix is an embedding
// [v, d] (tied to the token embedding in GPT-2), fused with the softmax
// cross-entropy loss. The logits of n rows of hidden states, h·embᵀ + bias,
// are computed a chunk of rows at a time in one buffer of chunk·v floats,
// so its memory does not grow with n·v; the backward pass computes each
// chunk's logits again, except for the chunk the forward pass computed
// last, which it still holds. When the scale of the gradient is known
// before the forward pass, as in training, ForwardBackward does both in
// one pass and computes every logit once.
//
// The result is the unfused computation's (logits, SoftmaxCrossEntropy
// and the two products of the backward pass) up to float rounding. The
// chunk size depends only on the vocabulary and the size given to
// NewLMHead, and every sum runs in a fixed order, so results do not depend
// on the thread count. No method allocates.
//
// An LMHead holds the state of one forward pass for the following backward
// pass; it is not safe for concurrent use.
type LMHead struct {
	rows, v, chunk int
	logits         []float32 // chunk·v: one chunk's logits or probabilities
	max, sum       []float32 // per row: largest logit, Σ exp(logit − max)
	// resident is the first row of the chunk whose exponentials Forward
	// left in logits, or −1.
	resident int
}

// NewLMHead returns a head for batches of up to rows rows over a
// vocabulary of v, computing chunkRows rows at a time; chunkRows 0 means
// LMHeadChunkRows(rows, v).
func NewLMHead(rows, v, chunkRows int) *LMHead {
	if rows < 1 || v < 1 || chunkRows < 0 {
		panic(fmt.Sprintf("nn: NewLMHead(%d, %d, %d): want rows and v at least 1, chunkRows at least 0", rows, v, chunkRows))
	}
	if chunkRows == 0 {
		chunkRows = LMHeadChunkRows(rows, v)
	}
	chunkRows = min(chunkRows, rows)
	return &LMHead{
		rows: rows, v: v, chunk: chunkRows,
		logits:   make([]float32, chunkRows*v),
		max:      make([]float32, rows),
		sum:      make([]float32, rows),
		resident: -1,
	}
}

// LMHeadChunkRows returns the rows per chunk of an LMHead for rows rows
// over a vocabulary of v when NewLMHead is given no chunk size: rows split
// into the fewest chunks of equal size whose logits fit in
// LMHeadChunkFloats, and at least 1. The head holds chunk·v floats of
// logits and 2·rows floats of row statistics.
func LMHeadChunkRows(rows, v int) int {
	most := max(LMHeadChunkFloats/max(v, 1), 1)
	chunks := (rows + most - 1) / most
	return max((rows+chunks-1)/max(chunks, 1), 1)
}

// ChunkRows reports how many rows the head computes at a time.
func (h *LMHead) ChunkRows() int { return h.chunk }

// Forward computes the logits of hidden[n, d] against emb[v, d] (plus bias
// [v], which may be nil) and writes each row's cross-entropy loss
// −log softmax(logits)[target] to losses[n]. Rows whose target is
// IgnoreIndex get loss 0. It keeps what Backward needs.
func (h *LMHead) Forward(losses, hidden, emb, bias []float32, targets []int32, n, d int) {
	h.check(n)
	h.resident = -1
	for r0 := 0; r0 < n; r0 += h.chunk {
		c := min(h.chunk, n-r0)
		h.logitsOf(hidden[r0*d:(r0+c)*d], emb, bias, c, d)
		parallel(headRowsPool, c, headRows{h.logits, losses[r0 : r0+c], h.max[r0 : r0+c], h.sum[r0 : r0+c], targets[r0 : r0+c], h.v, true, false, 0})
		h.resident = r0
	}
}

// Backward computes, for the n rows of the last Forward, the gradient of
// scale·Σ losses: it writes dhidden[n, d] (skipped when nil) and
// accumulates demb += dlogitsᵀ·hidden and dbias += column sums of dlogits
// (each skipped when nil). hidden, emb, bias and targets must be those of
// the last Forward. Rows whose target is IgnoreIndex contribute nothing.
func (h *LMHead) Backward(dhidden, demb, dbias, hidden, emb, bias []float32, targets []int32, scale float32, n, d int) {
	h.check(n)
	// From the last chunk down, so that the chunk Forward left in the
	// buffer is used first.
	for r0 := (n - 1) / h.chunk * h.chunk; r0 >= 0; r0 -= h.chunk {
		c := min(h.chunk, n-r0)
		recompute := r0 != h.resident
		if recompute {
			h.logitsOf(hidden[r0*d:(r0+c)*d], emb, bias, c, d)
		}
		h.resident = -1
		parallel(headRowsPool, c, headRows{h.logits, nil, h.max[r0 : r0+c], h.sum[r0 : r0+c], targets[r0 : r0+c], h.v, recompute, true, scale})
		h.chunkGrads(dhidden, demb, dbias, hidden, emb, r0, c, d)
	}
}

// ForwardBackward is Forward followed by Backward with the given scale,
// in one pass over the chunks: each logit is computed once. Use it when
// the scale of the gradient is known before the losses (for the mean loss,
// 1/count of the targets that are not IgnoreIndex). The results are those
// of Forward and Backward up to float rounding; a Backward after it
// computes the gradient again.
func (h *LMHead) ForwardBackward(losses, dhidden, demb, dbias, hidden, emb, bias []float32, targets []int32, scale float32, n, d int) {
	h.check(n)
	h.resident = -1
	for r0 := 0; r0 < n; r0 += h.chunk {
		c := min(h.chunk, n-r0)
		h.logitsOf(hidden[r0*d:(r0+c)*d], emb, bias, c, d)
		parallel(headRowsPool, c, headRows{h.logits, losses[r0 : r0+c], h.max[r0 : r0+c], h.sum[r0 : r0+c], targets[r0 : r0+c], h.v, true, true, scale})
		h.chunkGrads(dhidden, demb, dbias, hidden, emb, r0, c, d)
	}
}

// chunkGrads computes the gradients of the c rows from r0 from the
// gradient of their logits, held in the buffer.
func (h *LMHead) chunkGrads(dhidden, demb, dbias, hidden, emb []float32, r0, c, d int) {
	v := h.v
	dl := h.logits[:c*v]
	if dhidden != nil {
		kern.Sgemm(false, false, c, d, v, 1, dl, v, emb, d, 0, dhidden[r0*d:(r0+c)*d], d)
	}
	if demb != nil {
		kern.Sgemm(true, false, v, d, c, 1, dl, v, hidden[r0*d:(r0+c)*d], d, 1, demb, d)
	}
	if dbias != nil {
		parallel(colSumPool, v, colSum{dbias, dl, c, v})
	}
}

// check panics unless n rows fit the head.
func (h *LMHead) check(n int) {
	if n < 0 || n > h.rows {
		panic(fmt.Sprintf("nn: LMHead: %d rows, want 0 to %d", n, h.rows))
	}
}

// logitsOf writes the logits of the c rows of hid into the buffer.
func (h *LMHead) logitsOf(hid, emb, bias []float32, c, d int) {
	v := h.v
	beta := float32(0)
	if bias != nil {
		parallel(fillRowsPool, c, fillRows{h.logits, bias, v})
		beta = 1
	}
	kern.Sgemm(false, true, c, v, d, 1, hid, d, emb, d, beta, h.logits, v)
}

var headRowsPool = newPool[headRows]()

// headRows works on the rows of one chunk. With losses set, it turns
// logits into exp(logit − max), keeps each row's max and sum and writes
// its loss; otherwise, with exp set, it turns logits into exp(logit − max)
// with the kept max. With grad set it goes on to the gradient of the
// logits, scaled by scale.
type headRows struct {
	logits, losses, max, sum []float32
	targets                  []int32
	v                        int
	exp, grad                bool
	scale                    float32
}

func (e *headRows) Range(lo, hi int) {
	v := e.v
	for r := lo; r < hi; r++ {
		row := e.logits[r*v : (r+1)*v]
		if e.losses != nil {
			e.max[r], e.sum[r], e.losses[r] = softmaxRow(row, e.targets[r])
		} else if e.exp && e.targets[r] != IgnoreIndex {
			kern.ExpSub(row, row, e.max[r])
		}
		if e.grad {
			logitsGrad(row, e.targets[r], e.scale, e.sum[r])
		}
	}
}
