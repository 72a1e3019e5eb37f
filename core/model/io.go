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

// BertHFConfig is the part of a Hugging Face BertConfig that describes a
// BERT model; its JSON is readable by transformers.BertConfig.
type BertHFConfig struct {
	ModelType             string   `json:"model_type"`
	Architectures         []string `json:"architectures"`
	HiddenSize            int      `json:"hidden_size"`
	NumHiddenLayers       int      `json:"num_hidden_layers"`
	NumAttentionHeads     int      `json:"num_attention_heads"`
	IntermediateSize      int      `json:"intermediate_size"`
	HiddenAct             string   `json:"hidden_act"`
	MaxPositionEmbeddings int      `json:"max_position_embeddings"`
	TypeVocabSize         int      `json:"type_vocab_size"`
	LayerNormEps          float64  `json:"layer_norm_eps"`
	VocabSize             int      `json:"vocab_size"`
	TieWordEmbeddings     bool     `json:"tie_word_embeddings"`
	HiddenDropoutProb     float64  `json:"hidden_dropout_prob"`
	AttentionDropoutProb  float64  `json:"attention_probs_dropout_prob"`
}

// BertHF returns the Hugging Face BertConfig of c (dropout 0: the model
// trains without dropout).
func (c Config) BertHF() BertHFConfig {
	return BertHFConfig{
		ModelType: "bert", Architectures: []string{"BertForMaskedLM"},
		HiddenSize: c.Dim, NumHiddenLayers: c.Layers, NumAttentionHeads: c.Heads, IntermediateSize: 4 * c.Dim,
		HiddenAct: "gelu", MaxPositionEmbeddings: c.Seq, TypeVocabSize: BertTypeVocab, LayerNormEps: 1e-12,
		VocabSize: c.Vocab, TieWordEmbeddings: true,
	}
}

// ModelType returns the Hugging Face model_type of c: "gpt2" or "bert".
func (c Config) ModelType() string {
	if c.IsBERT() {
		return "bert"
	}
	return "gpt2"
}

// HFValue returns the Hugging Face configuration of c for its
// architecture: an HFConfig (GPT2Config) or a BertHFConfig.
func (c Config) HFValue() any {
	if c.IsBERT() {
		return c.BertHF()
	}
	return c.HF()
}

// HFJSON returns the Hugging Face config.json of c (HFValue, indented).
func (c Config) HFJSON() ([]byte, error) { return json.MarshalIndent(c.HFValue(), "", "  ") }

// ParseHFConfig reads the model shape from the JSON of a Hugging Face
// config.json: a GPT2Config (model_type "gpt2") or a BertConfig
// (model_type "bert", as BertForMaskedLM with the settings this package
// implements). batch sizes the activation buffers of the returned Config.
func ParseHFConfig(b []byte, batch int) (Config, error) {
	var kind struct {
		ModelType string `json:"model_type"`
	}
	if err := json.Unmarshal(b, &kind); err != nil {
		return Config{}, err
	}
	var c Config
	switch kind.ModelType {
	case "gpt2", "": // configs without model_type are read as GPT-2's, as before BERT
		var h HFConfig
		if err := json.Unmarshal(b, &h); err != nil {
			return Config{}, err
		}
		c = Config{Layers: h.NLayer, Dim: h.NEmbd, Heads: h.NHead, Seq: h.NPositions, Vocab: h.VocabSize, Batch: batch}
	case "bert":
		var h BertHFConfig
		if err := json.Unmarshal(b, &h); err != nil {
			return Config{}, err
		}
		c = Config{Arch: BERT, Layers: h.NumHiddenLayers, Dim: h.HiddenSize, Heads: h.NumAttentionHeads,
			Seq: h.MaxPositionEmbeddings, Vocab: h.VocabSize, Batch: batch}
		switch {
		case h.IntermediateSize != 4*h.HiddenSize:
			return Config{}, fmt.Errorf("intermediate_size %d is not 4 × hidden_size %d", h.IntermediateSize, h.HiddenSize)
		case h.HiddenAct != "gelu":
			return Config{}, fmt.Errorf("hidden_act %q, want \"gelu\" (the exact GELU)", h.HiddenAct)
		case h.TypeVocabSize != BertTypeVocab:
			return Config{}, fmt.Errorf("type_vocab_size %d, want %d", h.TypeVocabSize, BertTypeVocab)
		case h.LayerNormEps != 1e-12:
			return Config{}, fmt.Errorf("layer_norm_eps %g, want 1e-12", h.LayerNormEps)
		}
	default:
		return Config{}, fmt.Errorf("model_type %q, want \"gpt2\" or \"bert\"", kind.ModelType)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ReadHFConfig reads the model shape from a Hugging Face config.json (see
// ParseHFConfig). batch sizes the activation buffers of the returned
// Config.
func ReadHFConfig(path string, batch int) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("model config: %v", err)
	}
	c, err := ParseHFConfig(b, batch)
	if err != nil {
		return Config{}, fmt.Errorf("model config %s: %v", path, err)
	}
	return c, nil
}

// Tensors returns every parameter as a safetensors tensor with its Hugging
// Face name and layout (GPT-2's LM head and BERT's MLM decoder weight are
// tied to the token embeddings and not stored).
func (m *Model) Tensors() []safetensors.Tensor {
	ts := make([]safetensors.Tensor, len(m.Layout.Tensors))
	for i, t := range m.Layout.Tensors {
		ts[i] = safetensors.NewF32(t.Name, t.Shape, m.Params.Data[t.Offset:t.Offset+t.Size])
	}
	return ts
}

// WriteSafetensors writes the weights to path atomically, in Hugging Face
// layout, with metadata in the header.
func (m *Model) WriteSafetensors(path string, metadata map[string]string) error {
	return safetensors.WriteFile(path, m.Tensors(), metadata)
}

// LoadWeights copies every parameter from f, which must hold each tensor
// of the model under its Hugging Face name with the same shape (F32, F16
// or BF16). Extra tensors such as lm_head.weight, the tied
// cls.predictions.decoder.* or attention mask buffers are ignored. Weights
// of the other architecture are reported as such.
func (m *Model) LoadWeights(f *safetensors.File) error {
	if _, ok := f.Tensor(m.Layout.Tensors[0].Name); !ok {
		for _, probe := range []struct {
			arch Arch
			name string
		}{{GPT, "transformer.wte.weight"}, {BERT, "bert.embeddings.word_embeddings.weight"}} {
			if _, ok := f.Tensor(probe.name); ok {
				return fmt.Errorf("the weights are a %s model's (%s), the config a %s model's", probe.arch, probe.name, m.Config.ArchName())
			}
		}
	}
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

// WriteHFConfig writes the Hugging Face config.json of c (GPT2Config or
// BertConfig keys) to path atomically.
func WriteHFConfig(path string, c Config) error {
	b, err := c.HFJSON()
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err })
}
