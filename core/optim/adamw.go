// Package optim holds the optimizer (AdamW with per-group step counts, so
// that blocks a step does not use are left exactly as they are), global
// gradient-norm clipping and learning-rate schedules.
package optim

import (
	"math"

	"workbench/core/kern"
	"workbench/core/model"
)

// AdamW is decoupled-weight-decay Adam (Loshchilov & Hutter), with the
// semantics of torch.optim.AdamW: p ← p − lr·wd·p, then the bias-corrected
// Adam update. Moments mirror the parameter slab. Each group (embeddings,
// one physical block, final LayerNorm) keeps its own step count and is
// updated only when the model marks it touched, so an unused or frozen
// block keeps its weights, moments and step count exactly.
type AdamW struct {
	Beta1, Beta2, Eps float64
	WeightDecay       float64 // applied to tensors whose Decay flag is set
	M, V              []float32
	// Steps counts the updates of each group; 0 means the group has never
	// been updated.
	Steps []int

	layout *model.Layout
}

// NewAdamW returns AdamW for parameters laid out by l, with beta1 0.9,
// beta2 0.999, eps 1e-8 and the given weight decay.
func NewAdamW(l *model.Layout, weightDecay float64) *AdamW {
	return &AdamW{
		Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay,
		M:      make([]float32, l.Size),
		V:      make([]float32, l.Size),
		Steps:  make([]int, len(l.Groups)),
		layout: l,
	}
}

// Step updates every touched group of params from grads, multiplying the
// gradients by gradScale first (the clipping factor, 1 for none).
func (o *AdamW) Step(params, grads []float32, touched []bool, lr, gradScale float64) {
	for _, t := range o.layout.Tensors {
		if !touched[t.Group] {
			continue
		}
		step := o.Steps[t.Group] + 1
		wd := 0.0
		if t.Decay {
			wd = o.WeightDecay
		}
		bc1 := 1 - math.Pow(o.Beta1, float64(step))
		bc2 := 1 - math.Pow(o.Beta2, float64(step))
		s := t.Offset
		e := s + t.Size
		u := adamTask{
			p: params[s:e], g: grads[s:e], m: o.M[s:e], v: o.V[s:e],
			c: kern.AdamWCoef{
				Beta1: float32(o.Beta1), Beta2: float32(o.Beta2),
				OneMinusBeta1: float32(1 - o.Beta1), OneMinusBeta2: float32(1 - o.Beta2),
				Eps:       float32(o.Eps),
				Decay:     float32(1 - lr*wd),
				StepSize:  float32(lr / bc1),
				RBC2:      float32(1 / math.Sqrt(bc2)),
				GradScale: float32(gradScale),
			},
		}
		runAdam(t.Size, u)
	}
	for g, t := range touched {
		if t {
			o.Steps[g]++
		}
	}
}

// CopyGroup copies the moments and step count of group src to group dst
// (both must have the same size, as physical blocks do).
func (o *AdamW) CopyGroup(dst, src int) {
	if dst == src {
		return
	}
	copy(o.layout.GroupData(o.M, dst), o.layout.GroupData(o.M, src))
	copy(o.layout.GroupData(o.V, dst), o.layout.GroupData(o.V, src))
	o.Steps[dst] = o.Steps[src]
}

// ResetGroup clears the moments and step count of group g.
func (o *AdamW) ResetGroup(g int) {
	clear(o.layout.GroupData(o.M, g))
	clear(o.layout.GroupData(o.V, g))
	o.Steps[g] = 0
}

// Reset clears the state of every group.
func (o *AdamW) Reset() {
	for g := range o.Steps {
		o.ResetGroup(g)
	}
}

var adamPool kern.FreeList[adamTask]

// adamSerial is the tensor size below which the update runs on the calling
// goroutine: biases and LayerNorm vectors are too small to repay waking
// the workers. The update is element-wise, so the split never changes a
// result.
const adamSerial = 1 << 14

func runAdam(n int, u adamTask) {
	if n < adamSerial {
		u.Range(0, n)
		return
	}
	t := adamPool.Get()
	*t = u
	kern.Parallel(n, t)
	*t = adamTask{}
	adamPool.Put(t)
}

type adamTask struct {
	p, g, m, v []float32
	c          kern.AdamWCoef
}

// Range updates elements [lo, hi): p ← p·decay − stepSize·m/(sqrt(v)·rbc2 +
// eps) after the moment updates, each operation rounded in float32 in this
// order on every CPU.
func (t *adamTask) Range(lo, hi int) {
	kern.AdamW(t.p[lo:hi], t.g[lo:hi], t.m[lo:hi], t.v[lo:hi], &t.c)
}
