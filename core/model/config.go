// Package model is a Transformer, a GPT-2-style decoder or a BERT
// encoder, whose physical blocks can be executed in any order and any
// number of times: a forward and backward pass runs a depth plan, an
// ordered list of physical block indices such as [0 0 1 1 2 2]. This makes
// weight sharing across depth, as Apollo uses it, a first-class and free
// operation. Both architectures run the same block code (block.go) with
// different options: where the LayerNorms sit, the attention mask, the
// GELU and the weight layout; they differ in their embeddings and heads.
//
// Parameters live in one flat slab, grouped so that each physical block is
// a contiguous range; gradients mirror the same layout. Tensor names and
// layouts are those of Hugging Face GPT-2 (Conv1D weights stored [in, out])
// or BertForMaskedLM (nn.Linear weights stored [out, in]), so weights move
// to and from PyTorch without reshaping.
package model

import "fmt"

// Arch names a model architecture.
type Arch string

// The architectures. The zero value of a Config's Arch means GPT.
const (
	GPT  Arch = "gpt"  // GPT-2: pre-LN causal decoder, tied LM head
	BERT Arch = "bert" // BERT: post-LN bidirectional encoder, MLM head (BertForMaskedLM)
)

// BertTypeVocab is the number of token types of a BERT model (Hugging
// Face's type_vocab_size default); every token of a sequence has type 0.
const BertTypeVocab = 2

// Config is the shape of a model.
type Config struct {
	Arch   Arch // BERT, or GPT (empty, the zero value, also means GPT)
	Layers int  // physical blocks (the target depth L)
	Dim    int  // d_model
	Heads  int  // attention heads; must divide Dim
	Seq    int  // maximum sequence length (position embeddings)
	Vocab  int  // vocabulary size
	// Batch is the largest micro-batch (in sequences) a pass may use; it
	// sizes the activation buffers.
	Batch int
	// MaxDepth is the longest depth plan a pass may execute; 0 means
	// Layers.
	MaxDepth int
}

// Validate reports the first problem with c as an error naming the setting.
func (c Config) Validate() error {
	switch {
	case c.Arch != "" && c.Arch != GPT && c.Arch != BERT:
		return fmt.Errorf("arch must be gpt or bert, got %q", c.Arch)
	case c.Layers < 1:
		return fmt.Errorf("layers must be at least 1, got %d", c.Layers)
	case c.Dim < 1:
		return fmt.Errorf("dim must be at least 1, got %d", c.Dim)
	case c.Heads < 1:
		return fmt.Errorf("heads must be at least 1, got %d", c.Heads)
	case c.Dim%c.Heads != 0:
		return fmt.Errorf("dim %d is not divisible by heads %d", c.Dim, c.Heads)
	case c.Seq < 1:
		return fmt.Errorf("seq must be at least 1, got %d", c.Seq)
	case c.Vocab < 1:
		return fmt.Errorf("vocab must be at least 1, got %d", c.Vocab)
	case c.Batch < 1:
		return fmt.Errorf("batch must be at least 1, got %d", c.Batch)
	case c.MaxDepth < 0:
		return fmt.Errorf("max depth must not be negative, got %d", c.MaxDepth)
	}
	return nil
}

// IsBERT reports whether c is a BERT encoder.
func (c Config) IsBERT() bool { return c.Arch == BERT }

// ArchName returns the architecture, GPT for an empty Arch.
func (c Config) ArchName() Arch {
	if c.Arch == "" {
		return GPT
	}
	return c.Arch
}

// depth returns the longest plan the activation buffers hold.
func (c Config) depth() int {
	if c.MaxDepth == 0 {
		return c.Layers
	}
	return c.MaxDepth
}

// BlockParams is the number of parameters in one Transformer block (GPT
// and BERT alike): 12·d² weights plus 13·d biases and LayerNorm parameters.
func (c Config) BlockParams() int { return 12*c.Dim*c.Dim + 13*c.Dim }

// NumParams is the number of parameters of the model (the LM head is tied
// to the token embedding and not counted twice). BERT adds token-type
// embeddings, the embedding LayerNorm and the MLM head's transform and
// output bias.
func (c Config) NumParams() int {
	if c.IsBERT() {
		d := c.Dim
		return (c.Vocab+c.Seq+BertTypeVocab)*d + 2*d + c.Layers*c.BlockParams() + d*d + 3*d + c.Vocab
	}
	return (c.Vocab+c.Seq)*c.Dim + c.Layers*c.BlockParams() + 2*c.Dim
}
