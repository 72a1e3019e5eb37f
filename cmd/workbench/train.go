package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"workbench/core/script"
	"workbench/core/train"
)

func init() {
	register("train", "train a model (full depth or progressive stages)", runTrain)
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	cfg := train.Defaults()
	fs := newFlagSet("train", "train [flags]", stdout)
	train.BindFlags(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	if cfg.Resume != "" {
		// The run's own settings, with the flags given on top.
		base, err := resumeConfig(cfg.Resume, stderr)
		if err != nil {
			return err
		}
		fs := newFlagSet("train", "train [flags]", stdout)
		train.BindFlags(fs, &base)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		cfg = base
	}
	hooks, err := loadHooks(&cfg)
	if err != nil {
		return err
	}
	t, err := train.New(cfg, hooks)
	if err != nil {
		return err
	}
	r, err := train.Start(t, stderr)
	if err != nil {
		return err
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		select {
		case s := <-sig:
			// A second signal kills the process at once: the checkpoints
			// on disk are safe whenever it comes.
			signal.Stop(sig)
			fmt.Fprintf(stderr, "\n%v: finishing the step and writing a checkpoint (interrupt again to quit at once)\n", s)
			cancel()
		case <-ctx.Done():
		}
	}()
	defer watchStuck(ctx, stderr, func() string {
		return fmt.Sprintf("The checkpoints in %s stay valid; resume with: workbench train --resume %s", r.Dir, r.Dir)
	})()
	verb := "training"
	if cfg.Resume != "" {
		verb = "resuming"
	}
	fmt.Fprintf(stderr, "%s %s: %d layers, d=%d, %d heads, seq %d, batch %d, %.2fM parameters, %d steps -> %s\n",
		verb, cfg.Method, cfg.Layers, cfg.Dim, cfg.Heads, cfg.Seq, cfg.Batch, float64(t.Model.Config.NumParams())/1e6, cfg.Steps, r.Dir)
	err = r.Run(ctx)
	if errors.Is(err, train.ErrInterrupted) {
		if err != train.ErrInterrupted {
			return fmt.Errorf("interrupted after step %d: %v", r.Step, err)
		}
		return fmt.Errorf("interrupted after step %d; checkpoint %s; resume with: workbench train --resume %s", r.Step, r.LastCheckpoint, r.Dir)
	}
	return err
}

// resumeConfig reads the settings of the run in dir from its config.json,
// as the base of a resumed run. A run directory killed before it wrote
// config.json (it holds nothing but the lock and temporary files) is
// restarted with the defaults, which the flags given then override.
func resumeConfig(dir string, stderr io.Writer) (train.Config, error) {
	c := train.Defaults() // settings the file predates keep their defaults
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return c, fmt.Errorf("--resume %s: %v", dir, err)
		}
		if _, serr := os.Stat(dir); serr != nil || !train.HoldsNoRun(dir) {
			return c, fmt.Errorf("--resume %s: not a run directory (no config.json)", dir)
		}
		fmt.Fprintf(stderr, "--resume %s: the run stopped before writing config.json; starting it with the flags given\n", dir)
	} else if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("--resume %s: config.json: %v", dir, err)
	}
	// Init stays: a run without a checkpoint restarts from it.
	c.Resume, c.Out, c.Force = dir, dir, false
	return c, nil
}

// loadHooks loads the plugins a configuration names and sets
// cfg.SourceHash from their sources. With stages but no plugins named, it
// uses Apollo's: lvps, interpolate, interpolate (with a plan plugin, only
// the interpolate expander); "none" names no plugin
// (e.g. --sampler none --share none --expander stack for stacking).
func loadHooks(cfg *train.Config) (train.Hooks, error) {
	if len(cfg.Stages) > 1 {
		if cfg.Plan != "" && cfg.Plan != "none" {
			cfg.Progressive("", "", "interpolate") // the plan replaces sampler and share map
		} else {
			cfg.Progressive("lvps", "interpolate", "interpolate")
		}
	}
	return new(script.Loader).LoadHooks(cfg)
}
