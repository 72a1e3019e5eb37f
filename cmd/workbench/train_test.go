package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// killBeforeCheckpoint makes the finished run in dir look like one killed
// before its first checkpoint: no checkpoint, model or summary, and a
// temporary file of an interrupted write.
func killBeforeCheckpoint(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"ckpt", "model.safetensors", "summary.json"} {
		if err := os.RemoveAll(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, ".config.json.tmp-42"), []byte("{"), 0o644)
}

func TestTrainResumeWithoutCheckpointRestarts(t *testing.T) {
	data := shakespeareFile(t, 50000)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	mustRun(t, trainArgs(data, a)...)
	mustRun(t, trainArgs(data, b)...)
	killBeforeCheckpoint(t, b)
	code, _, stderr := run("train", "--resume", b)
	if code != 0 || !strings.Contains(stderr, "no checkpoint in "+filepath.Join(b, "ckpt")+"; restarting the run from step 0") {
		t.Fatalf("resume without a checkpoint: exit %d, %s", code, stderr)
	}
	ma, _ := os.ReadFile(filepath.Join(a, "model.safetensors"))
	mb, _ := os.ReadFile(filepath.Join(b, "model.safetensors"))
	if len(ma) == 0 || !bytes.Equal(ma, mb) {
		t.Fatal("restarted run ended with other weights than the uninterrupted one")
	}
	if _, err := os.Stat(filepath.Join(b, ".config.json.tmp-42")); err == nil {
		t.Error("temporary file left")
	}
	// Killed before config.json: the flags given start the run again.
	c := filepath.Join(dir, "c")
	os.MkdirAll(c, 0o755)
	os.WriteFile(filepath.Join(c, ".config.json.tmp-7"), nil, 0o644)
	args := append(trainArgs(data, c), "--resume", c)
	code, _, stderr = run(args...)
	if code != 0 || !strings.Contains(stderr, "restarting the run from step 0") {
		t.Fatalf("resume of a run killed before config.json: exit %d, %s", code, stderr)
	}
	if mc, _ := os.ReadFile(filepath.Join(c, "model.safetensors")); !bytes.Equal(ma, mc) {
		t.Fatal("run restarted from its flags ended with other weights than the uninterrupted one")
	}
}

func TestRunResumeWithoutCheckpointRestarts(t *testing.T) {
	data := scriptData(t)
	out := filepath.Join(t.TempDir(), "exp")
	args := append([]string{"run", "../../scripts/baseline.go", "--out", out}, quick(data)...)
	if code, _, stderr := run(args...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	want, _ := os.ReadFile(filepath.Join(out, "baseline", "model.safetensors"))
	killBeforeCheckpoint(t, filepath.Join(out, "baseline"))
	resume := append([]string{"run", "../../scripts/baseline.go", "--resume", out}, quick(data)...)
	code, _, stderr := run(resume...)
	if code != 0 || !strings.Contains(stderr, "restarting the run from step 0") {
		t.Fatalf("resume without a checkpoint: exit %d, %q", code, stderr)
	}
	got, _ := os.ReadFile(filepath.Join(out, "baseline", "model.safetensors"))
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Error("restarted run ended with other weights than the first run")
	}
	m, _ := os.ReadFile(filepath.Join(out, "baseline", "metrics.jsonl"))
	if n := strings.Count(string(m), "\n"); n != 6 {
		t.Fatalf("metrics.jsonl has %d lines after restarting, want 6", n)
	}
}

// A bad flag prints one line on stderr with the hint, and no usage.
func TestBadFlagPrintsHintNotUsage(t *testing.T) {
	for _, args := range [][]string{
		{"train", "--bogus"},
		{"train", "--lr", "nan"},
		{"train", "--resume", "x", "--bogus"},
		{"eval", "--bogus"},
		{"bench", "--bogus"},
		{"ckpt", "verify", "--bogus"},
	} {
		code, stdout, stderr := run(args...)
		name := args[0]
		if args[0] == "ckpt" {
			name = "ckpt " + args[1]
		}
		hint := `(run "workbench ` + name + ` -h" for the flags)`
		if code == 0 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, hint) {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q; want one line with %s and nothing on stdout", args, code, len(stdout), stderr, hint)
		}
	}
}

// Non-finite numbers are refused before anything starts, naming the flag.
func TestTrainRejectsNonFiniteNumbers(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	for _, args := range [][]string{
		{"--lr", "nan"}, {"--lr", "inf"}, {"--warmup", "NaN"}, {"--flops-budget", "nan"}, {"--stage-ends", "0.1,nan"},
		{"--ckpt-minutes", "nan"}, {"--wd", "nan"}, {"--clip", "-inf"}, {"--val-frac", "nan"}, {"--min-lr", "nan"},
	} {
		code, _, stderr := run(append([]string{"train", "--out", out}, args...)...)
		if code == 0 || !strings.Contains(stderr, `invalid value "`+args[1]+`" for flag -`+args[0][2:]) || !strings.Contains(stderr, "finite") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused run created its directory")
	}
	code, _, stderr := run("run", "../../scripts/baseline.go", "--out", filepath.Join(t.TempDir(), "exp"), "--set", "lr=inf")
	if code == 0 || !strings.Contains(stderr, "--set lr=inf: want a finite number") {
		t.Errorf("--set lr=inf: exit %d, %q", code, stderr)
	}
}

// A progressive run without --method is not labelled baseline.
func TestTrainDerivesMethod(t *testing.T) {
	data := shakespeareFile(t, 50000)
	dir := t.TempDir()
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{nil, "lvps+interpolate"},
		{[]string{"--sampler", "none", "--share", "none", "--expander", "stack"}, "stack"},
		{[]string{"--method", "apollo"}, "apollo"},
	} {
		out := filepath.Join(dir, tc.want)
		mustRun(t, append(append(trainArgs(data, out), "--steps", "2"), tc.extra...)...)
		b, _ := os.ReadFile(filepath.Join(out, "config.json"))
		var cfg struct{ Method string }
		json.Unmarshal(b, &cfg)
		if cfg.Method != tc.want {
			t.Errorf("%v: method %q, want %q", tc.extra, cfg.Method, tc.want)
		}
	}
	out := filepath.Join(dir, "full")
	mustRun(t, "train", "--data", data, "--out", out, "--steps", "2", "--layers", "2", "--dim", "32", "--heads", "2", "--seq", "32", "--batch", "4", "--eval-batches", "2")
	if b, _ := os.ReadFile(filepath.Join(out, "config.json")); !strings.Contains(string(b), `"method": "baseline"`) {
		t.Errorf("full-depth run: config.json %s, want method baseline", b)
	}
}
