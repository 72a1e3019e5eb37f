package toodeep

import "workbench/core/grow"

// Sample returns one more than the target depth.
func Sample(s grow.SampleState) int {
	return s.Target + 1
}
