package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenizerTrainThenEncode trains a BPE and a WordPiece on a little
// Shakespeare and writes token directories with them.
func TestTokenizerTrainThenEncode(t *testing.T) {
	a, b := shakespeareFile(t, 30000), shakespeareFile(t, 20000)
	for _, kind := range []string{"bpe", "wordpiece"} {
		dir := t.TempDir()
		tokDir := filepath.Join(dir, kind)
		code, stdout, stderr := run("tokenizer", "train", "--kind", kind, "--vocab", "300", "--data", a, "--out", tokDir)
		if code != 0 {
			t.Fatalf("tokenizer train %s exited %d: %s", kind, code, stderr)
		}
		if !strings.Contains(stdout, "vocabulary 300") {
			t.Errorf("tokenizer train printed %q", stdout)
		}
		if _, err := os.Stat(filepath.Join(tokDir, "vocab.txt")); (err == nil) != (kind == "wordpiece") {
			t.Errorf("%s: vocab.txt present: %v", kind, err == nil)
		}
		out := filepath.Join(dir, "tokens")
		code, _, stderr = run("data", "encode", "--tokenizer", tokDir, "--data", a, b, "--out", out, "--val-frac", "0.4")
		if code != 0 {
			t.Fatalf("data encode exited %d: %s", code, stderr)
		}
		var meta struct {
			Tokenizer string
			VocabSize int `json:"vocab_size"`
			Split     string
			Val       struct{ Bytes int }
		}
		raw, _ := os.ReadFile(filepath.Join(out, "meta.json"))
		if err := json.Unmarshal(raw, &meta); err != nil {
			t.Fatal(err)
		}
		if meta.Tokenizer != kind || meta.VocabSize != 300 || meta.Split != "documents" || meta.Val.Bytes != 20000 {
			t.Errorf("meta.json: %s", raw)
		}
	}
}

func TestDataBadInput(t *testing.T) {
	dir := t.TempDir()
	text := shakespeareFile(t, 5000)
	notTok := filepath.Join(dir, "not.json")
	os.WriteFile(notTok, []byte(`{"hello": 1}`), 0o644)
	latin1 := filepath.Join(dir, "latin1.txt")
	os.WriteFile(latin1, []byte("caf\xe9 au lait, "+strings.Repeat("word ", 100)), 0o644)
	wp := filepath.Join(dir, "wp")
	if code, _, stderr := run("tokenizer", "train", "--kind", "wordpiece", "--vocab", "200", "--data", text, "--out", wp); code != 0 {
		t.Fatal(stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"data", "encode", "--tokenizer", filepath.Join(dir, "nope"), "--data", text, "--out", filepath.Join(dir, "o1")}, "does not exist (want bytes, gpt2 or the path of a tokenizer.json)"},
		{[]string{"data", "encode", "--tokenizer", notTok, "--data", text, "--out", filepath.Join(dir, "o2")}, "not.json: not a tokenizer.json: no model"},
		{[]string{"data", "encode", "--tokenizer", wp, "--data", latin1, "--out", filepath.Join(dir, "o3")}, "latin1.txt: text is not UTF-8 at byte offset 3"},
		{[]string{"data", "encode", "--data", filepath.Join(dir, "missing.txt"), "--out", filepath.Join(dir, "o4")}, "data file " + filepath.Join(dir, "missing.txt") + " does not exist"},
		{[]string{"data", "encode", "--data", text}, "--out is required"},
		{[]string{"data", "frobnicate"}, `unknown subcommand "frobnicate"`},
		{[]string{"data", "fetch", "welsh"}, `unknown corpus "welsh" (want english)`},
		{[]string{"tokenizer", "train", "--kind", "unigram", "--data", text, "--out", filepath.Join(dir, "t")}, `--kind must be bpe or wordpiece, got "unigram"`},
		{[]string{"tokenizer", "train", "--kind", "bpe", "--lowercase", "--data", text, "--out", filepath.Join(dir, "t")}, "--lowercase applies to --kind wordpiece only"},
	} {
		code, _, stderr := run(tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", tc.args, code, stderr, tc.want)
		}
	}
	for _, o := range []string{"o1", "o2", "o3", "o4"} {
		if _, err := os.Stat(filepath.Join(dir, o)); err == nil {
			t.Errorf("a failed encode left %s", o)
		}
	}
}
