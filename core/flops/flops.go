// Package flops counts training compute with one formula per architecture,
// used everywhere results are reported.
//
// GPT (decoder), per micro-batch of B sequences of T tokens executed at
// depth L':
//
//	F = 6·B·T·(L'·12·d² + d·V) + 12·L'·B·T²·d
//
// The first term is the forward and backward matrix multiplications of the
// block weights (QKV 3d², output projection d², MLP 8d²) and of the LM head;
// the second is the attention score and value products (forward and
// backward, counting the full T×T matrix as the PaLM convention does). A
// block executed k times counts k times. Excluded: biases, LayerNorm,
// softmax, GELU, the loss, embedding lookups and the optimizer.
//
// BERT (encoder with an MLM head), per micro-batch whose loss scores M
// positions:
//
//	F = 6·B·T·L'·12·d² + 12·L'·B·T²·d + 6·M·(d² + d·V)
//
// The blocks cost what GPT's do; the attention is bidirectional, so the
// full T×T matrix is the work actually done (padding included). The MLM
// head (transform dense d² and tied decoder d·V) runs only on the M scored
// positions (about 15% of the non-special ones), which is where it is
// computed: the logits of unscored positions do not enter the loss. The
// same exclusions apply.
package flops

// Train returns the training FLOPs (forward and backward) of one
// micro-batch of b sequences of t tokens at executed depth depth, for model
// width d and vocabulary v.
func Train(b, t, depth, d, v int) float64 {
	bt := float64(b) * float64(t)
	fd := float64(d)
	return 6*bt*(float64(depth)*12*fd*fd+fd*float64(v)) + 12*float64(depth)*bt*float64(t)*fd
}

// TrainMLM returns the training FLOPs of one BERT micro-batch of b
// sequences of t positions at executed depth depth whose MLM loss scores
// scored positions.
func TrainMLM(b, t, depth, d, v, scored int) float64 {
	bt := float64(b) * float64(t)
	fd := float64(d)
	return 6*bt*float64(depth)*12*fd*fd + 12*float64(depth)*bt*float64(t)*fd + 6*float64(scored)*(fd*fd+fd*float64(v))
}
