package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"workbench/core/safetensors"
)

// TestBERTHuggingFaceRoundTrip writes a BERT model's weights and config in
// Hugging Face layout and reads them back.
func TestBERTHuggingFaceRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c := tinyBERT()
	m, _ := New(c, 3)
	if err := m.WriteSafetensors(filepath.Join(dir, "model.safetensors"), map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHFConfig(filepath.Join(dir, "config.json"), c); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	var keys map[string]any
	if err := json.Unmarshal(raw, &keys); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"model_type": "bert", "hidden_size": 8.0, "num_hidden_layers": 2.0, "num_attention_heads": 2.0,
		"intermediate_size": 32.0, "hidden_act": "gelu", "max_position_embeddings": 6.0, "type_vocab_size": 2.0,
		"layer_norm_eps": 1e-12, "vocab_size": 13.0,
	} {
		if keys[k] != want {
			t.Errorf("config.json %s = %v, want %v", k, keys[k], want)
		}
	}
	if a, _ := keys["architectures"].([]any); len(a) != 1 || a[0] != "BertForMaskedLM" {
		t.Errorf("architectures = %v", keys["architectures"])
	}
	rc, err := ReadHFConfig(filepath.Join(dir, "config.json"), c.Batch)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Arch != BERT || rc.Layers != c.Layers || rc.Dim != c.Dim || rc.Heads != c.Heads || rc.Seq != c.Seq || rc.Vocab != c.Vocab {
		t.Fatalf("config read back as %+v, want %+v", rc, c)
	}
	f, err := safetensors.ReadFile(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for name, shape := range map[string][]int{
		"bert.embeddings.word_embeddings.weight":                 {13, 8},
		"bert.embeddings.token_type_embeddings.weight":           {2, 8},
		"bert.encoder.layer.0.attention.self.query.weight":       {8, 8},
		"bert.encoder.layer.1.intermediate.dense.weight":         {32, 8}, // [out, in]
		"bert.encoder.layer.1.output.dense.weight":               {8, 32},
		"cls.predictions.transform.dense.weight":                 {8, 8},
		"cls.predictions.bias":                                   {13},
		"bert.encoder.layer.0.attention.output.LayerNorm.weight": {8},
		"cls.predictions.transform.LayerNorm.bias":               {8},
		"bert.embeddings.position_embeddings.weight":             {6, 8},
		"bert.encoder.layer.1.attention.self.value.bias":         {8},
		"bert.encoder.layer.0.output.LayerNorm.bias":             {8},
		"bert.embeddings.LayerNorm.weight":                       {8},
		"bert.encoder.layer.0.attention.output.dense.bias":       {8},
		"bert.encoder.layer.0.intermediate.dense.bias":           {32},
		"cls.predictions.transform.dense.bias":                   {8},
		"bert.encoder.layer.1.attention.self.key.weight":         {8, 8},
		"bert.encoder.layer.1.attention.output.LayerNorm.bias":   {8},
		"bert.encoder.layer.0.attention.self.query.bias":         {8},
		"cls.predictions.transform.LayerNorm.weight":             {8},
		"bert.embeddings.LayerNorm.bias":                         {8},
		"bert.encoder.layer.1.output.dense.bias":                 {8},
		"bert.encoder.layer.0.attention.output.dense.weight":     {8, 8},
		"bert.encoder.layer.1.output.LayerNorm.weight":           {8},
		"bert.encoder.layer.0.attention.self.key.bias":           {8},
		"bert.encoder.layer.0.attention.self.value.weight":       {8, 8},
	} {
		tn, ok := f.Tensor(name)
		if !ok || !slices.Equal(tn.Shape, shape) {
			t.Errorf("tensor %s: present %v, shape %v, want %v", name, ok, tn.Shape, shape)
		}
	}
	m2, _ := New(rc, 99)
	if err := m2.LoadWeights(f); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Params.Data, m2.Params.Data) {
		t.Fatal("weights differ after a round trip")
	}
}

// TestArchMismatchErrors loads each architecture's weights into the other
// and reads configs BERT cannot run: one clear error each.
func TestArchMismatchErrors(t *testing.T) {
	dir := t.TempDir()
	gptModel, _ := New(tinyConfig(), 1)
	bertModel, _ := New(tinyBERT(), 1)
	gptPath, bertPath := filepath.Join(dir, "gpt.safetensors"), filepath.Join(dir, "bert.safetensors")
	gptModel.WriteSafetensors(gptPath, nil)
	bertModel.WriteSafetensors(bertPath, nil)
	gf, _ := safetensors.ReadFile(gptPath)
	bf, _ := safetensors.ReadFile(bertPath)
	if err := bertModel.LoadWeights(gf); err == nil || err.Error() != "the weights are a gpt model's (transformer.wte.weight), the config a bert model's" {
		t.Errorf("GPT weights into BERT: %v", err)
	}
	if err := gptModel.LoadWeights(bf); err == nil || err.Error() != "the weights are a bert model's (bert.embeddings.word_embeddings.weight), the config a gpt model's" {
		t.Errorf("BERT weights into GPT: %v", err)
	}
	good, _ := tinyBERT().HFJSON()
	for _, tc := range []struct{ from, to, want string }{
		{`"gelu"`, `"gelu_new"`, `hidden_act "gelu_new", want "gelu" (the exact GELU)`},
		{`"model_type": "bert"`, `"model_type": "t5"`, `model_type "t5", want "gpt2" or "bert"`},
		{`"intermediate_size": 32`, `"intermediate_size": 30`, "intermediate_size 30 is not 4 × hidden_size 8"},
		{`"type_vocab_size": 2`, `"type_vocab_size": 1`, "type_vocab_size 1, want 2"},
	} {
		bad := strings.Replace(string(good), tc.from, tc.to, 1)
		if bad == string(good) {
			t.Fatalf("%s not in %s", tc.from, good)
		}
		if _, err := ParseHFConfig([]byte(bad), 1); err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.to, err, tc.want)
		}
	}
}
