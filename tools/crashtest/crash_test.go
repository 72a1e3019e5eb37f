package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// killsEnv sets the number of kills of TestCrash (default 5).
const killsEnv = "WORKBENCH_CRASH_KILLS"

// TestCrash builds workbench and runs the crash test with a few kills:
// one of each kind.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills workbench processes")
	}
	kills := 5
	if v := os.Getenv(killsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s=%q: want a number", killsEnv, v)
		}
		kills = n
	}
	work := t.TempDir()
	bin := filepath.Join(work, "workbench")
	build := exec.Command("go", "build", "-o", bin, "workbench/cmd/workbench")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var log strings.Builder
	rep, err := Run(Options{Bin: bin, Data: "../../datasets/tinyshakespeare.txt", Work: work, Kills: kills, Seed: 1, Log: &log})
	t.Logf("%s%v", log.String(), rep)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kills != kills || rep.Runs < 1 || rep.Resumed == 0 {
		t.Errorf("the test did not do what it should: %v", rep)
	}
}
