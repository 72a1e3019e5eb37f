package nn_test

import (
	"fmt"

	"workbench/core/nn"
)

// An LM head tied to a 4-token embedding of width 2, scoring two hidden
// states; the second row's target is ignored.
func ExampleLMHead() {
	const n, d, v = 2, 2, 4
	emb := []float32{1, 0, 0, 1, -1, 0, 0, -1} // [v, d]
	hidden := []float32{1, 0, 0, 2}            // [n, d]
	targets := []int32{0, nn.IgnoreIndex}

	head := nn.NewLMHead(n, v, 0)
	losses := make([]float32, n)
	head.Forward(losses, hidden, emb, nil, targets, n, d)

	// The gradient of the loss of the one scored row (scale 1).
	dhidden, demb := make([]float32, n*d), make([]float32, v*d)
	head.Backward(dhidden, demb, nil, hidden, emb, nil, targets, 1, n, d)
	fmt.Printf("losses %.4f\n", losses)
	fmt.Printf("dhidden %.4f\n", dhidden)
	fmt.Printf("demb %.4f\n", demb)
	// Output:
	// losses [0.6265 0.0000]
	// dhidden [-0.5379 0.0000 0.0000 0.0000]
	// demb [-0.4656 0.0000 0.1966 0.0000 0.0723 0.0000 0.1966 0.0000]
}
