package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"workbench/core/ckpt"
	"workbench/core/fsutil"
	"workbench/core/runlog"
	"workbench/core/train"
)

// Options configure a crash test.
type Options struct {
	Bin   string    // the workbench binary
	Data  string    // training text; the first 200,000 bytes are used
	Work  string    // directory for the runs (the data copy, the reference and the killed runs)
	Kills int       // SIGKILLs to deliver
	Seed  uint64    // seed of the kill moments
	Log   io.Writer // one line per kill; nil for none
}

// Report counts what a crash test did and saw.
type Report struct {
	Kills int // SIGKILLs delivered to a running training process
	// Kills by the moment aimed at: at a random time, while a checkpoint
	// was being written, during the final evaluation (the last checkpoint
	// written, the model and summary not yet), while any other file of
	// the run directory was being written, and after the start of a new
	// run but before its first checkpoint.
	Random, DuringCheckpoint, DuringFinal, DuringOtherWrite, BeforeCheckpoint int
	// TempLeft counts the kills that left a temporary file behind (all
	// of which the next process removed).
	TempLeft int
	// Checkpoints is the number of checkpoint files verified after kills.
	Checkpoints int
	// Resumed and Restarted count the processes that continued from the
	// newest checkpoint, or from step 0 when there was none, as checked
	// on their first line.
	Resumed, Restarted int
	// Runs is the number of runs that were killed and then completed,
	// each ending with the uninterrupted run's model, byte for byte.
	Runs int
	// Missed counts the processes that ended before the moment aimed at
	// came (a poll can miss a short write); their runs count as completed.
	Missed int
}

func (r Report) String() string {
	return fmt.Sprintf("%d kills (%d at random moments, %d during checkpoint writes, %d during the final evaluation, %d during other writes, %d before the first checkpoint; %d left a temporary file), %d checkpoints verified, %d resumes and %d restarts checked, %d runs completed identical to the uninterrupted run (%d aimed kills missed)",
		r.Kills, r.Random, r.DuringCheckpoint, r.DuringFinal, r.DuringOtherWrite, r.BeforeCheckpoint, r.TempLeft, r.Checkpoints, r.Resumed, r.Restarted, r.Runs, r.Missed)
}

// steps is the length of the training run under test.
const steps = 40

// trainArgs are the flags of the run under test: a small progressive
// Apollo run (stages 1, 2, 4 with the shipped plugins) that writes a
// checkpoint after every step, so that kills often land in a write.
func trainArgs(data string) []string {
	return []string{"train", "--data", data, "--layers", "4", "--dim", "32", "--heads", "2", "--seq", "32", "--batch", "4",
		"--steps", strconv.Itoa(steps), "--stages", "1,2,4", "--stage-ends", "0.25,0.5", "--eval-every", "10", "--eval-batches", "2",
		"--ckpt-every", "1", "--ckpt-keep", "3", "--threads", "1", "--method", "crash"}
}

// Run kills training processes of opts.Bin with SIGKILL opts.Kills times
// and checks after each kill that every checkpoint left verifies, that the
// next process resumes from the newest one (or restarts from step 0 when
// there is none) after removing every temporary file, and that a run
// killed any number of times ends with the model and logs of an
// uninterrupted run. It returns the first failure.
func Run(opts Options) (Report, error) {
	var rep Report
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	text, err := os.ReadFile(opts.Data)
	if err != nil {
		return rep, err
	}
	data := filepath.Join(opts.Work, "data.txt")
	if err := os.WriteFile(data, text[:min(len(text), 200000)], 0o644); err != nil {
		return rep, err
	}
	ref := filepath.Join(opts.Work, "reference")
	start := time.Now()
	if out, err := exec.Command(opts.Bin, append(trainArgs(data), "--out", ref)...).CombinedOutput(); err != nil {
		return rep, fmt.Errorf("uninterrupted run: %v\n%s", err, out)
	}
	duration := time.Since(start)
	logf("uninterrupted run: %v", duration.Round(time.Millisecond))
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6372617368))

	cycle := 0 // the kinds of kill in turn, after the one of each new run
	for gen := 0; rep.Kills < opts.Kills; gen++ {
		dir := filepath.Join(opts.Work, fmt.Sprintf("run%03d", gen))
		finished := false
		for !finished {
			mode := moment(cycle % 4)
			if _, err := os.Stat(dir); err != nil {
				mode = beforeCheckpoint // a fresh run: test the restart
			}
			if rep.Kills >= opts.Kills {
				mode = noKill
			}
			var delay time.Duration
			if es, _ := ckpt.List(train.CkptDir(dir)); mode == inCheckpoint && len(es) > 0 && es[0].Step == steps {
				mode = inFinal // no checkpoint left to write
			}
			if rep.Missed > opts.Kills {
				return rep, fmt.Errorf("%d aimed kills missed their moment", rep.Missed)
			}
			if mode == atRandom {
				// Up to the length of a whole run: some kills come
				// during start-up and resume, some never (the run ends).
				delay = time.Duration(rng.Int64N(int64(duration)))
			}
			killed, err := round(opts.Bin, data, dir, mode, delay, &rep)
			if err != nil {
				return rep, fmt.Errorf("run %s, kill %d (%v): %w", dir, rep.Kills+1, mode, err)
			}
			if !killed {
				finished = true
				break
			}
			rep.Kills++
			if mode != beforeCheckpoint {
				cycle++
			}
			n, temps, err := checkAfterKill(dir)
			if err != nil {
				return rep, fmt.Errorf("run %s after kill %d (%v): %w", dir, rep.Kills, mode, err)
			}
			if len(temps) > 0 {
				rep.TempLeft++
			}
			rep.Checkpoints += n
			logf("kill %d (%v): %d checkpoints verify, %d temporary files", rep.Kills, mode, n, len(temps))
		}
		if err := sameAsReference(ref, dir); err != nil {
			return rep, fmt.Errorf("run %s: %w", dir, err)
		}
		rep.Runs++
		logf("run %s completed: the model equals the uninterrupted run's", dir)
		if err := os.RemoveAll(dir); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// moment is when a kill is aimed at.
type moment int

const (
	atRandom moment = iota
	inCheckpoint
	inFinal
	inOtherWrite
	beforeCheckpoint
	noKill
)

func (m moment) String() string {
	return [...]string{"random", "checkpoint write", "final evaluation", "other write", "before the first checkpoint", "no kill"}[m]
}

var (
	resumingLine   = regexp.MustCompile(`^resuming (.*) from (.*): step (\d+) of \d+$`)
	restartingLine = regexp.MustCompile(`no checkpoint in .*; restarting the run from step 0`)
)

// round starts (or resumes) the run in dir and kills it at the moment
// asked for. It reports whether the process was killed; a process that
// ends by itself must succeed. Before the process runs it notes what a
// correct resume must do: continue from the newest checkpoint (or restart
// from step 0) and remove the temporary files present; it checks both
// when the process reports how it started.
func round(bin, data, dir string, mode moment, delay time.Duration, rep *Report) (bool, error) {
	args := append(trainArgs(data), "--out", dir)
	if _, err := os.Stat(dir); err == nil {
		args = append(args, "--resume", dir)
	}
	wantStep := -1 // restart
	if es, _ := ckpt.List(train.CkptDir(dir)); len(es) > 0 {
		wantStep = es[0].Step
	}
	temps := tempFiles(dir)
	if len(temps) > 0 && !contains(args, "--resume") {
		return false, fmt.Errorf("temporary files %v in a directory that will not be resumed", temps)
	}

	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return false, err
	}
	if err := cmd.Start(); err != nil {
		return false, err
	}
	var output bytes.Buffer
	// started and finished say whether the process has printed its
	// first line (it has opened the run) and its "done:" line.
	var started, finished atomic.Bool
	startChecked := make(chan startCheck, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		checked := false
		for sc.Scan() {
			line := sc.Text()
			output.WriteString(line + "\n")
			if strings.HasPrefix(line, "done: ") {
				finished.Store(true)
			}
			if resumingLine.MatchString(line) || restartingLine.MatchString(line) || strings.HasPrefix(line, "training ") {
				started.Store(true)
			}
			if checked {
				continue
			}
			if m := resumingLine.FindStringSubmatch(line); m != nil {
				checked = true
				startChecked <- startCheck{false, checkStart(wantStep, m, temps)}
			} else if restartingLine.MatchString(line) {
				checked = true
				startChecked <- startCheck{true, checkRestart(wantStep, temps)}
			}
		}
	}()
	done := make(chan error, 1)
	go func() {
		<-scanned
		done <- cmd.Wait()
	}()

	var deadline <-chan time.Time
	if mode == atRandom {
		deadline = time.After(delay)
	}
	poll := time.NewTicker(500 * time.Microsecond)
	defer poll.Stop()
	for {
		select {
		case c := <-startChecked:
			if err := c.count(rep); err != nil {
				cmd.Process.Kill()
				<-done
				return false, err
			}
			continue
		case err := <-done:
			if err != nil {
				return false, fmt.Errorf("the training process failed: %v\n%s", err, output.String())
			}
			if mode != noKill && mode != atRandom {
				rep.Missed++
			}
			return false, nil
		case <-deadline:
		case <-poll.C:
			if !due(mode, dir, started.Load(), finished.Load()) {
				continue
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := <-done
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			// The process ended by itself just before the kill.
			if err != nil {
				return false, fmt.Errorf("the training process failed: %v\n%s", err, output.String())
			}
			return false, nil
		}
		select {
		case c := <-startChecked:
			if err := c.count(rep); err != nil {
				return false, err
			}
		default:
		}
		switch mode {
		case atRandom:
			rep.Random++
		case inCheckpoint:
			rep.DuringCheckpoint++
		case inFinal:
			rep.DuringFinal++
		case inOtherWrite:
			rep.DuringOtherWrite++
		case beforeCheckpoint:
			rep.BeforeCheckpoint++
		}
		return true, nil
	}
}

// due reports whether the moment a kill aims at has come in the run
// directory dir; started and finished say whether the process has opened
// the run and whether it has printed its last line.
func due(mode moment, dir string, started, finished bool) bool {
	switch mode {
	case inCheckpoint:
		return hasTemp(train.CkptDir(dir))
	case inFinal:
		// The final checkpoint is written, the evaluation and the
		// model and summary writes are under way.
		_, err := os.Stat(filepath.Join(train.CkptDir(dir), ckpt.Name(steps, false)))
		return err == nil && started && !finished
	case inOtherWrite:
		return hasTemp(dir)
	case beforeCheckpoint:
		// Started (its logs are open), no checkpoint yet.
		_, err := os.Stat(filepath.Join(dir, runlog.MetricsFile))
		es, _ := ckpt.List(train.CkptDir(dir))
		return err == nil && len(es) == 0
	}
	return false
}

// startCheck is the check of how a process started its run.
type startCheck struct {
	restart bool  // restarted from step 0, else resumed
	err     error // nil if it started as it should
}

// count adds a passed check to rep and returns the error of a failed one.
func (c startCheck) count(rep *Report) error {
	switch {
	case c.err != nil:
		return c.err
	case c.restart:
		rep.Restarted++
	default:
		rep.Resumed++
	}
	return nil
}

// checkStart checks the first line of a resumed process: it continues
// from the newest checkpoint, and the temporary files are gone.
func checkStart(wantStep int, m []string, temps []string) error {
	step, _ := strconv.Atoi(m[3])
	if wantStep < 0 {
		return fmt.Errorf("resumed from %s although no checkpoint was there", m[2])
	}
	if step != wantStep {
		return fmt.Errorf("resumed from step %d, the newest checkpoint is of step %d", step, wantStep)
	}
	return goneAll(temps)
}

// checkRestart checks a process that restarted its run.
func checkRestart(wantStep int, temps []string) error {
	if wantStep >= 0 {
		return fmt.Errorf("restarted from step 0 although the checkpoint of step %d was there", wantStep)
	}
	return goneAll(temps)
}

// goneAll checks that none of the files exists.
func goneAll(paths []string) error {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("the resumed process left the temporary file %s", p)
		}
	}
	return nil
}

// checkAfterKill verifies every checkpoint in the run directory and
// returns their number and the temporary files left.
func checkAfterKill(dir string) (int, []string, error) {
	es, err := ckpt.List(train.CkptDir(dir))
	if err != nil {
		return 0, nil, err
	}
	for _, e := range es {
		if _, err := ckpt.ReadFile(e.Path); err != nil {
			return 0, nil, fmt.Errorf("a checkpoint left by the killed process does not verify: %v", err)
		}
	}
	return len(es), tempFiles(dir), nil
}

// tempFiles lists the temporary files in a run directory and its
// checkpoint directory.
func tempFiles(dir string) []string {
	var out []string
	for _, d := range []string{dir, train.CkptDir(dir)} {
		des, _ := os.ReadDir(d)
		for _, e := range des {
			if fsutil.IsTemp(e.Name()) {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	return out
}

func hasTemp(dir string) bool {
	des, _ := os.ReadDir(dir)
	for _, e := range des {
		if fsutil.IsTemp(e.Name()) {
			return true
		}
	}
	return false
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// sameAsReference checks a completed run against the uninterrupted one:
// the same model file byte for byte, the same logs (timing fields aside),
// the same final checkpoint, and no temporary file left.
func sameAsReference(ref, dir string) error {
	a, err := os.ReadFile(filepath.Join(ref, "model.safetensors"))
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return err
	}
	if !bytes.Equal(a, b) {
		return errors.New("model.safetensors differs from the uninterrupted run's")
	}
	for _, f := range []string{runlog.MetricsFile, runlog.EventsFile} {
		a, _ := os.ReadFile(filepath.Join(ref, f))
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if !runlog.SameIgnoringTiming(a, b) {
			return fmt.Errorf("%s differs from the uninterrupted run's", f)
		}
	}
	ca, err := ckpt.ReadFile(filepath.Join(train.CkptDir(ref), ckpt.Name(steps, false)))
	if err != nil {
		return err
	}
	cb, err := ckpt.ReadFile(filepath.Join(train.CkptDir(dir), ckpt.Name(steps, false)))
	if err != nil {
		return err
	}
	if !slices.Equal(ca.Params, cb.Params) || !slices.Equal(ca.M, cb.M) || !slices.Equal(ca.V, cb.V) {
		return errors.New("the final checkpoint's weights or AdamW moments differ from the uninterrupted run's")
	}
	if t := tempFiles(dir); len(t) > 0 {
		return fmt.Errorf("temporary files left at the end: %v", t)
	}
	return nil
}
