package readsfile

import (
	"os"

	"workbench/core/grow"
)

// Sample reads a file, which plugins may do.
func Sample(s grow.SampleState) int {
	if _, err := os.ReadFile("testdata/readsfile.go"); err != nil {
		panic(err)
	}
	return s.Real
}
