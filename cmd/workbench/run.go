package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"workbench/core/wb/host"
)

func init() {
	register("run", "run an experiment script (Go, interpreted; see docs/scripting.md)", runScript)
}

const runUsage = "usage: workbench run SCRIPT.go [--set key=value ...] [--out DIR] [--timeout D] [--memory-limit SIZE] [--unrestricted]"

// setFlags collects repeated --set arguments.
type setFlags []string

// String returns the settings given so far.
func (s *setFlags) String() string { return fmt.Sprint(*s) }

// Set adds one --set argument.
func (s *setFlags) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// errInterrupted is the cause of a run stopped by SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted")

// runScript implements "workbench run".
func runScript(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var set setFlags
	fs.Var(&set, "set", "parameter `key=value` (repeatable; several separated by commas): the script's own parameters and the flags of workbench train")
	out := fs.String("out", "", "experiment `DIR`: every run goes into DIR/<run name> (default checkpoints/<script>-<time>)")
	timeout := fs.Duration("timeout", 0, "stop after this `duration` (e.g. 10m); the run in progress saves its model")
	resume := fs.String("resume", "", "continue the experiment in `DIR`: finished runs are kept, interrupted ones resume from their newest checkpoint")
	unrestricted := fs.Bool("unrestricted", false, "let the script and its plugins use the whole standard library (processes, network, file writes)")
	memLimit := fs.String("memory-limit", "", "stop the script when the process holds this much memory (`SIZE` such as 8G; default 90% of the machine's)")
	fs.Usage = func() {} // printed below for -h only, not on errors
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, runUsage)
			fmt.Fprintln(stdout, "\nInterprets an experiment script: a Go file of package main importing workbench/core/wb.")
			fmt.Fprintln(stdout, "See docs/scripting.md.\n\nflags:")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("%v (run \"workbench run -h\" for the flags)", err)
	}
	if len(pos) != 1 {
		return errors.New("want one script (" + runUsage + ")")
	}
	if *resume != "" {
		if *out != "" && filepath.Clean(*out) != filepath.Clean(*resume) {
			return fmt.Errorf("--out %s and --resume %s differ; a resumed experiment continues in its own directory", *out, *resume)
		}
		if _, err := os.Stat(*resume); err != nil {
			return fmt.Errorf("--resume: %v", err)
		}
		*out = *resume
	}
	if *timeout < 0 {
		return fmt.Errorf("--timeout must not be negative, got %v", *timeout)
	}
	limit, err := memoryFlag(*memLimit)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	if *timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, *timeout, fmt.Errorf("timeout after %v", *timeout))
		defer stop()
	}
	stopSignals := catchSignals(cancel, stderr)
	defer stopSignals()
	dir := *out
	if dir == "" {
		dir = host.DefaultDir(strings.TrimSuffix(filepath.Base(pos[0]), ".go"))
	}
	defer watchStuck(ctx, stderr, func() string {
		return fmt.Sprintf("The checkpoints in %s stay valid; continue with: workbench run %s --resume %s", dir, pos[0], dir)
	})()

	return host.Run(ctx, pos[0], host.Options{
		Dir: dir, Set: set, Unrestricted: *unrestricted, Resume: *resume != "", Stdout: stdout, Stderr: stderr,
		MemoryLimit: limit,
	})
}

// memoryFlag parses --memory-limit; "" is the default ceiling.
func memoryFlag(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := host.ParseBytes(v)
	if err != nil {
		return 0, fmt.Errorf("--memory-limit: %v", err)
	}
	return n, nil
}

// catchSignals cancels with errInterrupted on the first SIGINT or SIGTERM,
// so that the run in progress saves itself, and exits at once on the
// second. The returned function stops catching.
func catchSignals(cancel context.CancelCauseFunc, stderr io.Writer) func() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	stop := watchSignals(sig, cancel, stderr)
	return func() {
		signal.Stop(sig)
		stop()
	}
}

// watchSignals cancels with errInterrupted on the first signal received
// from sig and exits the process on the second, until the returned
// function is called.
func watchSignals(sig <-chan os.Signal, cancel context.CancelCauseFunc, stderr io.Writer) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "\nstopping after the current step (interrupt again to quit at once)")
		cancel(errInterrupted)
		select {
		case <-sig:
			fmt.Fprintln(stderr, "quit")
			os.Exit(130)
		case <-done:
		}
	}()
	return func() { close(done) }
}
