package rangefunc

import "workbench/core/grow"

func depths(yield func(int) bool) {
	for d := 1; d < 4; d++ {
		if !yield(d) {
			return
		}
	}
}

// Sample ranges over a function, which the interpreter does not support.
func Sample(s grow.SampleState) int {
	for d := range depths {
		return s.Real + d - d
	}
	return s.Real
}
