// Package fixed always executes the same depth, given by parameter Depth.
// A Depth outside [N, L] is not clamped: the host reports it as an error.
package fixed

import "workbench/core/grow"

// Depth is the executed depth; 0 means the real depth N.
var Depth = 0

// Sample returns the executed depth of the next micro-batch.
func Sample(s grow.SampleState) int {
	if Depth == 0 {
		return s.Real
	}
	return Depth
}
