package unknownimport

import (
	"example.com/depths"

	"workbench/core/grow"
)

// Sample uses a package that plugins cannot import.
func Sample(s grow.SampleState) int {
	return depths.Pick(s.Real, s.Target)
}
