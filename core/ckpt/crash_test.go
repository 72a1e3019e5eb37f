package ckpt_test

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"workbench/core/ckpt"
	"workbench/core/train"
)

// crashEnv names the run directory of the child process of
// TestCrashSafety; crashDataEnv its data file.
const (
	crashEnv     = "WORKBENCH_CKPT_CRASH_RUN"
	crashDataEnv = "WORKBENCH_CKPT_CRASH_DATA"
)

func crashConfig(data string) train.Config {
	c := progressive(tiny(data, 120))
	c.CkptEvery, c.CkptKeep = 1, 3
	return c
}

// TestCrashChild is the child process of TestCrashSafety: it trains (or
// resumes) the run named by the environment, writing a checkpoint after
// every step, until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("child process of TestCrashSafety")
	}
	c := crashConfig(os.Getenv(crashDataEnv))
	if es, _ := ckpt.List(train.CkptDir(dir)); len(es) > 0 {
		c.Resume = dir
	} else {
		os.RemoveAll(dir) // killed before its first checkpoint
		c.Out = dir
	}
	r, err := startErr(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestCrashSafety kills a training process with SIGKILL again and again,
// at random moments and the moment a checkpoint write is seen under way,
// then checks that every checkpoint left verifies and that resuming ends
// exactly as an uninterrupted run.
func TestCrashSafety(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the child process")
	}
	data := dataFile(t)
	tmp := t.TempDir()
	run := filepath.Join(tmp, "crashed")
	rng := rand.New(rand.NewPCG(1, 1))
	midWrite := 0
	for round := 0; round < 8; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), crashEnv+"="+run, crashDataEnv+"="+data)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var deadline <-chan time.Time
		poll := round%2 == 1
		if !poll {
			deadline = time.After(time.Duration(40+rng.IntN(200)) * time.Millisecond)
		}
		killed := false
	wait:
		for !killed {
			select {
			case err := <-done:
				t.Logf("round %d: the child finished (%v)", round, err)
				break wait
			case <-deadline:
				killed = true
			case <-time.After(100 * time.Microsecond):
				if poll && tempFiles(run) > 0 {
					killed = true
				}
			}
		}
		if killed {
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			if tempFiles(run) > 0 {
				midWrite++
			}
		}
	}
	t.Logf("%d of 8 kills left a checkpoint half-written", midWrite)
	es, err := ckpt.List(train.CkptDir(run))
	if err != nil || len(es) == 0 {
		t.Fatalf("no checkpoint survived (%v)", err)
	}
	for _, e := range es {
		if _, err := ckpt.ReadFile(e.Path); err != nil {
			t.Errorf("checkpoint left by a killed process does not verify: %v", err)
		}
	}
	t.Logf("newest checkpoint: step %d", es[0].Step)
	c := crashConfig(data)
	ref := filepath.Join(tmp, "reference")
	c.CkptEvery = 0
	runToEnd(t, c, ref)
	status := resume(t, c, run)
	if strings.Contains(status, "warning") {
		t.Errorf("resume warned:\n%s", status)
	}
	if tempFiles(run) > 0 {
		t.Error("resume left temporary files")
	}
	sameRun(t, ref, run)
}

// tempFiles counts the temporary checkpoint files in run's ckpt directory.
func tempFiles(run string) int {
	des, _ := os.ReadDir(train.CkptDir(run))
	n := 0
	for _, d := range des {
		if strings.HasPrefix(d.Name(), ".step-") {
			n++
		}
	}
	return n
}
