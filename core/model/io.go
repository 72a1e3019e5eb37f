package model

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"workbench/core/fsutil"
	"workbench/core/safetensors"
)

// HFConfig is the part of a Hugging Face GPT2Config that describes this
// model; its JSON is readable by transformers.GPT2Config.
type HFConfig struct {
	ModelType          string   `json:"model_type"`
	Architectures      []string `json:"architectures"`
	NLayer             int      `json:"n_layer"`
	NEmbd              int      `json:"n_embd"`
	NHead              int      `json:"n_head"`
	NPositions         int      `json:"n_positions"`
	NCtx               int      `json:"n_ctx"`
	VocabSize          int      `json:"vocab_size"`
	ActivationFunction string   `json:"activation_function"`
	LayerNormEpsilon   float64  `json:"layer_norm_epsilon"`
	TieWordEmbeddings  bool     `json:"tie_word_embeddings"`
	ResidPdrop         float64  `json:"resid_pdrop"`
	EmbdPdrop          float64  `json:"embd_pdrop"`
	AttnPdrop          float64  `json:"attn_pdrop"`
}

// HF returns the Hugging Face configuration of c.
func (c Config) HF() HFConfig {
	return HFConfig{
		ModelType: "gpt2", Architectures: []string{"GPT2LMHeadModel"},
		NLayer: c.Layers, NEmbd: c.Dim, NHead: c.Heads, NPositions: c.Seq, NCtx: c.Seq,
		VocabSize: c.Vocab, ActivationFunction: "gelu_new", LayerNormEpsilon: 1e-5,
		TieWordEmbeddings: true,
	}
}

// ReadHFConfig reads the model shape from a Hugging Face config.json.
// batch sizes the activation buffers of the returned Config.
func ReadHFConfig(path string, batch int) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("model config: %v", err)
	}
	var h HFConfig
	if err := json.Unmarshal(b, &h); err != nil {
		return Config{}, fmt.Errorf("model config %s: %v", path, err)
	}
	c := Config{Layers: h.NLayer, Dim: h.NEmbd, Heads: h.NHead, Seq: h.NPositions, Vocab: h.VocabSize, Batch: batch}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("model config %s: %v", path, err)
	}
	return c, nil
}

// Tensors returns every parameter as a safetensors tensor with its Hugging
// Face GPT-2 name and layout (the LM head is tied to wte and not stored).
func (m *Model) Tensors() []safetensors.Tensor {
	ts := make([]safetensors.Tensor, len(m.Layout.Tensors))
	for i, t := range m.Layout.Tensors {
		ts[i] = safetensors.NewF32(t.Name, t.Shape, m.Params.Data[t.Offset:t.Offset+t.Size])
	}
	return ts
}

// WriteSafetensors writes the weights to path atomically, in Hugging Face
// GPT-2 layout, with metadata in the header.
func (m *Model) WriteSafetensors(path string, metadata map[string]string) error {
	return safetensors.WriteFile(path, m.Tensors(), metadata)
}

// LoadWeights copies every parameter from f, which must hold each tensor
// of the model under its Hugging Face GPT-2 name with the same shape
// (F32, F16 or BF16). Extra tensors such as lm_head.weight or attention
// mask buffers are ignored.
func (m *Model) LoadWeights(f *safetensors.File) error {
	for _, t := range m.Layout.Tensors {
		st, ok := f.Tensor(t.Name)
		if !ok {
			return fmt.Errorf("tensor %s is missing", t.Name)
		}
		if fmt.Sprint(st.Shape) != fmt.Sprint(t.Shape) {
			return fmt.Errorf("tensor %s has shape %v, want %v", t.Name, st.Shape, t.Shape)
		}
		v, err := st.Float32s()
		if err != nil {
			return fmt.Errorf("tensor %s: %v", t.Name, err)
		}
		copy(m.Params.Data[t.Offset:t.Offset+t.Size], v)
	}
	return nil
}

// WriteHFConfig writes the Hugging Face config.json of c to path
// atomically.
func WriteHFConfig(path string, c Config) error {
	b, err := json.MarshalIndent(c.HF(), "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err })
}
