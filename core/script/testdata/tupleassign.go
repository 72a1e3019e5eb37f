package tupleassign

import "workbench/core/grow"

func depth(s grow.SampleState) int { return s.Real }

// Sample assigns two variables in one statement whose right side calls a
// function, which the interpreter mis-assigns; the conversion and the
// builtin on the last line are fine.
func Sample(s grow.SampleState) int {
	a, b := 0, 0
	a, b = s.Target, depth(s)
	c, d := 0.0, 0
	c, d = float64(a), len("xy")
	return int(c) + b + d - 2
}
