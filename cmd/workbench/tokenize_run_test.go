package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSubwordRun trains a BPE, tokenizes a text into a token directory,
// trains on it, and checks that the run records its tokenizer, reports
// bits per byte, evaluates with its own tokenizer on the text file and
// the token directory alike, refuses a token file of another tokenizer,
// trains from a token directory with its own tokenizer when --tokenizer
// is absent, and exports the tokenizer with the weights.
func TestSubwordRun(t *testing.T) {
	dir := t.TempDir()
	text := shakespeareFile(t, 60000)
	tok := filepath.Join(dir, "bpe")
	mustRun(t, "tokenizer", "train", "--kind", "bpe", "--vocab", "320", "--data", text, "--out", tok)
	tokens := filepath.Join(dir, "tokens")
	mustRun(t, "data", "encode", "--tokenizer", tok, "--data", text, "--out", tokens)
	out := filepath.Join(dir, "run")
	mustRun(t, append([]string{"train", "--data", tokens, "--tokenizer", tok, "--out", out, "--steps", "6", "--eval-every", "3", "--ckpt-every", "3"}, smallModel...)...)

	var cfg struct {
		Tokenizer string `json:"tokenizer"`
		Hash      string `json:"tokenizer_hash"`
		Vocab     int    `json:"vocab_size"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "config.json"))
	json.Unmarshal(b, &cfg)
	if cfg.Tokenizer != tok || len(cfg.Hash) != 64 || cfg.Vocab != 320 {
		t.Errorf("config.json: tokenizer %q hash %q vocab %d", cfg.Tokenizer, cfg.Hash, cfg.Vocab)
	}
	saved, _ := os.ReadFile(filepath.Join(out, "tokenizer.json"))
	orig, _ := os.ReadFile(filepath.Join(tok, "tokenizer.json"))
	if !bytes.Equal(saved, orig) {
		t.Error("the run directory's tokenizer.json differs from the tokenizer trained with")
	}
	// Every metrics line has bits per byte beside each loss.
	f, _ := os.Open(filepath.Join(out, "metrics.jsonl"))
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line map[string]float64
		json.Unmarshal(sc.Bytes(), &line)
		if line["train_bpb"] <= 0 {
			t.Errorf("metrics line without train_bpb: %s", sc.Text())
		}
		if _, ok := line["val_loss"]; ok && line["val_bpb"] <= 0 {
			t.Errorf("metrics line without val_bpb: %s", sc.Text())
		}
	}
	var sum struct {
		Loss float64 `json:"val_loss"`
		BPB  float64 `json:"bits_per_byte"`
	}
	b, _ = os.ReadFile(filepath.Join(out, "summary.json"))
	json.Unmarshal(b, &sum)
	if sum.BPB <= 0 || math.Abs(sum.BPB-sum.Loss/math.Ln2) < 1e-3 {
		t.Errorf("summary: loss %g nats/token, %g bits/byte: subword bits per byte must differ from nats/ln2", sum.Loss, sum.BPB)
	}
	// eval uses the run's tokenizer on the text file and on the token
	// directory: the same split, the same loss as the summary.
	model := filepath.Join(out, "model.safetensors")
	for _, d := range []string{text, tokens} {
		var ev struct {
			Loss float64
			BPB  float64 `json:"bits_per_byte"`
		}
		json.Unmarshal([]byte(mustRun(t, "eval", "--model", model, "--data", d, "--split", "val")), &ev)
		if math.Abs(ev.Loss-sum.Loss) > 1e-6 || math.Abs(ev.BPB-sum.BPB) > 1e-6 {
			t.Errorf("eval on %s: %g nats %g bpb, summary %g %g", filepath.Base(d), ev.Loss, ev.BPB, sum.Loss, sum.BPB)
		}
	}
	// A token directory of another tokenizer is an error.
	byteTokens := filepath.Join(dir, "byte-tokens")
	mustRun(t, "data", "encode", "--tokenizer", "bytes", "--data", text, "--out", byteTokens)
	if code, _, stderr := run("eval", "--model", model, "--data", byteTokens); code == 0 || !strings.Contains(stderr, "was made with tokenizer bytes") {
		t.Errorf("eval on another tokenizer's token file: exit %d, %s", code, stderr)
	}
	// Without --tokenizer a token directory trains with its own tokenizer.
	own := filepath.Join(dir, "own")
	mustRun(t, append([]string{"train", "--data", tokens, "--out", own, "--steps", "2", "--eval-every", "2"}, smallModel...)...)
	ownCfg := cfg
	b, _ = os.ReadFile(filepath.Join(own, "config.json"))
	if err := json.Unmarshal(b, &ownCfg); err != nil || ownCfg.Tokenizer != tokens || ownCfg.Hash != cfg.Hash || ownCfg.Vocab != 320 {
		t.Errorf("train --data TOKENS without --tokenizer: config.json tokenizer %q hash %.12s vocab %d (%v), want %q %.12s 320",
			ownCfg.Tokenizer, ownCfg.Hash, ownCfg.Vocab, err, tokens, cfg.Hash)
	}
	// A model cannot grow into a run with another tokenizer.
	code, _, stderr := run(append([]string{"train", "--data", text, "--grow-from", out, "--out", filepath.Join(dir, "grown"), "--steps", "2"}, smallModel...)...)
	if code == 0 || !strings.Contains(stderr, "vocabulary differs, tokenizer differs") {
		t.Errorf("grow-from a run with another tokenizer: exit %d, %s", code, stderr)
	}
	// The export holds the tokenizer.
	hf := filepath.Join(dir, "hf")
	mustRun(t, "ckpt", "export", filepath.Join(out, "ckpt", "step-000006.safetensors"), "--out", hf)
	if exported, _ := os.ReadFile(filepath.Join(hf, "tokenizer.json")); !bytes.Equal(exported, orig) {
		t.Error("ckpt export wrote no or another tokenizer.json")
	}
}

// TestTrainBadTokenizer: a tokenizer that does not exist or is not one is
// one line naming it, and no run directory is left.
func TestTrainBadTokenizer(t *testing.T) {
	dir := t.TempDir()
	text := shakespeareFile(t, 20000)
	notTok := filepath.Join(dir, "notes.txt")
	os.WriteFile(notTok, []byte("hello"), 0o644)
	for _, tc := range []struct{ spec, want string }{
		{filepath.Join(dir, "missing.json"), "missing.json does not exist"},
		{notTok, "notes.txt: not a tokenizer.json"},
	} {
		out := filepath.Join(dir, "run")
		code, _, stderr := run(append([]string{"train", "--data", text, "--tokenizer", tc.spec, "--out", out, "--steps", "2"}, smallModel...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("--tokenizer %s: exit %d, %q", tc.spec, code, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("--tokenizer %s left a run directory", tc.spec)
		}
	}
}
