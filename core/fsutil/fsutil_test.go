package fsutil

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tempFiles lists the temporary files WriteFileAtomic may leave in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			names = append(names, e.Name())
		}
	}
	return names
}

func writeBytes(b []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}
}

func TestWriteFileAtomicSuccess(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 3*bufferSize/16+5)
	tests := []struct {
		name string
		old  []byte // nil: no previous file
		data []byte
		perm os.FileMode
	}{
		{"new file", nil, []byte("hello\n"), 0o644},
		{"replace", []byte("old content that is longer"), []byte("new"), 0o600},
		{"empty", []byte("old"), nil, 0o640},
		{"larger than the buffer", []byte("old"), big, 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.bin")
			if tt.old != nil {
				if err := os.WriteFile(path, tt.old, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFileAtomic(path, tt.perm, writeBytes(tt.data)); err != nil {
				t.Fatalf("WriteFileAtomic: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("content = %d bytes, want %d bytes", len(got), len(tt.data))
			}
			if runtime.GOOS != "windows" {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != tt.perm {
					t.Errorf("perm = %v, want %v", fi.Mode().Perm(), tt.perm)
				}
			}
			if tmp := tempFiles(t, dir); len(tmp) > 0 {
				t.Errorf("temporary files left behind: %v", tmp)
			}
		})
	}
}

func TestWriteFileAtomicRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := WriteFileAtomic("rel.txt", 0o644, writeBytes([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile("rel.txt"); err != nil || string(got) != "x" {
		t.Fatalf("ReadFile = %q, %v; want \"x\"", got, err)
	}
}

func TestWriteFileAtomicCallbackError(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"error before writing", func(io.Writer) error { return errBoom }},
		{"error after a partial write", func(w io.Writer) error {
			w.Write(make([]byte, 3*bufferSize)) // reaches the temporary file
			return errBoom
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "keep.txt")
			old := []byte("previous version\n")
			if err := os.WriteFile(path, old, 0o644); err != nil {
				t.Fatal(err)
			}
			err := WriteFileAtomic(path, 0o644, tt.write)
			if !errors.Is(err, errBoom) {
				t.Fatalf("err = %v, want it to wrap %v", err, errBoom)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			got, rerr := os.ReadFile(path)
			if rerr != nil || !bytes.Equal(got, old) {
				t.Errorf("old file changed: %q, %v", got, rerr)
			}
			if tmp := tempFiles(t, dir); len(tmp) > 0 {
				t.Errorf("temporary files left behind: %v", tmp)
			}
		})
	}
}

func TestWriteFileAtomicPanic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.txt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the callback's panic", r)
			}
		}()
		WriteFileAtomic(path, 0o644, func(w io.Writer) error {
			w.Write(make([]byte, 2*bufferSize))
			panic("boom")
		})
	}()
	if got, err := os.ReadFile(path); err != nil || string(got) != "old" {
		t.Errorf("old file changed: %q, %v", got, err)
	}
	if tmp := tempFiles(t, dir); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

func TestWriteFileAtomicUnwritableDir(t *testing.T) {
	base := t.TempDir()
	notDir := filepath.Join(base, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(base, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		skip     string
		checkDir bool // the parent exists: look for temporary files in it
	}{
		{"missing directory", filepath.Join(base, "missing", "out.txt"), "", false},
		{"parent is a file", filepath.Join(notDir, "out.txt"), "", false},
		{"read-only directory", filepath.Join(readOnly, "out.txt"), skipReadOnly(), true},
		{"path is a directory", base, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != "" {
				t.Skip(tt.skip)
			}
			called := false
			err := WriteFileAtomic(tt.path, 0o644, func(w io.Writer) error {
				called = true
				_, err := w.Write([]byte("data"))
				return err
			})
			if err == nil {
				t.Fatalf("WriteFileAtomic(%s) succeeded, want an error", tt.path)
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name %s", err, tt.path)
			}
			t.Logf("called=%v err=%v", called, err)
			if tt.checkDir {
				if tmp := tempFiles(t, filepath.Dir(tt.path)); len(tmp) > 0 {
					t.Errorf("temporary files left behind: %v", tmp)
				}
			}
		})
	}
}

// skipReadOnly says why the read-only directory case cannot run here.
func skipReadOnly() string {
	switch {
	case runtime.GOOS == "windows":
		return "directory permissions do not restrict file creation on windows"
	case os.Geteuid() == 0:
		return "root ignores directory permissions"
	}
	return ""
}

// Crash-safety test: a child process rewrites the file in a loop and is
// killed at random moments; the file must always hold one complete version.

const (
	helperEnv  = "WORKBENCH_FSUTIL_HELPER"
	helperPath = "WORKBENCH_FSUTIL_PATH"
	crashMagic = "WBCRASH1"
	headerLen  = len(crashMagic) + 8 + 8 + sha256.Size
)

// versionContent returns version v of the crash test file: a header with
// the version, the payload length and the payload's SHA-256, then a
// pseudo-random payload of roughly 2 MB.
func versionContent(v uint64) []byte {
	n := 2<<20 + int(v%4096)
	payload := make([]byte, n)
	r := rand.New(rand.NewPCG(v, 0x5eed))
	for i := 0; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(payload[i:], r.Uint64())
	}
	sum := sha256.Sum256(payload)
	out := make([]byte, 0, headerLen+n)
	out = append(out, crashMagic...)
	out = binary.LittleEndian.AppendUint64(out, v)
	out = binary.LittleEndian.AppendUint64(out, uint64(n))
	out = append(out, sum[:]...)
	return append(out, payload...)
}

// checkVersion verifies that b is one complete version and returns it.
func checkVersion(b []byte) (uint64, error) {
	if len(b) < headerLen || string(b[:len(crashMagic)]) != crashMagic {
		return 0, fmt.Errorf("file of %d bytes has no complete header", len(b))
	}
	v := binary.LittleEndian.Uint64(b[8:])
	n := binary.LittleEndian.Uint64(b[16:])
	payload := b[headerLen:]
	if uint64(len(payload)) != n {
		return v, fmt.Errorf("version %d: payload is %d bytes, header says %d", v, len(payload), n)
	}
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], b[24:headerLen]) {
		return v, fmt.Errorf("version %d: payload checksum mismatch", v)
	}
	return v, nil
}

// TestCrashHelper is the child process of TestWriteFileAtomicCrash; it
// does nothing in a normal test run.
func TestCrashHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "crash" {
		t.Skip("helper process for TestWriteFileAtomicCrash")
	}
	path := os.Getenv(helperPath)
	base, err := strconv.ParseUint(os.Getenv(helperEnv+"_BASE"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	for v := base; ; v++ {
		content := versionContent(v)
		err := WriteFileAtomic(path, 0o644, func(w io.Writer) error {
			for b := content; len(b) > 0; { // odd-sized chunks
				k := min(len(b), 100_003)
				if _, err := w.Write(b[:k]); err != nil {
					return err
				}
				b = b[k:]
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteFileAtomicCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "state.bin")
	const runs = 16
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	seen := map[uint64]bool{}
	for i := range runs {
		base := uint64(i+1) * 1_000_000
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"=crash", helperPath+"="+path,
			helperEnv+"_BASE="+strconv.FormatUint(base, 10))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("run %d: helper did not start: %q, %v", i, line, err)
		}
		if i%2 == 1 {
			// Let a version land first so this kill hits a replacement.
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if _, err := os.Stat(path); err == nil {
					break
				}
			}
		}
		delay := time.Duration(2+rng.IntN(60)) * time.Millisecond
		time.Sleep(delay)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait() // "signal: killed" is the expected outcome
		if cmd.ProcessState.Exited() {
			t.Fatalf("run %d: helper exited by itself (%v) before being killed", i, cmd.ProcessState)
		}

		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) && len(seen) == 0 {
			t.Logf("run %d: killed after %v, no version written yet", i, delay)
			continue // absent is fine until a first version has landed
		}
		if err != nil {
			t.Fatalf("run %d (killed after %v): %v", i, delay, err)
		}
		v, err := checkVersion(b)
		if err != nil {
			t.Fatalf("run %d (killed after %v): torn file: %v", i, delay, err)
		}
		seen[v] = true
		t.Logf("run %d: killed after %v, file holds version %d", i, delay, v)
	}
	if len(seen) == 0 {
		t.Fatalf("no version landed in %d runs; the kills came too early to test anything", runs)
	}
	t.Logf("%d distinct complete versions seen over %d kills; %d stale temporary files",
		len(seen), runs, len(tempFiles(t, dir)))
}

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.json")
	if err := WriteJSON(path, map[string]any{"a": 1, "b": []int{2}}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n"; string(got) != want {
		t.Errorf("WriteJSON wrote %q, want %q", got, want)
	}
	if err := WriteJSON(path, math.NaN()); err == nil {
		t.Error("WriteJSON(NaN) = nil, want an error")
	}
	if b, _ := os.ReadFile(path); string(b) != string(got) {
		t.Errorf("a failed WriteJSON changed the file to %q", b)
	}
}
