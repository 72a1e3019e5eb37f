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

// TestTokenizerTrainOutForms trains each kind into the two forms of --out:
// a path ending in .json is the tokenizer.json file alone, any other path
// a directory with tokenizer.json, tokenizer_config.json and, for a
// WordPiece, vocab.txt. Both hold the same tokenizer.json.
func TestTokenizerTrainOutForms(t *testing.T) {
	text := shakespeareFile(t, 20000)
	for _, kind := range []string{"bpe", "wordpiece"} {
		dir := t.TempDir()
		tokDir, tokFile := filepath.Join(dir, "tk"), filepath.Join(dir, "new", "tk.json")
		for out, written := range map[string]string{tokDir: filepath.Join(tokDir, "tokenizer.json"), tokFile: tokFile} {
			code, stdout, stderr := run("tokenizer", "train", "--kind", kind, "--vocab", "280", "--data", text, "--out", out)
			if code != 0 {
				t.Fatalf("--out %s exited %d: %s", out, code, stderr)
			}
			if !strings.HasPrefix(stdout, written+":") {
				t.Errorf("--out %s printed %q, want it to name %s", out, stdout, written)
			}
		}
		fromDir, err := os.ReadFile(filepath.Join(tokDir, "tokenizer.json"))
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(tokFile); err != nil || st.IsDir() {
			t.Fatalf("%s: want a file, got %v, %v", tokFile, st, err)
		}
		if fromFile, _ := os.ReadFile(tokFile); string(fromFile) != string(fromDir) {
			t.Errorf("%s: %s differs from the directory's tokenizer.json", kind, tokFile)
		}
		if entries, _ := os.ReadDir(filepath.Dir(tokFile)); len(entries) != 1 {
			t.Errorf("%s: --out %s wrote %d files, want tk.json alone", kind, tokFile, len(entries))
		}
		for _, f := range []string{"tokenizer_config.json", "vocab.txt"} {
			_, err := os.Stat(filepath.Join(tokDir, f))
			if want := f != "vocab.txt" || kind == "wordpiece"; (err == nil) != want {
				t.Errorf("%s: %s in the directory: %v, want %v", kind, f, err == nil, want)
			}
		}
		mustRun(t, "data", "encode", "--tokenizer", tokFile, "--data", text, "--out", filepath.Join(dir, "tokens"))
		code, _, stderr := run("tokenizer", "train", "--kind", kind, "--vocab", "280", "--data", text, "--out", tokFile)
		if code == 0 || !strings.Contains(stderr, tokFile+" already exists") {
			t.Errorf("training into an existing %s: exit %d, %q", tokFile, code, stderr)
		}
	}
	// An existing directory whose name ends in .json stays a directory.
	dir := filepath.Join(t.TempDir(), "old.json")
	os.Mkdir(dir, 0o755)
	mustRun(t, "tokenizer", "train", "--kind", "bpe", "--vocab", "280", "--data", text, "--out", dir)
	if _, err := os.Stat(filepath.Join(dir, "tokenizer.json")); err != nil {
		t.Error(err)
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
