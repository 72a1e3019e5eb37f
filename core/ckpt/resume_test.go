package ckpt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"workbench/core/ckpt"
	"workbench/core/grow"
	"workbench/core/train"
)

// dataFile writes the first 60000 bytes of the shipped corpus to a
// temporary file.
func dataFile(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../../datasets/tinyshakespeare.txt")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "data.txt")
	if err := os.WriteFile(p, b[:60000], 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tiny returns a configuration that trains in a few milliseconds a step.
func tiny(data string, steps int) train.Config {
	c := train.Defaults()
	c.Data, c.Layers, c.Dim, c.Heads, c.Seq, c.Batch = data, 2, 32, 2, 16, 4
	c.Steps, c.EvalEvery, c.EvalBatches, c.Warmup = steps, 5, 2, 0.1
	c.CkptMinutes = 0
	return c
}

// progressive turns c into a 4-layer run with stages 1, 2, 4 ending at a
// quarter and three quarters of training.
func progressive(c train.Config) train.Config {
	c.Layers, c.Stages, c.StageEnds, c.Method = 4, []int{1, 2, 4}, []float64{0.25, 0.75}, "apollo"
	c.Sampler, c.ShareMap, c.Expander = "uniform", "interpolate", "interpolate"
	return c
}

// apolloHooks are native uniform sampling and interpolation share map and
// expander.
func apolloHooks() train.Hooks {
	share := func(n, depth int) ([]int, error) {
		ids := make([]int, depth)
		for i := range ids {
			ids[i] = i * n / depth
		}
		return ids, nil
	}
	return train.Hooks{
		Sample: func(s grow.SampleState) (int, error) { return s.Real + s.Rand.IntN(s.Target-s.Real+1), nil },
		Share:  share,
		Expand: share,
	}
}

func hooksFor(c train.Config) train.Hooks {
	if len(c.Stages) > 1 {
		return apolloHooks()
	}
	return train.Hooks{}
}

// start builds and starts a run of c, failing the test on error.
func start(t testing.TB, c train.Config, status *bytes.Buffer) *train.Run {
	t.Helper()
	r, err := startErr(c, status)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func startErr(c train.Config, status *bytes.Buffer) (*train.Run, error) {
	tr, err := train.New(c, hooksFor(c))
	if err != nil {
		return nil, err
	}
	var w *lockedBuffer
	if status != nil {
		w = &lockedBuffer{b: status}
	}
	if w == nil {
		return train.Start(tr, nil)
	}
	return train.Start(tr, w)
}

// lockedBuffer is a Status writer safe for the test to read afterwards.
type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// runToEnd trains c in directory out to the end.
func runToEnd(t testing.TB, c train.Config, out string) {
	t.Helper()
	c.Out = out
	r := start(t, c, nil)
	defer r.Close()
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// stopAt is a Status writer that cancels a context when the progress line
// of the given step is printed.
type stopAt struct {
	step   string
	cancel context.CancelFunc
	buf    bytes.Buffer
}

func (s *stopAt) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(s.step)) {
		s.cancel()
	}
	return s.buf.Write(p)
}

// interruptAt trains c in out and interrupts it after step n (c.Steps
// must be at most 20, so that every step prints a progress line).
func interruptAt(t testing.TB, c train.Config, out string, n int) *train.Run {
	t.Helper()
	c.Out = out
	tr, err := train.New(c, hooksFor(c))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := &stopAt{step: "step " + itoa(n) + "/", cancel: cancel}
	r, err := train.Start(tr, st)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Run(ctx); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("interrupted run returned %v", err)
	}
	if r.Step != n {
		t.Fatalf("interrupted at step %d, want %d", r.Step, n)
	}
	if !strings.Contains(st.buf.String(), "interrupted after step "+itoa(n)) {
		t.Fatalf("status lacks the interruption message:\n%s", st.buf.String())
	}
	return r
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// resume continues the run in dir to the end and returns its status
// output.
func resume(t testing.TB, c train.Config, dir string) string {
	t.Helper()
	c.Resume = dir
	var status bytes.Buffer
	r := start(t, c, &status)
	defer r.Close()
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return status.String()
}

// timing are the metrics fields that depend on the clock.
var timing = []string{"tokens_per_s", "wall_s"}

// sameRun fails unless run directories a and b hold the same final
// weights (byte for byte), the same newest checkpoint state and the same
// logs except for timing fields.
func sameRun(t testing.TB, a, b string) {
	t.Helper()
	ma, _ := os.ReadFile(filepath.Join(a, "model.safetensors"))
	mb, _ := os.ReadFile(filepath.Join(b, "model.safetensors"))
	if len(ma) == 0 || !bytes.Equal(ma, mb) {
		t.Errorf("model.safetensors differs between %s and %s", a, b)
	}
	ca, cb := newest(t, a), newest(t, b)
	if !reflect.DeepEqual(ca.Params, cb.Params) || !reflect.DeepEqual(ca.M, cb.M) || !reflect.DeepEqual(ca.V, cb.V) || !reflect.DeepEqual(ca.Optim, cb.Optim) {
		t.Errorf("final checkpoints differ")
	}
	_, sa, _ := train.DecodeCheckpoint(ca)
	_, sb, _ := train.DecodeCheckpoint(cb)
	sa.WallSeconds, sb.WallSeconds = 0, 0
	if !reflect.DeepEqual(sa, sb) {
		t.Errorf("final trainer states differ: %+v vs %+v", sa, sb)
	}
	for _, f := range []string{"metrics.jsonl", "events.jsonl"} {
		la, lb := logLines(t, filepath.Join(a, f)), logLines(t, filepath.Join(b, f))
		if len(la) != len(lb) {
			t.Errorf("%s: %d lines vs %d", f, len(la), len(lb))
			continue
		}
		for i := range la {
			if !reflect.DeepEqual(la[i], lb[i]) {
				t.Errorf("%s line %d differs:\n%v\n%v", f, i+1, la[i], lb[i])
				break
			}
		}
	}
}

// newest reads the newest checkpoint of run directory dir.
func newest(t testing.TB, dir string) *ckpt.Checkpoint {
	t.Helper()
	es, err := ckpt.List(train.CkptDir(dir))
	if err != nil || len(es) == 0 {
		t.Fatalf("no checkpoint in %s (%v)", dir, err)
	}
	c, err := ckpt.ReadFile(es[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// logLines parses a JSON-lines log, dropping the timing fields.
func logLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, k := range timing {
			delete(m, k)
		}
		out = append(out, m)
	}
	return out
}

// TestResumeExact checks that a run of 2N steps and a run interrupted
// after N steps and resumed end identical, for a baseline and for
// progressive runs whose resume point is before, at and after an
// expansion.
func TestResumeExact(t *testing.T) {
	data := dataFile(t)
	for _, tc := range []struct {
		name     string
		cfg      train.Config
		n        int
		compress bool
	}{
		{"baseline", tiny(data, 20), 10, false},
		{"baseline compressed", tiny(data, 20), 7, true},
		{"progressive, expansion after resume", progressive(tiny(data, 20)), 10, false},
		{"progressive, resume at an expansion", progressive(tiny(data, 20)), 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cfg
			c.CkptCompress = tc.compress
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			runToEnd(t, c, a)
			interruptAt(t, c, b, tc.n)
			status := resume(t, c, b)
			if !strings.Contains(status, "resuming "+b+" from ") || !strings.Contains(status, "step "+itoa(tc.n)+" of 20") {
				t.Errorf("status:\n%s", status)
			}
			sameRun(t, a, b)
			if len(c.Stages) > 1 && len(logLines(t, filepath.Join(b, "events.jsonl"))) != 2 {
				t.Errorf("want 2 expansion events")
			}
		})
	}
}

// TestResumeCutsLogs resumes a finished run from an earlier checkpoint:
// the metrics and events written after it (and a line torn by a crash)
// must go, so that the logs end as those of an uninterrupted run.
func TestResumeCutsLogs(t *testing.T) {
	data := dataFile(t)
	c := progressive(tiny(data, 20))
	c.CkptEvery, c.CkptKeep = 4, 0
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	runToEnd(t, c, a)
	runToEnd(t, c, b)
	es, _ := ckpt.List(train.CkptDir(b))
	for _, e := range es {
		if e.Step > 8 {
			os.Remove(e.Path)
		}
	}
	f, _ := os.OpenFile(filepath.Join(b, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"step":21,"tok`)
	f.Close()
	resume(t, c, b)
	sameRun(t, a, b)
}

// corrupt damages the newest checkpoint of run directory dir.
func corruptNewest(t *testing.T, dir string, how string) string {
	t.Helper()
	es, _ := ckpt.List(train.CkptDir(dir))
	p := es[0].Path
	b, _ := os.ReadFile(p)
	switch how {
	case "flip":
		b[len(b)-100] ^= 1
	case "truncate":
		b = b[:len(b)/3]
	case "header":
		copy(b, "garbage!")
	case "positions", "heads": // one bit of the model shape in the header
		old, new := `\"n_positions\":16`, `\"n_positions\":17`
		if how == "heads" {
			old, new = `\"n_head\":2`, `\"n_head\":4`
		}
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("%s holds no %s", p, old)
		}
		b = bytes.Replace(b, []byte(old), []byte(new), 1)
	}
	os.WriteFile(p, b, 0o644)
	return p
}

func TestResumeFallsBack(t *testing.T) {
	data := dataFile(t)
	for _, tc := range []struct{ how, reason string }{
		{"flip", "checksum mismatch"},
		{"truncate", "truncated"},
		{"header", "header length"},
		{"positions", `tensor "transformer.wpe.weight" is F32 [16 32], want F32 [17 32]`},
		{"heads", "checksum mismatch"},
	} {
		t.Run(tc.how, func(t *testing.T) {
			c := tiny(data, 20)
			c.CkptEvery = 5
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			runToEnd(t, c, a)
			interruptAt(t, c, b, 13) // checkpoints at 5, 10, 13
			bad := corruptNewest(t, b, tc.how)
			status := resume(t, c, b)
			for _, want := range []string{"warning: " + bad + ": " + tc.reason, "renamed to step-000013.safetensors.bad",
				"warning: resuming from the older checkpoint " + filepath.Join(b, "ckpt", "step-000010.safetensors") + " (step 10)"} {
				if !strings.Contains(status, want) {
					t.Errorf("status lacks %q:\n%s", want, status)
				}
			}
			if _, err := os.Stat(bad + ".bad"); err != nil {
				t.Error(err)
			}
			sameRun(t, a, b)
		})
	}
}

func TestResumeRefusesMismatch(t *testing.T) {
	data := dataFile(t)
	base := tiny(data, 20)
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	interruptAt(t, base, run, 6)
	file := filepath.Join(run, "ckpt", "step-000006.safetensors")
	for _, tc := range []struct {
		name  string
		edit  func(c *train.Config)
		want  string
		force bool // whether Force makes it work
	}{
		{"model shape", func(c *train.Config) { c.Layers = 3 }, "different model shape: layers 2 vs 3 (checkpoint vs model)", false},
		{"width", func(c *train.Config) { c.Dim, c.Heads = 64, 4 }, "dim 32 vs 64, heads 2 vs 4", false},
		{"sources", func(c *train.Config) { c.SourceHash = "0123456789abcdef" }, "script/plugin sources (none) vs 0123456789ab", true},
		{"settings", func(c *train.Config) { c.LR, c.Steps = 2e-3, 30 }, "lr 0.001 vs 0.002, steps 20 vs 30); use --force", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			c.Resume = run
			_, err := startErr(c, nil)
			if err == nil || !strings.Contains(err.Error(), "resume: "+file+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s and containing %q", err, file, tc.want)
			}
			c.Force = true
			r, err := startErr(c, nil)
			if tc.force != (err == nil) {
				t.Fatalf("with force: %v", err)
			}
			if r != nil {
				r.Close()
			}
		})
	}
	// Free settings may change.
	c := base
	c.Resume, c.EvalEvery, c.Threads, c.CkptEvery, c.Name = run, 3, 1, 2, "other"
	r, err := startErr(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()

	c = base
	c.Resume = filepath.Join(dir, "nothing")
	if _, err := startErr(c, nil); err == nil || !strings.Contains(err.Error(), "no checkpoint in") {
		t.Fatalf("got %v", err)
	}
	c.Resume = run
	os.WriteFile(file, []byte("short"), 0o644)
	if _, err := startErr(c, nil); err == nil || !strings.Contains(err.Error(), "no valid checkpoint: "+file+": truncated") {
		t.Fatalf("got %v", err)
	}
}

func TestStartSuggestsResume(t *testing.T) {
	c := tiny(dataFile(t), 4)
	out := filepath.Join(t.TempDir(), "run")
	runToEnd(t, c, out)
	c.Out = out
	if _, err := startErr(c, nil); err == nil || !strings.Contains(err.Error(), "--resume "+out) {
		t.Fatalf("got %v", err)
	}
}

func TestCheckpointRotation(t *testing.T) {
	c := tiny(dataFile(t), 20)
	c.CkptEvery, c.CkptKeep = 3, 2
	out := filepath.Join(t.TempDir(), "run")
	runToEnd(t, c, out)
	es, _ := ckpt.List(train.CkptDir(out))
	var steps []int
	for _, e := range es {
		steps = append(steps, e.Step)
	}
	if !reflect.DeepEqual(steps, []int{20, 18}) {
		t.Fatalf("kept steps %v, want [20 18]", steps)
	}
}
