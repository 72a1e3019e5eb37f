package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"workbench/core/data"
	"workbench/core/fsutil"
	"workbench/core/kern"
	"workbench/core/model"
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
	masksOut := fs.String("masks-out", "", "bert: write the scored sequences to FILE, one JSON object per line with input_ids (masked) and labels (-100 where not scored)")
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
	unigram, err := data.NewUnigram(ds.Train, m.Config.Vocab)
	if err != nil {
		return fmt.Errorf("%s: %v", *dataPath, err)
	}
	if m.Config.IsBERT() {
		mlm, err := data.NewMLM(tok, data.DefaultMaskRate)
		if err != nil {
			return err
		}
		return evalMLM(m, model.IdentityPlan(m.Config.Layers), tokens, mlm, unigram, *masksOut, stdout)
	}
	if *masksOut != "" {
		return fmt.Errorf("--masks-out needs a bert model; %s is a %s model", *modelPath, m.Config.ArchName())
	}
	res, err := train.EvalText(m, tokens, bytes)
	if err != nil {
		return err
	}
	res.Tokenizer = tok.Name()
	if res.UnigramLoss, _, err = unigram.TokensLoss(tokens.Slice(1, tokens.Len())); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// evalMLM prints the MLM loss of a BERT over tokens, masked with
// train.EvalMaskSeed, beside the unigram loss of the same positions, and
// writes the scored sequences to masksOut when set.
func evalMLM(m *model.Model, plan []int, tokens data.Tokens, mlm data.MLM, unigram data.Unigram, masksOut string, stdout io.Writer) error {
	in, labels, lens := mlm.Strided(tokens, m.Config.Seq, train.EvalMaskSeed)
	loss, n, err := train.EvalMasked(m, plan, in, labels, lens)
	if err != nil {
		return err
	}
	uloss, _, err := unigram.Loss(labels)
	if err != nil {
		return err
	}
	if masksOut != "" {
		if err := writeMasks(masksOut, in, labels, lens, m.Config.Seq); err != nil {
			return err
		}
	}
	return json.NewEncoder(stdout).Encode(map[string]any{
		"loss": loss, "unigram_loss": uloss, "masked": n, "sequences": len(lens), "mask_rate": mlm.Rate, "mask_seed": train.EvalMaskSeed,
	})
}

// writeMasks writes one JSON object per sequence, its real positions only
// (no padding): input_ids after masking and labels in the Hugging Face
// convention (-100 where not scored).
func writeMasks(path string, in, labels []int32, lens []int, t int) error {
	return fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		for i, n := range lens {
			lab := make([]int32, n)
			for j, l := range labels[i*t : i*t+n] {
				lab[j] = l
				if l == data.Ignore {
					lab[j] = -100
				}
			}
			if err := enc.Encode(map[string][]int32{"input_ids": in[i*t : i*t+n], "labels": lab}); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}
