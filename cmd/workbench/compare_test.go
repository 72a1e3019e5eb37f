package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// compare takes an experiment directory, evaluates the extra text exactly
// as eval does, and checks --ref and --eval before evaluating.
func TestCompareExperimentDirEval(t *testing.T) {
	data := shakespeareFile(t, 30000)
	exp := t.TempDir()
	for i, m := range []string{"baseline", "wide"} {
		args := append([]string{"train", "--data", data, "--out", filepath.Join(exp, m), "--name", m, "--method", m, "--seed", strconv.Itoa(i + 1),
			"--steps", "6", "--eval-every", "3", "--ckpt-minutes", "0"}, smallModel...)
		if code, _, stderr := run(args...); code != 0 {
			t.Fatalf("train exited %d: %s", code, stderr)
		}
	}
	text := filepath.Join(t.TempDir(), "prose.txt")
	os.WriteFile(text, []byte(strings.Repeat("Light is propagated from luminous Bodies in time. ", 10)), 0o644)

	code, stdout, stderr := run("compare", "--eval", text, exp)
	if code != 0 {
		t.Fatalf("compare exited %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "evaluating run baseline on "+text) || !strings.Contains(stderr, "evaluating run wide on "+text) {
		t.Errorf("compare did not evaluate both runs of the experiment directory:\n%s", stderr)
	}
	for _, col := range []string{"final val loss (fixed windows)", "val loss (whole split)", "val bpb (whole split)", "prose.txt loss", "prose.txt bpb", "prose.txt Δ bpb vs ref"} {
		if !strings.Contains(stdout, col) {
			t.Errorf("table lacks column %q:\n%s", col, stdout)
		}
	}
	md, err := os.ReadFile(filepath.Join(exp, "compare.md"))
	if err != nil || !strings.Contains(string(md), "prose.txt bpb") {
		t.Errorf("compare.md in the experiment directory: %v\n%s", err, md)
	}

	// The run table's loss on the text is what eval prints.
	_, evalOut, _ := run("eval", "--model", filepath.Join(exp, "wide", "model.safetensors"), "--data", text)
	var ev struct{ Loss float64 }
	if err := json.Unmarshal([]byte(evalOut), &ev); err != nil {
		t.Fatalf("eval printed %q", evalOut)
	}
	var cache struct{ Loss float64 }
	matches, _ := filepath.Glob(filepath.Join(exp, "wide", "eval", "*.json"))
	if len(matches) != 1 {
		t.Fatalf("cache files %q, want one", matches)
	}
	b, _ := os.ReadFile(matches[0])
	json.Unmarshal(b, &cache)
	if cache.Loss != ev.Loss || !strings.Contains(stdout, strconv.FormatFloat(ev.Loss, 'f', 4, 64)) {
		t.Errorf("compare's loss %v (cached), eval's %v", cache.Loss, ev.Loss)
	}

	// Again: from the cache, nothing evaluated.
	code, _, stderr = run("compare", "--eval", text, exp)
	if code != 0 || strings.Contains(stderr, "evaluating") {
		t.Errorf("second compare exited %d and logged:\n%s", code, stderr)
	}

	bad := []struct {
		args []string
		want string
	}{
		{[]string{"compare", "--eval", text + ",missing.txt", exp}, "--eval: cannot evaluate run baseline on missing.txt: no such file"},
		{[]string{"compare", "--ref", "apollo", exp}, `reference method "apollo": no compared run has it (methods: baseline, wide)`},
		{[]string{"compare", "--eval", text + ",", exp}, "--eval: empty file name"},
	}
	for _, tt := range bad {
		code, _, stderr := run(tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, %q; want an error containing %q", tt.args, code, stderr, tt.want)
		}
	}
	if code, stdout, stderr := run("compare", "--ref", "wide", exp); code != 0 || !strings.Contains(stdout, "final validation loss of the wide run wide") {
		t.Errorf("--ref wide: exit %d\n%s%s", code, stdout, stderr)
	}
}
