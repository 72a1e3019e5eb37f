package optim

import "math"

// Schedule is a learning-rate schedule over training progress p in [0, 1]:
// linear warmup from 0 to Peak over the first Warmup fraction, then cosine
// decay from Peak to Min at p = 1. Progress may be the fraction of steps or
// of a FLOPs budget completed, so equal-compute comparisons share one
// schedule.
type Schedule struct {
	Peak, Min float64
	Warmup    float64 // fraction of training, in [0, 1)
}

// LR returns the learning rate at progress p (clamped to [0, 1]). Callers
// pass the progress reached at the end of the step being taken, so the
// first step already has a non-zero rate.
func (s Schedule) LR(p float64) float64 {
	p = math.Max(0, math.Min(1, p))
	if p < s.Warmup {
		return s.Peak * p / s.Warmup
	}
	q := 1.0
	if s.Warmup < 1 {
		q = (p - s.Warmup) / (1 - s.Warmup)
	}
	return s.Min + (s.Peak-s.Min)*0.5*(1+math.Cos(math.Pi*q))
}
