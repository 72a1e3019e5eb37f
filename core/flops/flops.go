// Package flops counts training compute with one formula, used everywhere
// results are reported.
//
// Per micro-batch of B sequences of T tokens executed at depth L':
//
//	F = 6·B·T·(L'·12·d² + d·V) + 12·L'·B·T²·d
//
// The first term is the forward and backward matrix multiplications of the
// block weights (QKV 3d², output projection d², MLP 8d²) and of the LM head;
// the second is the attention score and value products (forward and
// backward, counting the full T×T matrix as the PaLM convention does). A
// block executed k times counts k times. Excluded: biases, LayerNorm,
// softmax, GELU, the loss, embedding lookups and the optimizer.
package flops

// Train returns the training FLOPs (forward and backward) of one
// micro-batch of b sequences of t tokens at executed depth depth, for model
// width d and vocabulary v.
func Train(b, t, depth, d, v int) float64 {
	bt := float64(b) * float64(t)
	fd := float64(d)
	return 6*bt*(float64(depth)*12*fd*fd+fd*float64(v)) + 12*float64(depth)*bt*float64(t)*fd
}
