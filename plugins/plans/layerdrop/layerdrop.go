// Package layerdrop is LayerDrop (Fan et al., "Reducing Transformer depth
// on demand with structured dropout", ICLR 2020): each layer is skipped
// independently with a fixed probability. Kept layers run in order;
// nothing is rescaled. When every layer is dropped the draw is repeated.
package layerdrop

import "workbench/core/grow"

// Rate is the probability that a layer is skipped (fairseq recommends 0.2).
var Rate = 0.2

// Plan returns the layers kept for the next micro-batch.
func Plan(s grow.SampleState) []int {
	if Rate < 0 || Rate >= 1 || s.Real < 1 {
		panic("layerdrop: rate must be in [0, 1) and there must be real layers")
	}
	for {
		plan := make([]int, 0, s.Real)
		for i := 0; i < s.Real; i++ {
			if s.Rand.Float64() >= Rate {
				plan = append(plan, i)
			}
		}
		if len(plan) > 0 {
			return plan
		}
	}
}
