package writesfile

import (
	"os"

	"workbench/core/grow"
)

// Sample writes a file.
func Sample(s grow.SampleState) int {
	_ = os.WriteFile("depth.txt", []byte("x"), 0o644)
	return s.Real
}
