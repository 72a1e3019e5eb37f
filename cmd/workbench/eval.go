package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"workbench/core/data"
	"workbench/core/kern"
	"workbench/core/model"
	"workbench/core/safetensors"
	"workbench/core/train"
)

func init() {
	register("eval", "evaluate a model.safetensors on a text file", runEval)
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "eval --model DIR/model.safetensors --data FILE [flags]", stdout)
	modelPath := fs.String("model", "", "model.safetensors (its config.json must sit beside it)")
	dataPath := fs.String("data", "datasets/tinyshakespeare.txt", "text file to evaluate (byte-level tokens)")
	split := fs.String("split", "all", "part of the file: all, train or val (val: the last --val-frac, as in training)")
	valFrac := fs.Float64("val-frac", 0.1, "validation fraction for --split")
	batch := fs.Int("batch", 8, "windows per forward pass")
	threads := fs.Int("threads", 0, "kernel threads (0: all cores)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *modelPath == "" {
		return fmt.Errorf("--model is required")
	}
	if *batch < 1 {
		return fmt.Errorf("--batch must be at least 1, got %d", *batch)
	}
	if *threads > 0 {
		kern.SetThreads(*threads)
	}
	cfg, err := model.ReadHFConfig(filepath.Join(filepath.Dir(*modelPath), "config.json"), *batch)
	if err != nil {
		return err
	}
	if cfg.Vocab != data.VocabBytes {
		return fmt.Errorf("model vocabulary is %d; eval reads text with the byte tokenizer (vocabulary %d)", cfg.Vocab, data.VocabBytes)
	}
	f, err := safetensors.ReadFile(*modelPath)
	if err != nil {
		return err
	}
	m, err := model.New(cfg, 0)
	if err != nil {
		return err
	}
	if err := m.LoadWeights(f); err != nil {
		return fmt.Errorf("%s: %v", *modelPath, err)
	}
	ds, err := data.Load(*dataPath, *valFrac, 2)
	if err != nil {
		return err
	}
	var tokens []int32
	switch *split {
	case "all":
		tokens = append(append(tokens, ds.Train...), ds.Val...)
	case "train":
		tokens = ds.Train
	case "val":
		tokens = ds.Val
	default:
		return fmt.Errorf("--split must be all, train or val, got %q", *split)
	}
	loss, n, err := train.EvalStream(m, model.IdentityPlan(cfg.Layers), tokens)
	if err != nil {
		return err
	}
	// With the byte tokenizer every predicted token is one byte.
	return json.NewEncoder(stdout).Encode(map[string]any{"tokens": n, "loss": loss, "bits_per_byte": loss / math.Ln2})
}
