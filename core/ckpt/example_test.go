package ckpt_test

import (
	"fmt"
	"os"
	"path/filepath"

	"workbench/core/ckpt"
	"workbench/core/model"
	"workbench/core/optim"
	"workbench/core/safetensors"
)

// A checkpoint of a model and its optimizer, written atomically and
// read back into another model of the same shape.
func ExampleWriteFile() {
	dir, _ := os.MkdirTemp("", "ckpt")
	defer os.RemoveAll(dir)
	shape := model.Config{Layers: 2, Dim: 16, Heads: 2, Seq: 8, Vocab: 32, Batch: 1}
	m, _ := model.New(shape, 1)
	o := optim.NewAdamW(m.Layout, 0.01)

	c := ckpt.FromTraining(m, o)
	c.State = []byte(`{"step":0}`)
	path := filepath.Join(dir, ckpt.Name(0, true))
	if err := ckpt.WriteFile(path, c, ckpt.Options{Compress: true}); err != nil {
		fmt.Println(err)
		return
	}

	m2, _ := model.New(shape, 2)
	o2 := optim.NewAdamW(m2.Layout, 0.01)
	back, err := ckpt.ReadFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := back.Restore(m2, o2); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(filepath.Base(path), back.Checksum == c.Checksum, m2.Params.Data[5] == m.Params.Data[5])
	// Output: step-000000.safetensors.zst true true
}

// Shapes beyond the documented bounds are refused before anything is
// allocated for them.
func ExampleCheckShape() {
	gpt2 := model.Config{Layers: 12, Dim: 768, Heads: 12, Seq: 1024, Vocab: 50257}
	fmt.Println(ckpt.CheckShape(gpt2))
	gpt2.Dim = 65532
	fmt.Println(ckpt.CheckShape(gpt2))
	// Output:
	// <nil>
	// n_embd 65532 exceeds the limit of 32768
}

// Hugging Face GPT-2 weights without a config.json: the shape comes from
// the tensors present, and the model is allocated only once the file is
// known to hold all of it.
func ExampleImportHF() {
	src, _ := model.New(model.Config{Layers: 2, Dim: 16, Heads: 2, Seq: 8, Vocab: 32, Batch: 1}, 1)
	f := &safetensors.File{Tensors: src.Tensors()}
	shape, err := ckpt.HFShape(f, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := ckpt.ImportHF(f, shape)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(shape.Layers, shape.Dim, shape.Seq, shape.Vocab, m.Params.Data[7] == src.Params.Data[7])
	// Output: 2 16 8 32 true
}
