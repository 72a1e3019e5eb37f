package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"workbench/core/data"
	"workbench/core/kern"
	"workbench/core/train"
)

func init() {
	register("eval", "evaluate a model.safetensors on a text file or token directory", runEval)
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "eval --model DIR/model.safetensors --data FILE|DIR [flags]", stdout)
	modelPath := fs.String("model", "", "model.safetensors (its config.json must sit beside it)")
	dataPath := fs.String("data", "datasets/tinyshakespeare.txt", "text file, or token directory made with the model's tokenizer")
	tokSpec := fs.String("tokenizer", "", "tokenizer (default: the run's own: tokenizer.json beside the model, else config.json's tokenizer)")
	split := fs.String("split", "all", "part of the data: all, train or val (val: the last --val-frac of a text file, as in training)")
	valFrac := fs.Float64("val-frac", 0.1, "validation fraction of a text file for --split")
	batch := fs.Int("batch", train.EvalBatch, "windows per forward pass")
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
	tok, err := train.ModelTokenizer(filepath.Dir(*modelPath), *tokSpec)
	if err != nil {
		return err
	}
	m, err := train.LoadModel(*modelPath, tok, *batch)
	if err != nil {
		return err
	}
	ds, err := data.Load(*dataPath, tok, *valFrac, 2)
	if err != nil {
		return err
	}
	defer ds.Close()
	tokens, bytes, err := train.SplitTokens(ds, *split)
	if err != nil {
		return err
	}
	res, err := train.EvalText(m, tokens, bytes)
	if err != nil {
		return err
	}
	res.Tokenizer = tok.Name()
	return json.NewEncoder(stdout).Encode(res)
}
