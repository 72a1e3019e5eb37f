// Package lvps is the official layer-wise progressive sampler (LVPS) of
// Apollo (Pan et al., AAAI 2024): the executed depth is most often the real
// depth N and decays towards the target depth L.
//
// With ratio = L/N, begin = ratio + 0.4, end = 0.6 and xMin = 1e-6, the
// curve y = m/(x + n) passes through (xMin, begin) and (1, end); x is drawn
// uniformly from [xMin, 1) and the depth is L when y >= ratio, otherwise
// floor(max(y, 1)·N). Comparing y with ratio, rather than capping
// floor(y·N) at L, avoids a rounding error of the official code where
// ratio·N < L.
package lvps

import (
	"math"

	"workbench/core/grow"
)

// Sample returns the executed depth of the next micro-batch.
func Sample(s grow.SampleState) int {
	if s.Real == s.Target {
		return s.Target
	}
	const xMin = 1e-6
	const end = 0.6
	ratio := float64(s.Target) / float64(s.Real)
	begin := ratio + 0.4
	// Explicit conversions round each product, so the result does not
	// depend on whether the compiler fuses multiply-adds.
	n := (float64(begin*xMin) - end) / (end - begin)
	m := end * (n + 1)
	x := xMin + float64((1-xMin)*s.Rand.Float64())
	y := m / (x + n)
	if y >= ratio {
		return s.Target
	}
	return int(math.Floor(math.Max(y, 1) * float64(s.Real)))
}
