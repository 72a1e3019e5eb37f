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
		mx := kern.Max(row)
		tg := e.targets[r]
		var xt float32
		if tg != IgnoreIndex {
			xt = row[tg]
		}
		sum := kern.ExpSub(row, row, mx)
		kern.Scale(1/sum, row)
		if tg == IgnoreIndex {
			e.losses[r] = 0
		} else {
			e.losses[r] = math32.Log(sum) + mx - xt
		}
	}
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
		row := e.probs[r*v : (r+1)*v]
		tg := e.targets[r]
		if tg == IgnoreIndex {
			clear(row)
			continue
		}
		kern.Scale(e.scale, row)
		row[tg] -= e.scale
	}
}
