package optim

import (
	"math"

	"workbench/core/kern"
	"workbench/core/model"
)

// normChunk is the number of elements summed together when computing a
// gradient norm; chunk sums are added in order, so the norm does not depend
// on the thread count.
const normChunk = 1 << 14

// GradNorm returns the L2 norm of the gradients of the touched groups,
// accumulated in float64. partial is scratch space; it grows as needed and
// is returned for reuse.
func GradNorm(l *model.Layout, grads []float32, touched []bool, partial []float64) (float64, []float64) {
	var sum float64
	for g, t := range touched {
		if !t {
			continue
		}
		data := l.GroupData(grads, g)
		n := (len(data) + normChunk - 1) / normChunk
		if cap(partial) < n {
			partial = make([]float64, n)
		}
		partial = partial[:n]
		runNorm(n, normTask{data, partial})
		for _, p := range partial {
			sum += p
		}
	}
	return math.Sqrt(sum), partial
}

// ClipScale returns the factor that brings a gradient of norm `norm` to at
// most maxNorm, as torch.nn.utils.clip_grad_norm_ does: min(1,
// maxNorm/(norm+1e-6)). maxNorm <= 0 disables clipping.
func ClipScale(norm, maxNorm float64) float64 {
	if maxNorm <= 0 {
		return 1
	}
	return math.Min(1, maxNorm/(norm+1e-6))
}

var normPool kern.FreeList[normTask]

func runNorm(n int, v normTask) {
	t := normPool.Get()
	*t = v
	kern.Parallel(n, t)
	*t = normTask{}
	normPool.Put(t)
}

type normTask struct {
	data    []float32
	partial []float64
}

func (t *normTask) Range(lo, hi int) {
	for c := lo; c < hi; c++ {
		e := (c + 1) * normChunk
		if e > len(t.data) {
			e = len(t.data)
		}
		var s float64
		for _, v := range t.data[c*normChunk : e] {
			s += float64(v) * float64(v)
		}
		t.partial[c] = s
	}
}
