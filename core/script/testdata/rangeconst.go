package rangeconst

import (
	"math"

	"workbench/core/grow"
)

// Sample ranges over a constant of another package, which crashes the
// interpreter in a way the checks before compilation do not foresee.
func Sample(s grow.SampleState) int {
	d := s.Real
	for i := range math.MaxInt8 {
		d += i - i
	}
	return d
}
