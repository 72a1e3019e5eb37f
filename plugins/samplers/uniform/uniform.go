// Package uniform samples the executed depth uniformly from [N, L].
package uniform

import "workbench/core/grow"

// Sample returns the executed depth of the next micro-batch.
func Sample(s grow.SampleState) int {
	return s.Real + s.Rand.IntN(s.Target-s.Real+1)
}
