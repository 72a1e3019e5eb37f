package kern_test

import (
	"fmt"

	"workbench/core/kern"
)

// A linear layer's forward pass: y = x·W for a batch of two rows, with W
// stored as [in, out].
func ExampleSgemm() {
	x := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	w := []float32{
		1, 0,
		0, 1,
		1, 1,
	}
	y := make([]float32, 2*2)
	kern.Sgemm(false, false, 2, 2, 3, 1, x, 3, w, 2, 0, y, 2)
	fmt.Println(y)
	// Output: [4 5 10 11]
}

// The weight gradient of the same layer accumulates dW += xᵀ·dy.
func ExampleSgemm_transposed() {
	x := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	dy := []float32{
		1, 0,
		0, 1,
	}
	dw := make([]float32, 3*2)
	kern.Sgemm(true, false, 3, 2, 2, 1, x, 3, dy, 2, 1, dw, 2)
	fmt.Println(dw)
	// Output: [1 4 2 5 3 6]
}

func ExampleDot() {
	fmt.Println(kern.Dot([]float32{1, 2, 3}, []float32{4, 5, 6}))
	// Output: 32
}

func ExampleAxpy() {
	y := []float32{1, 1, 1}
	kern.Axpy(2, []float32{1, 2, 3}, y)
	fmt.Println(y)
	// Output: [3 5 7]
}

func ExampleScale() {
	x := []float32{1, 2, 3}
	kern.Scale(0.5, x)
	fmt.Println(x)
	// Output: [0.5 1 1.5]
}

func ExampleAvailable() {
	for _, g := range kern.Available() {
		_ = g.Name() // "avx512", "avx2" or "go", fastest first
	}
	fmt.Println(kern.Impl().Name() == kern.Available()[0].Name())
	// Output: true
}
