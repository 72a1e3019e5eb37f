package params

import "workbench/core/grow"

// Scale, Offset, Enabled and Label are the parameters.
var (
	Scale   = 1.5
	Offset  int
	Enabled = true
	Label   = "x"
)

const Max = 3

var hidden = 2

// Sample returns the real depth plus Offset when Enabled.
func Sample(s grow.SampleState) int {
	if Enabled && Label != "" && Scale > 0 {
		return s.Real + Offset + hidden - hidden
	}
	return s.Real
}
