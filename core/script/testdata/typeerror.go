package typeerror

import "workbench/core/grow"

// Sample returns a string.
func Sample(s grow.SampleState) int {
	return "deep"
}
