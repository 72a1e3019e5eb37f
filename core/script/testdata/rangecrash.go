package rangecrash

import "workbench/core/grow"

// Sample ranges over an integer field, which only the interpreter sees.
func Sample(s grow.SampleState) int {
	d := s.Real
	for i := range s.Real {
		d += i - i
	}
	return d
}
