package kern_test

import (
	"fmt"

	"workbench/core/kern"
)

// A numerically stable softmax of one row: subtract the maximum, take the
// exponentials and their sum, then normalise.
func ExampleExpSub() {
	row := []float32{1, 2, 3, 4}
	sum := kern.ExpSub(row, row, kern.Max(row))
	kern.Scale(1/sum, row)
	fmt.Printf("%.4f\n", row)
	// Output: [0.0321 0.0871 0.2369 0.6439]
}

// GELU and its gradient, in place over a gradient buffer.
func ExampleGELU() {
	x := []float32{-3, -1, 0, 1, 3}
	y := make([]float32, len(x))
	kern.GELU(y, x)
	fmt.Printf("%.4f\n", y)
	g := []float32{1, 1, 1, 1, 1}
	kern.GELUBackward(g, g, x)
	fmt.Printf("%.4f\n", g)
	// Output:
	// [-0.0036 -0.1588 0.0000 0.8412 2.9964]
	// [-0.0116 -0.0830 0.5000 1.0830 1.0116]
}
