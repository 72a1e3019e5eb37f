package ckpt

import (
	"fmt"
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

// LoadHF copies the weights of a Hugging Face GPT-2 safetensors file into
// m (see NormalizeHF for the accepted names). Every tensor of m must be
// present with the same shape.
func LoadHF(f *safetensors.File, m *model.Model) error {
	if _, ok := NormalizeHF(f).Tensor(hfPrefix + "wte.weight"); !ok {
		return fmt.Errorf("not a GPT-2 weights file: no tensor transformer.wte.weight or wte.weight")
	}
	return m.LoadWeights(NormalizeHF(f))
}

// HFShape infers the shape of the GPT-2 in f: layers from the h.<i>
// blocks, width and vocabulary from wte, sequence length from wpe. The
// number of heads is not in the weights: heads is used, and must divide
// the width.
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
	layers := 0
	for _, t := range f.Tensors {
		rest, ok := strings.CutPrefix(t.Name, hfPrefix+"h.")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '.'), 0)])
		if err == nil && i+1 > layers {
			layers = i + 1
		}
	}
	c := model.Config{Layers: layers, Dim: wte.Shape[1], Heads: heads, Seq: wpe.Shape[0], Vocab: wte.Shape[0], Batch: 1}
	if err := c.Validate(); err != nil {
		return model.Config{}, err
	}
	return c, nil
}
