package usesmax

import "workbench/core/grow"

// Sample uses the max builtin, which the interpreter lacks.
func Sample(s grow.SampleState) int {
	return max(s.Real, s.Target)
}
