package ckpt_test

import (
	"fmt"
	"os"
	"path/filepath"

	"workbench/core/ckpt"
	"workbench/core/model"
	"workbench/core/optim"
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
