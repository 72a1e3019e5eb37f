package nn

import (
	"github.com/chewxy/math32"

	"workbench/core/kern"
)

// IgnoreIndex marks a target that contributes neither loss nor gradient.
const IgnoreIndex = -1

// SoftmaxCrossEntropyForward turns logits[rows, v] into probabilities in
// place and writes each row's cross-entropy loss −log p[target] to losses.
// Rows whose target is IgnoreIndex get loss 0.
func SoftmaxCrossEntropyForward(losses, logits []float32, targets []int32, rows, v int) {
	parallel(ceFwdPool, rows, ceFwd{losses, logits, targets, v})
}

// SoftmaxCrossEntropyBackward turns the probabilities left by the forward
// pass into the gradient of scale·Σ losses with respect to the logits, in
// place: (p − onehot(target))·scale. Rows whose target is IgnoreIndex get a
// zero gradient.
func SoftmaxCrossEntropyBackward(probs []float32, targets []int32, scale float32, rows, v int) {
	parallel(ceBwdPool, rows, ceBwd{probs, targets, scale, v})
}

var ceFwdPool = newPool[ceFwd]()

type ceFwd struct {
	losses, logits []float32
	targets        []int32
	v              int
}

func (e *ceFwd) Range(lo, hi int) {
	v := e.v
	for r := lo; r < hi; r++ {
		row := e.logits[r*v : (r+1)*v]
		_, sum, loss := softmaxRow(row, e.targets[r])
		kern.Scale(1/sum, row)
		e.losses[r] = loss
	}
}

// softmaxRow turns a row of logits into exp(logit − max) and returns the
// max, the sum of the exponentials and the cross-entropy loss
// −log softmax(logits)[target] (0 for an ignored target).
func softmaxRow(row []float32, target int32) (mx, sum, loss float32) {
	mx = kern.Max(row)
	var xt float32
	if target != IgnoreIndex {
		xt = row[target]
	}
	sum = kern.ExpSub(row, row, mx)
	if target == IgnoreIndex {
		return mx, sum, 0
	}
	return mx, sum, math32.Log(sum) + mx - xt
}

var ceBwdPool = newPool[ceBwd]()

type ceBwd struct {
	probs   []float32
	targets []int32
	scale   float32
	v       int
}

func (e *ceBwd) Range(lo, hi int) {
	v := e.v
	for r := lo; r < hi; r++ {
		logitsGrad(e.probs[r*v:(r+1)*v], e.targets[r], e.scale, 1)
	}
}

// logitsGrad turns a row of exp(logit − max), whose sum is sum (1 for
// probabilities), into the gradient of scale·loss with respect to the
// logits, (softmax − onehot(target))·scale; zero for an ignored target.
func logitsGrad(row []float32, target int32, scale, sum float32) {
	if target == IgnoreIndex {
		clear(row)
		return
	}
	kern.Scale(scale/sum, row)
	row[target] -= scale
}
