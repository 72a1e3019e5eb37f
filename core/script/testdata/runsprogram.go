package runsprogram

import (
	"os/exec"

	"workbench/core/grow"
)

// Sample runs a program.
func Sample(s grow.SampleState) int {
	_ = exec.Command("true").Run()
	return s.Real
}
