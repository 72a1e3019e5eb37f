package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"workbench/core/ckpt"
	"workbench/core/runlog"
)

// startRun builds a trainer for c and starts (or resumes) its run.
func startRun(t *testing.T, c Config, status *bytes.Buffer) (*Run, error) {
	t.Helper()
	tr, err := New(c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if status == nil {
		return Start(tr, nil)
	}
	return Start(tr, status)
}

// resumeConfig returns c set to resume the run in dir.
func resumeConfig(c Config, dir string) Config {
	c.Resume, c.Out = dir, ""
	return c
}

// A run killed before its first checkpoint restarts from step 0 on
// resume, with its logs cut, and ends as an uninterrupted run.
func TestResumeWithoutCheckpointRestarts(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Steps, c.CkptMinutes = 12, 0
	tmp := t.TempDir()

	ref := c
	ref.Out = filepath.Join(tmp, "ref")
	trainRun(t, ref, Hooks{}).Close()

	// The killed run: five steps logged, no checkpoint, and the leftovers
	// of a kill during writes.
	c.Out = filepath.Join(tmp, "killed")
	r, err := startRun(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		res, err := r.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if err := r.LogStep(res, 3); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	os.WriteFile(filepath.Join(c.Out, "events.jsonl"), []byte(`{"event":"expand","step":3}`+"\n"), 0o644)

	var status bytes.Buffer
	r, err = startRun(t, resumeConfig(c, c.Out), &status)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Restarted || !strings.Contains(status.String(), "no checkpoint") || !strings.Contains(status.String(), "restarting the run from step 0") {
		t.Errorf("restart not reported (Restarted %v): %q", r.Restarted, status.String())
	}
	for _, f := range []string{"metrics.jsonl", "events.jsonl"} {
		if b, _ := os.ReadFile(filepath.Join(c.Out, f)); len(b) != 0 {
			t.Errorf("%s not truncated on restart:\n%s", f, b)
		}
	}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Close()
	for _, f := range []string{"model.safetensors", "metrics.jsonl"} {
		a, _ := os.ReadFile(filepath.Join(ref.Out, f))
		b, _ := os.ReadFile(filepath.Join(c.Out, f))
		if len(a) == 0 || !bytes.Equal(a, b) && (f != "metrics.jsonl" || !runlog.SameIgnoringTiming(a, b)) {
			t.Errorf("%s of the restarted run differs from the uninterrupted run's", f)
		}
	}
}

// While a run is open its directory is locked: a second run (even in the
// same process) gets one error naming the holder's process id.
func TestRunDirectoryLocked(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Steps = 3
	c.Out = filepath.Join(t.TempDir(), "run")
	r, err := startRun(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("run directory %s is in use by process %d", c.Out, os.Getpid())
	if _, err := startRun(t, resumeConfig(c, c.Out), nil); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("second run: %v, want %q", err, want)
	}
	r.Close()
	r2, err := startRun(t, resumeConfig(c, c.Out), nil)
	if err != nil {
		t.Fatalf("resume after Close: %v", err)
	}
	r2.Close()
}

// Resume removes every temporary file a killed write can leave in the run
// directory and its checkpoint directory.
func TestResumeRemovesTemporaryFiles(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Steps = 3
	c.Out = filepath.Join(t.TempDir(), "run")
	trainRun(t, c, Hooks{}).Close()
	temps := []string{".config.json.tmp-123", ".metrics.jsonl.tmp-4", ".events.jsonl.tmp-5",
		".model.safetensors.tmp-6", ".summary.json.tmp-7", filepath.Join("ckpt", ".step-000003.safetensors.tmp-8")}
	for _, n := range temps {
		if err := os.WriteFile(filepath.Join(c.Out, n), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := startRun(t, resumeConfig(c, c.Out), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	for _, n := range temps {
		if _, err := os.Stat(filepath.Join(c.Out, n)); err == nil {
			t.Errorf("resume left %s", n)
		}
	}
}

// A directory holding only what a start killed at once leaves (the lock
// and a temporary config.json) takes a new run; anything else refuses it.
func TestStartAcceptsLeftoversOfAKilledStart(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Steps = 2
	c.Out = filepath.Join(t.TempDir(), "run")
	os.MkdirAll(c.Out, 0o755)
	os.WriteFile(filepath.Join(c.Out, LockFile), []byte("12345\n"), 0o644)
	os.WriteFile(filepath.Join(c.Out, ".config.json.tmp-99"), []byte("{"), 0o644)
	r, err := startRun(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := os.Stat(filepath.Join(c.Out, ".config.json.tmp-99")); err == nil {
		t.Error("temporary file left")
	}
	if _, err := startRun(t, c, nil); err == nil || !strings.Contains(err.Error(), "already exists and is not empty") {
		t.Errorf("start in a used directory: %v", err)
	}
}

// Errors keep their cause: resuming with another model shape is
// ckpt.ErrShape, for callers to test with errors.Is.
func TestResumeShapeErrorWrapsErrShape(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Steps = 2
	c.Out = filepath.Join(t.TempDir(), "run")
	trainRun(t, c, Hooks{}).Close()
	c2 := resumeConfig(c, c.Out)
	c2.Dim = 64
	_, err := startRun(t, c2, nil)
	if !errors.Is(err, ckpt.ErrShape) {
		t.Fatalf("resume with dim 64: %v, want an error wrapping ckpt.ErrShape", err)
	}
	// The model's own shape check, once a checkpoint has been read.
	tr, err := New(c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	ck, err := tr.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	tr2, err := New(c2, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr2.LoadCheckpoint(ck); !errors.Is(err, ckpt.ErrShape) {
		t.Fatalf("LoadCheckpoint of another shape: %v, want ckpt.ErrShape", err)
	}
}

// A run grown from a smaller model and killed before its first checkpoint
// restarts by growing again, and ends as the uninterrupted grown run.
func TestRestartOfGrownRun(t *testing.T) {
	dir := t.TempDir()
	small := smallConfig(t, shakespeare)
	small.Steps, small.Out = 4, filepath.Join(dir, "small")
	trainRun(t, small, Hooks{}).Close()

	big := small
	big.Layers, big.Steps, big.GrowFrom = 4, 6, small.Out
	big.Expander, big.ShareMap = "interpolate", "interpolate"
	big.Out = filepath.Join(dir, "ref")
	trainRun(t, big, apolloHooks())

	big.Out = filepath.Join(dir, "killed")
	tr, err := New(big, apolloHooks())
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := r.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	tr, err = New(resumeConfig(big, big.Out), apolloHooks())
	if err != nil {
		t.Fatal(err)
	}
	if r, err = Start(tr, nil); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Restarted || tr.Real != 4 {
		t.Fatalf("restarted %v with %d real layers, want a restart grown to 4", r.Restarted, tr.Real)
	}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"model.safetensors", "events.jsonl"} {
		a, _ := os.ReadFile(filepath.Join(dir, "ref", f))
		b, _ := os.ReadFile(filepath.Join(big.Out, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s of the restarted grown run differs from the uninterrupted one's:\n%s\n%s", f, a, b)
		}
	}
}
