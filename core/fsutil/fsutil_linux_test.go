package fsutil

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDiskFullHelper is the child process of TestWriteFileAtomicDiskFull:
// it caps its file size with RLIMIT_FSIZE, so writes fail the way they do
// on a full disk, and checks WriteFileAtomic's cleanup.
func TestDiskFullHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "diskfull" {
		t.Skip("helper process for TestWriteFileAtomicDiskFull")
	}
	path := os.Getenv(helperPath)
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	signal.Ignore(syscall.SIGXFSZ) // get EFBIG from write instead of dying
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = 1 << 20
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	err = WriteFileAtomic(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(make([]byte, 4<<20))
		return err
	})
	if err == nil {
		t.Fatal("WriteFileAtomic succeeded beyond the file size limit")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "too large") {
		t.Errorf("error %q does not name %s and the cause", err, path)
	}
	got, rerr := os.ReadFile(path)
	if rerr != nil || !bytes.Equal(got, old) {
		t.Errorf("old file changed: %d bytes, %v", len(got), rerr)
	}
	if tmp := tempFiles(t, filepath.Dir(path)); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

func TestWriteFileAtomicDiskFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.bin")
	if err := os.WriteFile(path, []byte("previous version"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskFullHelper$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=diskfull", helperPath+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestDiskFullHelper")) {
		t.Fatalf("helper failed: %v\n%s", err, out)
	}
}
