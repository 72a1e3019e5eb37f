package main

import (
	"encoding/json"
	"strings"
	"testing"

	"workbench/core/bench"
)

// useMiniShapes makes --config resolve to miniature shapes for the test.
func useMiniShapes(t *testing.T) {
	t.Helper()
	mini := []bench.Shape{
		{Name: "mini", Layers: 2, Dim: 32, Heads: 2, Seq: 16, Batch: 2, Vocab: 64},
		{Name: "mini2", Layers: 1, Dim: 16, Heads: 4, Seq: 8, Batch: 3, Vocab: 40},
	}
	old := lookupShapes
	lookupShapes = func(spec string) ([]bench.Shape, error) {
		if spec == "all" {
			return mini, nil
		}
		return old(spec)
	}
	t.Cleanup(func() { lookupShapes = old })
}

func TestBenchJSON(t *testing.T) {
	useMiniShapes(t)
	code, stdout, stderr := run("bench", "--config", "all", "--threads", "1", "--steps", "2", "--warmup", "1", "--kernel-time", "1ms", "--json")
	if code != 0 {
		t.Fatalf("bench exited %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", stdout)
	}
	for i, want := range []string{"mini", "mini2"} {
		var r map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, lines[i])
		}
		if r["config"] != want || r["threads"] != 1.0 || r["steps"] != 2.0 {
			t.Errorf("line %d: config %v, threads %v, steps %v", i, r["config"], r["threads"], r["steps"])
		}
		for _, f := range []string{"tokens_per_s", "ms_per_step", "gflops", "peak_rss_mb"} {
			if v, ok := r[f].(float64); !ok || v <= 0 {
				t.Errorf("line %d: %s = %v, want a positive number", i, f, r[f])
			}
		}
		if k, ok := r["kernels"].(map[string]any); !ok || k["gemm.qkv.fwd"] == nil || k["adamw"] == nil {
			t.Errorf("line %d: kernels %v", i, r["kernels"])
		}
	}
}

func TestBenchTable(t *testing.T) {
	useMiniShapes(t)
	code, stdout, stderr := run("bench", "--config", "all", "--steps", "1", "--warmup", "-1", "--kernel-time", "1ms")
	if code != 0 {
		t.Fatalf("bench exited %d: %s", code, stderr)
	}
	for _, want := range []string{"mini: 2 layers, d=32", "mini2: 1 layers", "tokens/s", "peak RSS MB", "allocs/step", "gemm.fcproj.dw", "TN 128x32x32", "lmhead", "32x32 v=64 chunk=32", "layernorm.bwd", "rest of the step"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = run("bench", "--config", "all", "--steps", "1", "--kernels=false")
	if code != 0 || strings.Contains(stdout, "gemm.") {
		t.Errorf("--kernels=false: exit %d, output\n%s", code, stdout)
	}
}

func TestBenchFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", "huge"}, `--config: unknown configuration "huge" (want tiny, small, gpt2-124m, gpt2bpe-tiny, bert-tiny or all`},
		{[]string{"--threads", "-2"}, "--threads must be 0 (all cores) or positive, got -2"},
		{[]string{"--steps", "-1"}, "--steps must be 0 (automatic) or positive, got -1"},
		{[]string{"--warmup", "-3"}, "--warmup must be -1 (none), 0 (automatic) or positive, got -3"},
		{[]string{"--kernel-time", "0s"}, "--kernel-time must be positive"},
		{[]string{"--steps", "many"}, `invalid value "many" for flag -steps`},
		{[]string{"tiny"}, `unexpected argument "tiny"`},
	} {
		code, _, stderr := run(append([]string{"bench"}, tc.args...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("bench %v: exit %d, stderr %q, want one line with %q", tc.args, code, stderr, tc.want)
		}
	}
}
