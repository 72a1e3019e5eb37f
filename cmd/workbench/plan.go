package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"workbench/core/wb/host"
)

func init() {
	register("plan", "write the plan of every run an experiment script starts, for a replay at scale (see docs/scale-out.md)", planScript)
}

const planUsage = "usage: workbench plan SCRIPT.go [--set key=value ...] --out DIR [--batches] [--unrestricted]"

// planScript implements "workbench plan": the script runs with the engine
// switched off, and each run it starts writes DIR/<run name>/ with
// config.json, plan.jsonl and init.safetensors.
func planScript(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var set setFlags
	fs.Var(&set, "set", "parameter `key=value` (repeatable; several separated by commas): the script's own parameters and the flags of workbench train")
	out := fs.String("out", "", "plan `DIR`: each run's plan goes into DIR/<run name> (required)")
	batches := fs.Bool("batches", false, "also write the training windows (offsets into the training tokens; BERT: the masked sequences and labels) of every micro-batch, for an exact replay")
	unrestricted := fs.Bool("unrestricted", false, "let the script and its plugins use the whole standard library")
	fs.Usage = func() {}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, planUsage)
			fmt.Fprintln(stdout, "\nRuns an experiment script without training: every run it starts writes a plan")
			fmt.Fprintln(stdout, "(config.json, plan.jsonl, init.safetensors) that scale/replay.py executes.")
			fmt.Fprintln(stdout, "See docs/scale-out.md.\n\nflags:")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("%v (run \"workbench plan -h\" for the flags)", err)
	}
	if len(pos) != 1 {
		return errors.New("want one script (" + planUsage + ")")
	}
	if *out == "" {
		return errors.New("--out DIR is required (" + planUsage + ")")
	}
	return host.Run(context.Background(), pos[0], host.Options{
		Dir: *out, Set: set, Unrestricted: *unrestricted, Plan: true, PlanBatches: *batches, Stdout: stdout, Stderr: stderr,
	})
}
