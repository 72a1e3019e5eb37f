package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"workbench/core/train"
	"workbench/core/wb"
)

// scriptData writes a small training text into a temporary directory.
func scriptData(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../datasets/tinyshakespeare.txt")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "data.txt")
	if err := os.WriteFile(p, b[:20000], 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// quick shrinks any shipped script to a few steps of a tiny model.
func quick(data string) []string {
	return []string{"--set", "layers=2,dim=32,heads=2,seq=16,batch=2,steps=6,eval-every=3,eval-batches=1", "--set", "data=" + data}
}

// TestRunShippedScripts runs every script of scripts/ in a quick mode and
// checks the run directories each one produced.
func TestRunShippedScripts(t *testing.T) {
	data := scriptData(t)
	want := map[string][]string{
		"baseline.go":     {"baseline"},
		"apollo.go":       {"apollo"},
		"lvps_k10.go":     {"lvpsk10"},
		"stack.go":        {"stack"},
		"mslt.go":         {"mslt"},
		"uniform.go":      {"uniform"},
		"full.go":         {"full"},
		"nosample.go":     {"nosample"},
		"apollo_stack.go": {"apollo_stack"},
		"main.go":         {"baseline", "apollo"},
		"raptr.go":        {"raptr"},
		"pld.go":          {"pld"},
		"gstack.go":       {"gstack"},
		"midas.go":        {"midas"},
		"onelayer.go":     {"onelayer"},
		"grow_from.go":    {"baseline", "small", "grown"},
		"budget_sweep.go": {"b2-baseline-s1", "b2-apollo-s1", "b4-pld-s1"},
		"bert_expand.go":  {"stacking", "interpolation"},
		"bert_lvpsk.go":   {"baseline", "lvps", "lvpsk0", "lvpsk5", "lvpsk10"},
		"bert_compare.go": {"baseline-s1", "apollo-s1", "stack-s1", "mslt-s1"},
		"bert_grow.go":    {"small1", "continue1", "stacking", "interpolation"},
	}
	scripts, err := filepath.Glob("../../scripts/*.go")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, s := range scripts {
		name := filepath.Base(s)
		runs, ok := want[name]
		if !ok {
			t.Errorf("%s: no expectation in this test; add one", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "exp")
			args := append([]string{"run", s, "--out", out}, quick(data)...)
			if name == "budget_sweep.go" {
				args = append(args, "--set", "budgets=2,4,seeds=1,methods=apollo,pld")
			}
			if name == "bert_compare.go" {
				args = append(args, "--set", "seeds=1")
			}
			if name == "bert_grow.go" {
				args = append(args, "--set", "small-steps=4")
			}
			code, stdout, stderr := run(args...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			for _, r := range runs {
				for _, f := range []string{"config.json", "metrics.jsonl", "summary.json", "model.safetensors"} {
					if _, err := os.Stat(filepath.Join(out, r, f)); err != nil {
						t.Errorf("run %s: %v", r, err)
					}
				}
			}
			if _, err := os.Stat(filepath.Join(out, "experiment.json")); err != nil {
				t.Error(err)
			}
			if name == "budget_sweep.go" {
				for _, f := range []string{"budget_sweep.md", "saving_vs_budget.png", "saving_vs_budget.svg"} {
					if _, err := os.Stat(filepath.Join(out, f)); err != nil {
						t.Error(err)
					}
				}
				if !strings.Contains(stdout, "# FLOPs saving against budget") {
					t.Errorf("no sweep table printed: %s", stdout)
				}
			}
			if len(runs) > 1 {
				if _, err := os.Stat(filepath.Join(out, "compare.md")); err != nil {
					t.Error(err)
				}
				if !strings.Contains(stdout, "By method:") {
					t.Errorf("no comparison printed: %s", stdout)
				}
			}
		})
	}
}

// TestRunPluginByPath writes a new sampler into a temporary directory and
// runs a shipped script with it, without rebuilding anything.
func TestRunPluginByPath(t *testing.T) {
	data := scriptData(t)
	dir := t.TempDir()
	plugin := filepath.Join(dir, "deepest.go")
	src := `// Package deepest always executes the target depth.
package deepest

import "workbench/core/grow"

// Sample returns the target depth.
func Sample(s grow.SampleState) int { return s.Target }
`
	if err := os.WriteFile(plugin, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "exp")
	args := append([]string{"run", "../../scripts/apollo.go", "--out", out, "--set", "sampler=" + plugin}, quick(data)...)
	if code, _, stderr := run(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var cfg struct{ Sampler string }
	b, _ := os.ReadFile(filepath.Join(out, "apollo", "config.json"))
	json.Unmarshal(b, &cfg)
	if cfg.Sampler != plugin {
		t.Errorf("config.json sampler %q, want %q", cfg.Sampler, plugin)
	}
	// In the first stage (1 of 2 real layers) the plugin chose depth 2.
	b, _ = os.ReadFile(filepath.Join(out, "apollo", "metrics.jsonl"))
	var first struct {
		SampledDepth int `json:"sampled_depth"`
	}
	json.Unmarshal([]byte(strings.SplitN(string(b), "\n", 2)[0]), &first)
	if first.SampledDepth != 2 {
		t.Errorf("first step executed depth %d, want 2: %s", first.SampledDepth, b)
	}
}

func TestRunErrors(t *testing.T) {
	data := scriptData(t)
	dir := t.TempDir()
	write := func(name, src string) string { return writeSource(t, dir, name, src) }
	syntax := write("syntax.go", "package main\n\nfunc main() {\n\tx := (1 +\n}\n")
	panics := write("panics.go", "package main\n\nimport \"workbench/core/wb\"\n\nfunc pick(xs []string, i int) string {\n\tif i >= len(xs) {\n\t\tpanic(\"no such run\")\n\t}\n\treturn xs[i]\n}\n\nfunc main() {\n\twb.Logf(pick([]string{\"a\"}, wb.Int(\"i\", 3)))\n}\n")
	forbidden := write("forbidden.go", "package main\n\nimport \"os/exec\"\n\nfunc main() {\n\texec.Command(\"true\").Run()\n}\n")
	fails := write("fails.go", "package main\n\nimport \"workbench/core/wb\"\n\nfunc main() {\n\tcfg := wb.Config()\n\tcfg.Layers = 0\n\t_, err := wb.Train(cfg)\n\twb.Check(err)\n}\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"syntax error", []string{syntax}, "syntax.go:5:1: expected operand"},
		{"panic", []string{panics}, "panics.go:5:6: panic in pick (called by main): no such run"},
		{"forbidden import", []string{forbidden}, `forbidden.go:3:8: import "os/exec" is not allowed in scripts`},
		{"unknown key", []string{panics, "--set", "j=1"}, `--set j: ` + panics + ` reads no parameter "j" (it reads i)`},
		{"bad value", []string{panics, "--set", "i=x"}, "--set i=x: want an integer"},
		{"bad config value", []string{"../../scripts/baseline.go", "--set", "steps=many"}, "--set steps=many: want an integer"},
		{"train error", []string{fails, "--set", "data=" + data}, "layers must be at least 1"},
		{"set twice", []string{panics, "--set", "i=1", "--set", "i=2"}, "--set i given twice"},
		{"no script", nil, "want one script"},
		{"missing script", []string{filepath.Join(dir, "nosuch.go")}, "nosuch.go: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--out", filepath.Join(dir, tc.name)}, tc.args...)
			code, _, stderr := run(args...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, stderr, tc.want)
			}
			if strings.Contains(stderr, "goroutine ") {
				t.Errorf("stack trace: %s", stderr)
			}
		})
	}
}

func TestRunTimeout(t *testing.T) {
	data := scriptData(t)
	out := filepath.Join(t.TempDir(), "exp")
	args := []string{"run", "../../scripts/baseline.go", "--out", out, "--timeout", "1500ms",
		"--set", "layers=2,dim=32,heads=2,seq=16,batch=2,steps=1000000,eval-every=1000,eval-batches=1,data=" + data}
	code, _, stderr := run(args...)
	if code == 0 || !strings.Contains(stderr, "run baseline stopped at step") || !strings.Contains(stderr, "timeout after 1.5s") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var sum train.Summary
	b, err := os.ReadFile(filepath.Join(out, "baseline", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil || !sum.Interrupted {
		t.Fatalf("summary %s: %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(out, "baseline", "model.safetensors")); err != nil {
		t.Fatal(err)
	}
}

// TestSetKeysMatchTrainFlags keeps the --set keys of wb.Config in step
// with the flags of workbench train.
func TestSetKeysMatchTrainFlags(t *testing.T) {
	// Flags of workbench train that configure the command rather than the
	// run, or place it: not --set keys of scripts.
	notKeys := []string{"out", "resume", "force", "init"}
	cfg := train.Defaults()
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	train.BindFlags(fs, &cfg)
	var flags []string
	fs.VisitAll(func(f *flag.Flag) {
		if !slices.Contains(notKeys, f.Name) {
			flags = append(flags, f.Name)
		}
	})
	sort.Strings(flags)
	if keys := wb.ConfigKeys(); !slices.Equal(keys, flags) {
		t.Errorf("wb.ConfigKeys() = %v\nflags of workbench train = %v\n(update core/wb/config.go or the list of flags that are not keys)", keys, flags)
	}
}

// TestRunResume continues an experiment: a finished run is not trained
// again, and an interrupted one resumes from its checkpoint with its logs
// intact.
func TestRunResume(t *testing.T) {
	data := scriptData(t)
	out := filepath.Join(t.TempDir(), "exp")
	args := append([]string{"run", "../../scripts/baseline.go", "--out", out}, quick(data)...)
	if code, _, stderr := run(args...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(args...); code == 0 || !strings.Contains(stderr, "--resume") {
		t.Fatalf("rerun into the same directory: exit %d, %q", code, stderr)
	}
	resume := append([]string{"run", "../../scripts/baseline.go", "--resume", out}, quick(data)...)
	code, _, stderr := run(resume...)
	if code != 0 || !strings.Contains(stderr, "finished before") {
		t.Fatalf("resume of a finished run: exit %d, %q", code, stderr)
	}
	// Pretend the run was interrupted after its last checkpoint.
	sumPath := filepath.Join(out, "baseline", "summary.json")
	b, _ := os.ReadFile(sumPath)
	os.WriteFile(sumPath, []byte(strings.Replace(string(b), `"interrupted": false`, `"interrupted": true`, 1)), 0o644)
	if code, _, stderr := run(resume...); code != 0 {
		t.Fatalf("resume of an interrupted run: exit %d, %q", code, stderr)
	}
	m, _ := os.ReadFile(filepath.Join(out, "baseline", "metrics.jsonl"))
	if n := strings.Count(string(m), "\n"); n != 6 {
		t.Fatalf("metrics.jsonl has %d lines after resuming, want 6", n)
	}
}

// TestRunResumeEditedPlugin checks that resuming an experiment whose run
// uses a plugin that was edited since is refused, as workbench train
// --resume refuses it: both load plugins the same way and record their
// sources' hash.
func TestRunResumeEditedPlugin(t *testing.T) {
	data := scriptData(t)
	dir := t.TempDir()
	plugin := filepath.Join(dir, "top.go")
	src := "package top\n\nimport \"workbench/core/grow\"\n\n// Sample always executes the target depth.\nfunc Sample(s grow.SampleState) int { return s.Target }\n"
	if err := os.WriteFile(plugin, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "exp")
	set := append(quick(data), "--set", "sampler="+plugin)
	args := append([]string{"run", "../../scripts/apollo.go", "--out", out}, set...)
	if code, _, stderr := run(args...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	var cfg train.Config
	b, _ := os.ReadFile(filepath.Join(out, "apollo", "config.json"))
	if err := json.Unmarshal(b, &cfg); err != nil || cfg.SourceHash == "" {
		t.Fatalf("config.json has no source hash (%v)", err)
	}
	// Pretend the run was interrupted after its last checkpoint, then edit
	// the plugin.
	sumPath := filepath.Join(out, "apollo", "summary.json")
	b, _ = os.ReadFile(sumPath)
	os.WriteFile(sumPath, []byte(strings.Replace(string(b), `"interrupted": false`, `"interrupted": true`, 1)), 0o644)
	if err := os.WriteFile(plugin, []byte(src+"\n// edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	resume := append([]string{"run", "../../scripts/apollo.go", "--resume", out}, set...)
	code, _, stderr := run(resume...)
	if code == 0 || !strings.Contains(stderr, "script/plugin sources") {
		t.Fatalf("resume after editing the plugin: exit %d, %q; want a refusal naming the sources", code, stderr)
	}
}

// writeSource writes src to dir/name and returns the path.
func writeSource(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
