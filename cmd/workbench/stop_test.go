package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loopPlugin is a sampler that loops forever from step 3 on.
const loopPlugin = `package loop

import "workbench/core/grow"

// Sample loops forever once three steps are done.
func Sample(s grow.SampleState) int {
	n := 0
	for s.Step >= 3 {
		n++
	}
	return s.Real + n
}
`

// buildWorkbench builds the command into a temporary directory.
func buildWorkbench(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "workbench")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// newestCheckpoint returns the newest checkpoint file under dir.
func newestCheckpoint(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "ckpt", "*.safetensors"))
	if len(files) == 0 {
		t.Fatalf("no checkpoint in %s", dir)
	}
	sort.Strings(files)
	return files[len(files)-1]
}

// TestStuckPluginEnds runs the built command with a plugin that loops
// forever: after --timeout (workbench run) or one SIGTERM (workbench
// train), the process must end within the grace period with a message
// naming the plugin, and the checkpoints written before stay valid.
func TestStuckPluginEnds(t *testing.T) {
	bin := buildWorkbench(t)
	dir := t.TempDir()
	plugin := filepath.Join(dir, "loop.go")
	if err := os.WriteFile(plugin, []byte(loopPlugin), 0o644); err != nil {
		t.Fatal(err)
	}
	data := scriptData(t)
	small := "layers=2,dim=32,heads=2,seq=16,batch=2,steps=50,eval-every=100,eval-batches=1,ckpt-every=1"

	cases := []struct {
		name   string
		args   []string
		signal bool   // send one SIGTERM after the loop started, instead of --timeout
		runDir string // the run directory whose checkpoint must verify
	}{
		{"run --timeout", []string{"run", "../../scripts/apollo.go", "--timeout", "3s", "--out", filepath.Join(dir, "exp"),
			"--set", small, "--set", "data=" + data, "--set", "sampler=" + plugin}, false, filepath.Join(dir, "exp", "apollo")},
		{"train SIGTERM", []string{"train", "--out", filepath.Join(dir, "train"), "--layers", "2", "--dim", "32", "--heads", "2",
			"--seq", "16", "--batch", "2", "--steps", "50", "--eval-batches", "1", "--ckpt-every", "1", "--data", data,
			"--stages", "1,2", "--stage-ends", "0.5", "--sampler", plugin}, true, filepath.Join(dir, "train")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			if tc.signal {
				// Wait for the checkpoint of step 3: the plugin then loops.
				for i := 0; i < 600; i++ {
					if _, err := os.Stat(filepath.Join(tc.runDir, "ckpt")); err == nil {
						if files, _ := filepath.Glob(filepath.Join(tc.runDir, "ckpt", "*3.safetensors")); len(files) > 0 {
							break
						}
					}
					time.Sleep(100 * time.Millisecond)
				}
				time.Sleep(500 * time.Millisecond)
				cmd.Process.Signal(syscall.SIGTERM)
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(120 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("the process did not end; stderr:\n%s", &stderr)
			}
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != exitStuck {
				t.Fatalf("exit: %v, want status %d; stderr:\n%s", err, exitStuck, &stderr)
			}
			if msg := stderr.String(); !strings.Contains(msg, "plugin "+plugin+" has not returned") || !strings.Contains(msg, "--resume") {
				t.Errorf("stderr does not name the plugin and how to resume:\n%s", msg)
			}
			ck := newestCheckpoint(t, tc.runDir)
			if code, out, errOut := run("ckpt", "verify", ck); code != 0 {
				t.Errorf("ckpt verify %s: exit %d\n%s%s", ck, code, out, errOut)
			}
		})
	}
}

// TestMemoryCeiling runs the built command on a script that allocates
// without end: it must stop with a one-line error naming the ceiling, not
// die of Go's out-of-memory fatal error with a stack dump.
func TestMemoryCeiling(t *testing.T) {
	bin := buildWorkbench(t)
	script := filepath.Join(t.TempDir(), "alloc.go")
	src := `package main

func main() {
	var keep [][]byte
	for {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		keep = append(keep, b)
	}
}
`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", script, "--memory-limit", "300M", "--out", filepath.Join(t.TempDir(), "exp"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	timer := time.AfterFunc(120*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1; stderr:\n%s", err, &stderr)
	}
	msg := stderr.String()
	if !strings.Contains(msg, "memory ceiling of 300.0 MB reached") {
		t.Errorf("stderr does not name the ceiling:\n%s", msg)
	}
	if strings.Contains(msg, "fatal error") || strings.Contains(msg, "goroutine ") {
		t.Errorf("stderr has a Go crash:\n%s", msg)
	}
}

func TestMemoryLimitFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"", 0}, {"512M", 512 << 20}, {"8G", 8 << 30}, {"8GB", 8 << 30}, {"1.5g", 3 << 29}, {"1000", 1000}} {
		if got, err := memoryFlag(tc.in); err != nil || got != tc.want {
			t.Errorf("memoryFlag(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"lots", "-1G", "0", "NaN", "infG"} {
		if _, err := memoryFlag(bad); err == nil || !strings.Contains(err.Error(), "--memory-limit") {
			t.Errorf("memoryFlag(%q): %v", bad, err)
		}
	}
}
