package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainPlanAndGrowFrom runs workbench train with a plan plugin on
// stages (the interpolate expander is filled in, no sampler or share map),
// grows a wider target from it (refused, naming both shapes) and a deeper
// one (accepted), and checks the one-line errors of bad combinations.
func TestTrainPlanAndGrowFrom(t *testing.T) {
	data := shakespeareFile(t, 20000)
	dir := t.TempDir()
	tiny := []string{"--data", data, "--dim", "32", "--heads", "2", "--seq", "16", "--batch", "2", "--steps", "4", "--eval-every", "2", "--eval-batches", "1"}
	small := filepath.Join(dir, "small")
	args := append([]string{"train", "--out", small, "--layers", "2", "--stages", "1,2", "--stage-ends", "0.5", "--plan", "layerdrop:rate=0.5"}, tiny...)
	if code, _, stderr := run(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var cfg map[string]any
	b, _ := os.ReadFile(filepath.Join(small, "config.json"))
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["plan"] != "layerdrop:rate=0.5" || cfg["expander"] != "interpolate" || cfg["sampler"] != "" || cfg["share_map"] != "" {
		t.Errorf("config.json: plan %v, expander %v, sampler %q, share map %q", cfg["plan"], cfg["expander"], cfg["sampler"], cfg["share_map"])
	}

	grown := filepath.Join(dir, "grown")
	args = append([]string{"train", "--out", grown, "--layers", "4", "--grow-from", small, "--expander", "midas", "--schedule", "wsd"}, tiny...)
	if code, _, stderr := run(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ = os.ReadFile(filepath.Join(grown, "events.jsonl"))
	if !strings.Contains(string(b), `"map":[0,1,0,1]`) {
		t.Errorf("events.jsonl of the grown run: %s", b)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--layers", "4", "--dim", "64", "--grow-from", small, "--expander", "stack"}, "cannot grow its model (2 layers, d=32, 2 heads, seq 16, vocab 256, gpt2, tokenizer bytes) into this run's (4 layers, d=64, 2 heads, seq 16, vocab 256, gpt2, tokenizer bytes): width differs"},
		{[]string{"--plan", "raptr", "--sampler", "lvps"}, `drop sampler "lvps"`},
		{[]string{"--plan", "nosuch"}, "nosuch"},
		{[]string{"--schedule", "linear"}, `schedule must be cosine or wsd, got "linear"`},
		{[]string{"--schedule", "wsd", "--decay-frac", "0"}, "decay-frac must be in (0, 1-warmup]"},
	} {
		args := append(append([]string{"train", "--out", filepath.Join(dir, "bad")}, tiny...), tc.args...)
		code, _, stderr := run(args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: error is not one line: %q", tc.args, stderr)
		}
	}
}
