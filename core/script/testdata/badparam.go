package badparam

import "workbench/core/grow"

// Weights cannot be a parameter.
var Weights = []float64{1, 2}

// Sample returns the real depth.
func Sample(s grow.SampleState) int {
	return s.Real
}
