package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
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
	bindTrainFlags(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stderr, "training %s: %d layers, d=%d, %d heads, seq %d, batch %d, %.2fM parameters, %d steps -> %s\n",
		cfg.Method, cfg.Layers, cfg.Dim, cfg.Heads, cfg.Seq, cfg.Batch, float64(t.Model.Config.NumParams())/1e6, cfg.Steps, r.Dir)
	err = r.Run(ctx)
	if errors.Is(err, train.ErrInterrupted) {
		return fmt.Errorf("interrupted at step %d; the model and logs so far are in %s", r.Step, r.Dir)
	}
	return err
}

// loadHooks loads the plugins a configuration names. With stages but no
// plugins named, it uses Apollo's: lvps, interpolate, interpolate.
func loadHooks(cfg *train.Config) (train.Hooks, error) {
	var h train.Hooks
	progressive := len(cfg.Stages) > 1
	if progressive {
		if cfg.Sampler == "" {
			cfg.Sampler = "lvps"
		}
		if cfg.ShareMap == "" {
			cfg.ShareMap = "interpolate"
		}
		if cfg.Expander == "" {
			cfg.Expander = "interpolate"
		}
	}
	var errs []error
	if cfg.Sampler != "" {
		p, err := script.LoadSampler(cfg.Sampler)
		errs = append(errs, err)
		if err == nil {
			h.Sample = p.Sample
		}
	}
	if cfg.ShareMap != "" {
		p, err := script.LoadShareMap(cfg.ShareMap)
		errs = append(errs, err)
		if err == nil {
			h.Share = p.Share
		}
	}
	if cfg.Expander != "" {
		p, err := script.LoadExpander(cfg.Expander)
		errs = append(errs, err)
		if err == nil {
			h.Expand = p.Expand
		}
	}
	return h, errors.Join(errs...)
}
