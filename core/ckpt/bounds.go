package ckpt

import (
	"fmt"

	"workbench/core/model"
)

// Upper bounds on the model shapes that checkpoints and imported Hugging
// Face files may declare. They are far above what a CPU trains (GPT-2 XL
// has 48 layers, d=1600, 1.6 billion parameters) and keep a damaged or
// hostile header from making a reader allocate without limit.
const (
	MaxLayers = 1024    // n_layer
	MaxDim    = 32768   // n_embd; n_head must divide it
	MaxSeq    = 1 << 16 // n_positions: 65536
	MaxVocab  = 1 << 20 // vocab_size: 1048576
	MaxParams = 1 << 32 // parameters in all: 4294967296 (a 51.5 GB checkpoint)
)

// CheckShape reports an error unless c is a valid model shape (see
// model.Config.Validate; Batch and MaxDepth are not checked) within the
// bounds above.
func CheckShape(c model.Config) error {
	c.Batch, c.MaxDepth = 1, 0
	if err := c.Validate(); err != nil {
		return err
	}
	for _, b := range []struct {
		name   string
		v, max int
	}{
		{"n_layer", c.Layers, MaxLayers},
		{"n_embd", c.Dim, MaxDim},
		{"n_positions", c.Seq, MaxSeq},
		{"vocab_size", c.Vocab, MaxVocab},
	} {
		if b.v > b.max {
			return fmt.Errorf("%s %d exceeds the limit of %d", b.name, b.v, b.max)
		}
	}
	if n := c.NumParams(); n > MaxParams {
		return fmt.Errorf("%s has %d parameters, more than the limit of %d", shape(c), n, MaxParams)
	}
	return nil
}
