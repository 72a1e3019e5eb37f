package initpanic

import "workbench/core/grow"

var limit = compute()

func compute() int {
	panic("cannot compute the limit")
}

// Sample returns the real depth.
func Sample(s grow.SampleState) int {
	return s.Real + limit
}
