package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestTryLock(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no flock")
	}
	path := filepath.Join(t.TempDir(), ".lock")
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	// A second holder, even in the same process, is refused with the PID.
	_, err = TryLock(path)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("second TryLock: %v, want a LockedError naming process %d", err, os.Getpid())
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := TryLock(path)
	if err != nil {
		t.Fatalf("TryLock after Unlock: %v", err)
	}
	l2.Unlock()
	var nilLock *Lock
	if err := nilLock.Unlock(); err != nil {
		t.Error(err)
	}
}

func TestCleanTemp(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"config.json", "metrics.jsonl", ".lock", "step-000010.safetensors"}
	gone := []string{".config.json.tmp-123", ".metrics.jsonl.tmp-9", ".step-000010.safetensors.tmp-77", ".summary.json.tmp-1"}
	for _, n := range append(keep, gone...) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := CleanTemp(dir); err != nil {
		t.Fatal(err)
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
	for _, n := range gone {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("temporary file %s left", n)
		}
	}
	if err := CleanTemp(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing directory: %v", err)
	}
}
