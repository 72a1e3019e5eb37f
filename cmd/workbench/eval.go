package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"workbench/core/data"
	"workbench/core/kern"
	"workbench/core/model"
	"workbench/core/safetensors"
	"workbench/core/tokenize"
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
	dir := filepath.Dir(*modelPath)
	cfg, err := model.ReadHFConfig(filepath.Join(dir, "config.json"), *batch)
	if err != nil {
		return err
	}
	tok, err := modelTokenizer(dir, *tokSpec)
	if err != nil {
		return err
	}
	if cfg.Vocab != tok.VocabSize() {
		return fmt.Errorf("model vocabulary is %d but tokenizer %s has %d", cfg.Vocab, tok.Name(), tok.VocabSize())
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
	ds, err := data.Load(*dataPath, tok, *valFrac, 2)
	if err != nil {
		return err
	}
	defer ds.Close()
	var tokens data.Tokens
	var bytes int
	switch *split {
	case "all":
		tokens, bytes = data.Int32Tokens(append(ds.Train.Int32s(), ds.Val.Int32s()...)), ds.Bytes
	case "train":
		tokens, bytes = ds.Train, ds.TrainBytes
	case "val":
		tokens, bytes = ds.Val, ds.ValBytes
	default:
		return fmt.Errorf("--split must be all, train or val, got %q", *split)
	}
	loss, n, err := train.EvalStream(m, model.IdentityPlan(cfg.Layers), tokens)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]any{"tokens": n, "loss": loss,
		"bits_per_byte": data.BitsPerByte(loss, tokens.Len(), bytes), "tokenizer": tok.Name()})
}

// modelTokenizer returns the tokenizer a model in dir was trained with:
// spec if given, else dir's tokenizer.json, else the tokenizer named in
// dir's config.json (checked against its recorded hash), else bytes.
func modelTokenizer(dir, spec string) (tokenize.Tokenizer, error) {
	if spec != "" {
		tok, err := tokenize.Load(spec)
		if err != nil {
			return nil, fmt.Errorf("--tokenizer: %v", err)
		}
		return tok, nil
	}
	if _, err := os.Stat(filepath.Join(dir, tokenize.FileName)); err == nil {
		return tokenize.Load(filepath.Join(dir, tokenize.FileName))
	}
	var c struct {
		Tokenizer string `json:"tokenizer"`
		Hash      string `json:"tokenizer_hash"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "config.json")); err == nil {
		json.Unmarshal(b, &c)
	}
	tok, err := tokenize.Load(c.Tokenizer)
	if err != nil {
		return nil, fmt.Errorf("the model's tokenizer (config.json): %v", err)
	}
	if c.Hash != "" && c.Hash != tok.Hash() {
		return nil, fmt.Errorf("the model's tokenizer %s has changed since training (hash %.12s, trained with %.12s)", c.Tokenizer, tok.Hash(), c.Hash)
	}
	return tok, nil
}
