package optim

import "math"

// Schedule is a learning-rate schedule over training progress p in [0, 1]:
// linear warmup from 0 to Peak over the first Warmup fraction, then either
// cosine decay from Peak to Min at p = 1 (the default) or, when WSD is
// set, warmup-stable-decay: Peak until the last Decay fraction of
// training, then a decay to Min at p = 1 (linear, or cosine with
// CosineDecay). Progress may be the fraction of steps or of a FLOPs budget
// completed, so equal-compute comparisons share one schedule.
type Schedule struct {
	Peak, Min float64
	Warmup    float64 // fraction of training, in [0, 1)
	// WSD selects warmup-stable-decay; Decay is the fraction of training
	// its decay takes, in (0, 1], at most 1-Warmup.
	WSD         bool
	Decay       float64
	CosineDecay bool // WSD decays along a half cosine instead of linearly
}

// LR returns the learning rate at progress p (clamped to [0, 1]). Callers
// pass the progress reached at the end of the step being taken, so the
// first step already has a non-zero rate.
func (s Schedule) LR(p float64) float64 {
	p = math.Max(0, math.Min(1, p))
	if p < s.Warmup {
		return s.Peak * p / s.Warmup
	}
	var q float64 // fraction of the decay done
	switch {
	case s.WSD:
		start := 1 - s.Decay
		if p <= start || s.Decay <= 0 {
			return s.Peak
		}
		q = (p - start) / s.Decay
		if !s.CosineDecay {
			return s.Peak + (s.Min-s.Peak)*q
		}
	case s.Warmup < 1:
		q = (p - s.Warmup) / (1 - s.Warmup)
	default:
		q = 1
	}
	return s.Min + (s.Peak-s.Min)*0.5*(1+math.Cos(math.Pi*q))
}
