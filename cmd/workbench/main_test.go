package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs workbench with args and returns its exit code, stdout and stderr.
func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := mainCode(args, &out, &errb)
	return code, out.String(), errb.String()
}

func shakespeareFile(t *testing.T, n int) string {
	t.Helper()
	b, err := os.ReadFile("../../datasets/tinyshakespeare.txt")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "shakespeare.txt")
	os.WriteFile(p, b[:n], 0o644)
	return p
}

var smallModel = []string{"--layers", "2", "--dim", "32", "--heads", "2", "--seq", "32", "--batch", "4", "--eval-batches", "2"}

func TestTrainThenEvalAgree(t *testing.T) {
	data := shakespeareFile(t, 50000)
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--data", data, "--out", out, "--steps", "12", "--eval-every", "6", "--method", "baseline"}, smallModel...)
	if code, _, stderr := run(args...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	var summary struct {
		ValLoss   float64 `json:"val_loss"`
		ValTokens int     `json:"val_tokens"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &summary)
	code, stdout, stderr := run("eval", "--model", filepath.Join(out, "model.safetensors"), "--data", data, "--split", "val")
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, stderr)
	}
	var ev struct {
		Tokens  int
		Loss    float64
		BPB     float64 `json:"bits_per_byte"`
		Unigram float64 `json:"unigram_loss"`
	}
	if err := json.Unmarshal([]byte(stdout), &ev); err != nil {
		t.Fatalf("eval printed %q: %v", stdout, err)
	}
	if ev.Tokens != summary.ValTokens || math.Abs(ev.Loss-summary.ValLoss) > 1e-6 {
		t.Fatalf("eval gave %d tokens, loss %v; training's final validation: %d tokens, loss %v", ev.Tokens, ev.Loss, summary.ValTokens, summary.ValLoss)
	}
	if math.Abs(ev.BPB-ev.Loss/math.Ln2) > 1e-12 {
		t.Fatalf("bits per byte %v for loss %v", ev.BPB, ev.Loss)
	}
	// English text under a byte unigram: between 4 and 5 bits per byte.
	if ev.Unigram < 4*math.Ln2 || ev.Unigram > 5*math.Ln2 {
		t.Fatalf("unigram loss %v nats per byte", ev.Unigram)
	}
	var cfg map[string]any
	b, _ = os.ReadFile(filepath.Join(out, "config.json"))
	json.Unmarshal(b, &cfg)
	for _, k := range []string{"n_layer", "n_embd", "n_head", "vocab_size", "model_type", "lr", "seed", "data_sha256", "method"} {
		if _, ok := cfg[k]; !ok {
			t.Errorf("config.json lacks %q", k)
		}
	}
	// An existing run directory is never overwritten.
	code, _, stderr = run(args...)
	if code == 0 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("second train into %s: exit %d, %q", out, code, stderr)
	}
}

// TestEvalMatchesPyTorch evaluates a model exported by PyTorch
// (tools/golden/gen.py) on a text and compares with tools/golden/hf_check.py.
func TestEvalMatchesPyTorch(t *testing.T) {
	dir := "../../core/model/testdata/hf_tiny"
	code, stdout, stderr := run("eval", "--model", dir+"/model.safetensors", "--data", dir+"/text.txt")
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, stderr)
	}
	var got, want struct {
		Tokens int
		Loss   float64
	}
	json.Unmarshal([]byte(stdout), &got)
	b, _ := os.ReadFile(dir + "/expected.json")
	json.Unmarshal(b, &want)
	if got.Tokens != want.Tokens || math.Abs(got.Loss-want.Loss) > 1e-5 {
		t.Fatalf("eval = %+v, PyTorch = %+v", got, want)
	}
}

func TestErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o644)
	short := filepath.Join(dir, "short.txt")
	os.WriteFile(short, []byte("too short"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--data", filepath.Join(dir, "nope.txt")}, "nope.txt does not exist"},
		{[]string{"train", "--data", empty}, "empty.txt is empty"},
		{[]string{"train", "--data", short}, "short.txt is too short"},
		{[]string{"train", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"train", "--dim", "100", "--heads", "3"}, "dim 100 is not divisible by heads 3"},
		{[]string{"train", "--layers", "0"}, "layers must be at least 1, got 0"},
		{[]string{"train", "--steps", "x"}, `invalid value "x" for flag -steps`},
		{[]string{"train", "--stages", "1,2", "--stage-ends", "0.5", "--layers", "2", "--sampler", "nosuch"}, "nosuch"},
		{[]string{"eval"}, "--model is required"},
		{[]string{"eval", "--model", filepath.Join(dir, "m.safetensors")}, "config.json"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	} {
		code, _, stderr := run(tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: error is not one line: %q", tc.args, stderr)
		}
	}
}

func TestHelp(t *testing.T) {
	code, stdout, _ := run("help")
	if code != 0 || !strings.Contains(stdout, "train") || !strings.Contains(stdout, "eval") {
		t.Fatalf("help: %d %q", code, stdout)
	}
	code, stdout, _ = run("train", "-h")
	if code != 0 || !strings.Contains(stdout, "-layers") {
		t.Fatalf("train -h: %d %q", code, stdout)
	}
}

// TestEvalBERTMatchesPyTorch evaluates the BERT of testdata/bert_hf_tiny
// (trained briefly, exported by workbench): the masked sequences must be
// exactly those committed, and the loss the one tools/golden/bert_check.py
// computed from them in float64.
func TestEvalBERTMatchesPyTorch(t *testing.T) {
	dir := "../../core/model/testdata/bert_hf_tiny"
	masks := filepath.Join(t.TempDir(), "masks.jsonl")
	code, stdout, stderr := run("eval", "--model", dir+"/model.safetensors", "--data", dir+"/text.txt", "--masks-out", masks)
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, stderr)
	}
	var got, want struct {
		Loss      float64
		Unigram   float64 `json:"unigram_loss"`
		Masked    int
		Sequences int
		MaskSeed  int `json:"mask_seed"`
	}
	json.Unmarshal([]byte(stdout), &got)
	b, _ := os.ReadFile(dir + "/expected.json")
	json.Unmarshal(b, &want)
	if got.Masked != want.Masked || got.Sequences != want.Sequences || math.Abs(got.Loss-want.Loss) > 1e-5 || got.MaskSeed != 1234 {
		t.Fatalf("eval = %+v, PyTorch = %+v", got, want)
	}
	if got.Unigram < 4*math.Ln2 || got.Unigram > 5*math.Ln2 {
		t.Fatalf("unigram loss of the masked bytes %v nats", got.Unigram)
	}
	a, _ := os.ReadFile(masks)
	w, _ := os.ReadFile(dir + "/masks.jsonl")
	if !bytes.Equal(a, w) {
		t.Fatal("--masks-out wrote other sequences than testdata/bert_hf_tiny/masks.jsonl")
	}
}

func TestBERTBadInput(t *testing.T) {
	data := shakespeareFile(t, 20000)
	gptDir := "../../core/model/testdata/hf_tiny"
	bertDir := "../../core/model/testdata/bert_hf_tiny"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--data", data, "--arch", "t5"}, `arch must be gpt or bert, got "t5"`},
		{[]string{"train", "--data", data, "--arch", "bert", "--mask-rate", "1.5"}, "mask rate must be in (0, 1), got 1.5"},
		{[]string{"train", "--data", data, "--arch", "bert", "--mask-rate", "0"}, "mask rate must be in (0, 1), got 0"},
		{[]string{"train", "--data", data, "--arch", "bert", "--layers", "2", "--dim", "16", "--heads", "2", "--seq", "64", "--init", bertDir + "/model.safetensors"}, "--seq 64 is longer than the model's max_position_embeddings 32"},
		{[]string{"train", "--data", data, "--arch", "bert", "--layers", "2", "--dim", "16", "--heads", "2", "--seq", "16", "--init", gptDir + "/model.safetensors"}, "the weights are a gpt model's (transformer.wte.weight), the config a bert model's"},
		{[]string{"eval", "--model", gptDir + "/model.safetensors", "--data", data, "--masks-out", "x.jsonl"}, "--masks-out needs a bert model"},
		{[]string{"train", "--data", data, "--arch", "bert", "--tokenizer", "gpt2"}, "tokenizer gpt2 has no [CLS] token; a BERT needs [CLS] [SEP] [MASK] [PAD]"},
	} {
		code, _, stderr := run(tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: error is not one line: %q", tc.args, stderr)
		}
	}
}
