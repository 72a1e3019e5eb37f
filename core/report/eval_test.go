package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"workbench/core/data"
	"workbench/core/model"
	"workbench/core/tokenize"
	"workbench/core/train"
)

// evalRun makes a run directory in a temporary directory from the
// synthetic run name, with a tiny random model of the given vocabulary
// (seeded by seed) as its final model.
func evalRun(t *testing.T, name string, vocab int, seed uint64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(runsDir, name))); err != nil {
		t.Fatal(err)
	}
	writeModel(t, dir, vocab, seed)
	return dir
}

// writeModel writes a tiny random model into the run directory dir:
// model.safetensors, and its Hugging Face keys merged into config.json.
func writeModel(t *testing.T, dir string, vocab int, seed uint64) {
	t.Helper()
	cfg := model.Config{Layers: 2, Dim: 16, Heads: 2, Seq: 16, Vocab: vocab, Batch: train.EvalBatch}
	m, err := model.New(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteSafetensors(filepath.Join(dir, ModelFile), nil); err != nil {
		t.Fatal(err)
	}
	hf := filepath.Join(t.TempDir(), "hf.json")
	if err := model.WriteHFConfig(hf, cfg); err != nil {
		t.Fatal(err)
	}
	merged := map[string]any{}
	for _, p := range []string{filepath.Join(dir, ConfigFile), hf} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &merged); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal(merged)
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// byteVocab is the vocabulary of the byte tokenizer, the runs' default.
var byteVocab = tokenize.Bytes().VocabSize()

func writeText(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The losses are those of workbench eval (train.LoadModel, train.EvalText
// on the whole file); a second evaluation reads the cache, and a changed
// model is evaluated again.
func TestEvalFiles(t *testing.T) {
	dirs := []string{evalRun(t, "baseline_s1", byteVocab, 1), evalRun(t, "apollo_s1", byteVocab, 2)}
	files := []string{
		writeText(t, "prose.txt", strings.Repeat("Light is propagated from luminous Bodies in time. ", 20)),
		writeText(t, "verse.txt", strings.Repeat("To be, or not to be, that is the question.\n", 15)),
	}
	runs := loadDirs(t, dirs...)
	var log strings.Builder
	if err := EvalFiles(runs, files, &log); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "evaluating run"); n != 4 {
		t.Errorf("%d evaluations logged, want 4:\n%s", n, &log)
	}
	// What workbench eval does with the run's model and tokenizer.
	for _, r := range runs {
		tok, err := train.ModelTokenizer(r.Dir, "")
		if err != nil {
			t.Fatal(err)
		}
		m, err := train.LoadModel(filepath.Join(r.Dir, ModelFile), tok, train.EvalBatch)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range files {
			ds, err := data.Load(f, tok, 0.1, 2)
			if err != nil {
				t.Fatal(err)
			}
			tokens, bytes, _ := train.SplitTokens(ds, "all")
			want, err := train.EvalText(m, tokens, bytes)
			if err != nil {
				t.Fatal(err)
			}
			want.Tokenizer = "bytes"
			got := r.Evals[i]
			if got.TextLoss != want || got.File != f || len(got.SHA256) != 64 || len(got.ModelSHA256) != 64 || got.TokenizerHash != tok.Hash() {
				t.Errorf("run %s on %s: %+v, want %+v", r.Name, f, got, want)
			}
			if want.Tokens != ds.Bytes-1 || math.Abs(want.BitsPerByte-want.Loss/math.Ln2) > 1e-12 || !(want.Loss > 0) {
				t.Errorf("run %s on %s: %+v: want %d tokens and bits per byte = loss / ln 2", r.Name, f, want, ds.Bytes-1)
			}
		}
	}

	// Mark the cached losses: a second evaluation must return the marks.
	cache := filepath.Join(dirs[0], EvalDir, runs[0].Evals[0].SHA256+".json")
	var c map[string]any
	b, err := os.ReadFile(cache)
	if err != nil {
		t.Fatalf("no cache file: %v", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	c["loss"] = 123.0
	b, _ = json.Marshal(c)
	if err := os.WriteFile(cache, b, 0o644); err != nil {
		t.Fatal(err)
	}
	runs = loadDirs(t, dirs...)
	log.Reset()
	if err := EvalFiles(runs, files, &log); err != nil {
		t.Fatal(err)
	}
	if log.Len() != 0 || runs[0].Evals[0].Loss != 123 {
		t.Errorf("second evaluation: loss %g, log %q; want the cached 123 and nothing evaluated", runs[0].Evals[0].Loss, &log)
	}

	// A new model in the run directory is evaluated again.
	writeModel(t, dirs[0], byteVocab, 3)
	runs = loadDirs(t, dirs...)
	log.Reset()
	if err := EvalFiles(runs, files, &log); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "evaluating run baseline_s1"); n != 2 || strings.Contains(log.String(), "apollo_s1") || runs[0].Evals[0].Loss == 123 {
		t.Errorf("after a model change: loss %g, log:\n%s\nwant baseline_s1 evaluated again on both files, apollo_s1 from the cache", runs[0].Evals[0].Loss, &log)
	}
}

// Bad files and runs are reported, naming both, before anything is
// evaluated.
func TestEvalFilesErrors(t *testing.T) {
	good := evalRun(t, "baseline_s1", byteVocab, 1)
	wide := evalRun(t, "apollo_s1", 300, 1)
	noModel := filepath.Join(t.TempDir(), "stack_s1")
	if err := os.CopyFS(noModel, os.DirFS(filepath.Join(runsDir, "stack_s1"))); err != nil {
		t.Fatal(err)
	}
	text := writeText(t, "ok.txt", "Of the Refractions of Light.")
	missing := filepath.Join(t.TempDir(), "absent.txt")
	empty := writeText(t, "empty.txt", "")
	short := writeText(t, "short.txt", "Light")
	tests := []struct {
		name  string
		dirs  []string
		files []string
		want  string
	}{
		{"missing file", []string{good}, []string{text, missing}, "cannot evaluate run baseline_s1 on " + missing + ": no such file"},
		{"empty file", []string{good}, []string{text, empty}, "cannot evaluate run baseline_s1 on " + empty + ": the file is empty"},
		{"too short", []string{good}, []string{text, short}, "cannot evaluate run baseline_s1 on " + short + ": data file " + short + " is too short"},
		{"other tokenizer", []string{good, wide}, []string{text}, "cannot evaluate run apollo_s1 on " + text + ": model vocabulary is 300 but tokenizer bytes has 256"},
		{"no model", []string{good, noModel}, []string{text}, "cannot evaluate run stack_s1 on " + text + ": the run has no final model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := loadDirs(t, tt.dirs...)
			err := EvalFiles(runs, tt.files, &strings.Builder{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want %s", err, tt.want)
			}
			for _, d := range tt.dirs {
				if _, err := os.Stat(filepath.Join(d, EvalDir)); err == nil {
					t.Errorf("%s evaluated before the error", d)
				}
			}
		})
	}
}

// The columns of the extra files: mean ± std over seeds, and the
// difference to the reference runs' mean bits per byte.
func TestCompareEvals(t *testing.T) {
	runs := loadRuns(t, allRuns...)
	bpb := map[string]float64{"baseline_s1": 2.0, "baseline_s2": 2.2, "apollo_s1": 2.05, "apollo_s2": 2.25, "stack_s1": 1.9}
	for _, r := range runs {
		r.Evals = []TextLoss{{File: "data/opticks.txt", TextLoss: train.TextLoss{Tokens: 99, Loss: bpb[r.Name] * math.Ln2, BitsPerByte: bpb[r.Name]}}}
	}
	c, err := Compare(runs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.EvalFiles) != 1 || c.EvalFiles[0] != "data/opticks.txt" || !near(c.RefEvalBitsPerByte[0], 2.1) {
		t.Fatalf("eval files %q, reference bits per byte %v", c.EvalFiles, c.RefEvalBitsPerByte)
	}
	rows := map[string][]string{}
	tb := c.methodTable()
	for _, r := range tb.rows {
		rows[r[0]] = r[len(r)-3:]
	}
	if h := strings.Join(tb.header[len(tb.header)-3:], " | "); h != "opticks.txt loss | opticks.txt bpb | opticks.txt Δ bpb vs ref" {
		t.Errorf("columns %q", h)
	}
	want := map[string]string{
		"baseline": "1.4556 ± 0.0980 | 2.1000 ± 0.1414 | +0.0000 ± 0.1414",
		"apollo":   "1.4903 ± 0.0980 | 2.1500 ± 0.1414 | +0.0500 ± 0.1414",
		"stack":    "1.3170 | 1.9000 | -0.2000",
	}
	for m, w := range want {
		if got := strings.Join(rows[m], " | "); got != w {
			t.Errorf("%s: %s, want %s", m, got, w)
		}
	}
	runs[4].Evals[0].SHA256 = "other"
	if _, err := Compare(runs, Options{}); err == nil || !strings.Contains(err.Error(), "evaluate every run on the same files") {
		t.Errorf("runs evaluated on different files: error %v", err)
	}
	runs[4].Evals = nil
	if _, err := Compare(runs, Options{}); err == nil || !strings.Contains(err.Error(), "evaluate every run on the same files") {
		t.Errorf("runs evaluated on different numbers of files: error %v", err)
	}
}
