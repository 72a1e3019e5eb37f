// Package nn holds the forward and backward passes of the Transformer's
// operations, side by side: embeddings (with token types for BERT),
// LayerNorm, linear layers in GPT-2's [in, out] and PyTorch's [out, in]
// weight layouts, causal and bidirectional (padding-masked)
// self-attention, the tanh and exact (erf) GELU, row gathering for the MLM
// head, softmax cross-entropy, and an LM head fused with the cross-entropy
// (LMHead) that computes its logits a chunk of rows at a time.
//
// Every function works on caller-owned, preallocated float32 slices in
// row-major layout and never allocates in steady state. Backward functions
// accumulate (+=) into parameter gradients, so a block executed several
// times in one pass receives the sum of its contributions; gradients with
// respect to activations are overwritten unless a doc comment says
// otherwise. Work is split over kern.Threads() with a partition that does
// not change the order of any sum, so results do not depend on the thread
// count.
package nn
