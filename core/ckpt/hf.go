package ckpt

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"workbench/core/model"
	"workbench/core/safetensors"
)

// hfPrefix is the prefix of the decoder's tensors in a GPT2LMHeadModel
// state dict; a bare GPT2Model has none.
const hfPrefix = "transformer."

// NormalizeHF returns f with every GPT-2 decoder tensor named as a
// GPT2LMHeadModel names it ("transformer.h.0.ln_1.weight"): files saved
// from a bare GPT2Model ("h.0.ln_1.weight") gain the prefix. Other
// tensors (lm_head.weight, buffers) keep their names.
func NormalizeHF(f *safetensors.File) *safetensors.File {
	if _, ok := f.Tensor(hfPrefix + "wte.weight"); ok {
		return f
	}
	out := &safetensors.File{Metadata: f.Metadata, Tensors: make([]safetensors.Tensor, len(f.Tensors))}
	for i, t := range f.Tensors {
		if isDecoderName(t.Name) {
			t.Name = hfPrefix + t.Name
		}
		out.Tensors[i] = t
	}
	return out
}

func isDecoderName(n string) bool {
	return n == "wte.weight" || n == "wpe.weight" || strings.HasPrefix(n, "h.") || strings.HasPrefix(n, "ln_f.")
}

// LoadHF copies the weights of a Hugging Face safetensors file into m: a
// GPT-2 (see NormalizeHF for the accepted names) or, for a BERT m, a
// BertForMaskedLM. Every tensor of m must be present with the same shape;
// weights of the other architecture are reported as such.
func LoadHF(f *safetensors.File, m *model.Model) error {
	if _, bert := f.Tensor("bert.embeddings.word_embeddings.weight"); bert || m.Config.IsBERT() {
		return m.LoadWeights(f)
	}
	f = NormalizeHF(f)
	if _, ok := f.Tensor(hfPrefix + "wte.weight"); !ok {
		return fmt.Errorf("not a GPT-2 weights file: no tensor transformer.wte.weight or wte.weight")
	}
	return m.LoadWeights(f)
}

// ImportHF returns the GPT-2 of shape c whose weights f holds (see
// NormalizeHF for the accepted names). The shape must be within the bounds
// of CheckShape, and f must hold every tensor of the shape, with its
// shape, and no decoder block beyond c.Layers; all of this is checked
// before the model's memory is allocated, so that the file justifies it.
func ImportHF(f *safetensors.File, c model.Config) (*model.Model, error) {
	if err := CheckShape(c); err != nil {
		return nil, err
	}
	f = NormalizeHF(f)
	l := model.NewLayout(c)
	for _, t := range l.Tensors {
		st, ok := f.Tensor(t.Name)
		if !ok {
			return nil, fmt.Errorf("tensor %s is missing", t.Name)
		}
		if !slices.Equal(st.Shape, t.Shape) {
			return nil, fmt.Errorf("tensor %s has shape %v, want %v", t.Name, st.Shape, t.Shape)
		}
	}
	for _, t := range f.Tensors {
		if i, ok := blockIndex(t.Name); ok && i >= c.Layers {
			return nil, fmt.Errorf("tensor %s belongs to block %s of a %d-layer model", t.Name, strings.Split(t.Name, ".")[2], c.Layers)
		}
	}
	c.Batch = max(c.Batch, 1)
	m := &model.Model{Config: c, Layout: l, Params: model.Params{Data: make([]float32, l.Size)}}
	if err := m.LoadWeights(f); err != nil {
		return nil, err
	}
	return m, nil
}

// blockIndex returns the block number i of a normalized decoder block
// tensor name "transformer.h.<i>.<rest>"; a number too large for an int
// is returned as math.MaxInt.
func blockIndex(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, hfPrefix+"h.")
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, ".")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil {
		return math.MaxInt, true
	}
	return i, true
}

// HFShape infers the shape of the GPT-2 in f from the tensors it holds:
// width and vocabulary from wte, sequence length from wpe, and layers
// from the decoder blocks, which must be numbered 0 to n-1. The number of
// heads is not in the weights: heads is used, and must divide the width.
// The shape must be within the bounds of CheckShape.
func HFShape(f *safetensors.File, heads int) (model.Config, error) {
	f = NormalizeHF(f)
	wte, ok := f.Tensor(hfPrefix + "wte.weight")
	if !ok || len(wte.Shape) != 2 {
		return model.Config{}, fmt.Errorf("not a GPT-2 weights file: no 2-D tensor transformer.wte.weight or wte.weight")
	}
	wpe, ok := f.Tensor(hfPrefix + "wpe.weight")
	if !ok || len(wpe.Shape) != 2 {
		return model.Config{}, fmt.Errorf("not a GPT-2 weights file: no 2-D tensor transformer.wpe.weight or wpe.weight")
	}
	blocks := map[int]bool{}
	highest := -1
	for _, t := range f.Tensors {
		if i, ok := blockIndex(t.Name); ok {
			blocks[i] = true
			highest = max(highest, i)
		}
	}
	layers := len(blocks)
	if highest >= layers {
		for i := range layers {
			if !blocks[i] {
				return model.Config{}, fmt.Errorf("the decoder blocks are not numbered 0 to %d: block %d is missing, the highest is %d", layers-1, i, highest)
			}
		}
	}
	c := model.Config{Layers: layers, Dim: wte.Shape[1], Heads: heads, Seq: wpe.Shape[0], Vocab: wte.Shape[0], Batch: 1}
	if err := CheckShape(c); err != nil {
		return model.Config{}, err
	}
	return c, nil
}

// LoadFile copies into m the weights held by the file at path: a
// checkpoint, compressed or not, which is verified in full as resuming
// verifies it (a damaged one is never loaded), or Hugging Face GPT-2
// weights (see LoadHF). The shapes must be equal. Errors name the file.
func LoadFile(path string, m *model.Model) error {
	h, compressed, err := ReadHeader(path)
	if err != nil {
		return err
	}
	if compressed || h.Metadata[keyVersion] != "" {
		c, err := ReadFile(path)
		if err != nil {
			return err
		}
		if err := SameShape(c.Model, m.Config); err != nil {
			return fmt.Errorf("%s: %v (file vs model)", path, err)
		}
		copy(m.Params.Data, c.Params)
		return nil
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	if err := LoadHF(f, m); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
