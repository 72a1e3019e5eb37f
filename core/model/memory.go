package model

import "workbench/core/nn"

// Bytes returns the memory New allocates for a model of shape c, in bytes:
// the parameters and gradients (4 bytes each per parameter) and the
// activation buffers of the deepest plan (see allocActs). It is computed
// in float64, so absurd shapes give a large number instead of an
// overflow; New does not allocate anything before a caller can check it.
func (c Config) Bytes() float64 {
	d, v := float64(c.Dim), float64(c.Vocab)
	bt := float64(c.Batch) * float64(c.Seq)
	att := float64(c.Batch) * float64(c.Heads) * float64(c.Seq) * float64(c.Seq)
	n := float64(c.depth())
	l := float64(c.Layers)
	params := (v+float64(c.Seq))*d + l*(12*d*d+13*d) + 2*d
	// Per executed block: res, ln1, qkv (3), atty, res2, ln2, fch (4) and
	// fchGelu (4) rows of width d, four LayerNorm statistics per row and
	// the attention probabilities.
	perBlock := 16*bt*d + 4*bt + att
	// Once: the input residual, the final LayerNorm, the backward
	// scratch (dres, dtmp, datty, dqkv, dfch: 10 rows of width d), their
	// statistics and losses, the head's logits (GPT: one chunk of rows of
	// the LM head and its two row statistics; BERT: every row) and one
	// attention scratch.
	head := bt * v
	if !c.IsBERT() {
		head = float64(nn.LMHeadChunkRows(c.Batch*c.Seq, c.Vocab))*v + 2*bt
	}
	once := 12*bt*d + 3*bt + head + att
	return 4 * (2*params + n*perBlock + once)
}
