package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"workbench/core/report"
)

func init() {
	register("compare", "compare runs: FLOPs and time to reach the baseline's loss, tables and plots", runCompare)
}

const compareUsage = "usage: workbench compare [--ref METHOD] [--target LOSS] [--eval FILE[,FILE...]] [--out DIR] DIR..."

// runCompare implements "workbench compare": it loads the run directories,
// prints the comparison table and writes compare.md and the plots.
func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ref := fs.String("ref", "", "reference `METHOD`: its runs give the target and the savings' denominators (default \"baseline\"); a value with a path separator names one reference run directory")
	eval := fs.String("eval", "", "comma-separated text `FILE`s to evaluate every run's final model on, as workbench eval does (cached in the run directories)")
	target := fs.Float64("target", 0, "target validation `LOSS` (default: the reference's final validation loss, averaged over its runs)")
	out := fs.String("out", "", "`DIR` to write compare.md and the plots into (default: the common parent of the runs)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, compareUsage)
		fmt.Fprintln(stderr, "\nCompares training runs: for each, the FLOPs and wall time to first reach the")
		fmt.Fprintln(stderr, "target validation loss, and the savings against the reference's totals.")
		fmt.Fprintln(stderr, "A DIR is a run directory or an experiment directory (workbench run --out),")
		fmt.Fprintln(stderr, "which stands for the runs in it. Prints a table and writes compare.md,")
		fmt.Fprintln(stderr, "loss_vs_flops.png|svg and loss_vs_wall.png|svg.\n\nflags:")
		fs.PrintDefaults()
	}
	dirs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	targetSet := false
	fs.Visit(func(f *flag.Flag) { targetSet = targetSet || f.Name == "target" })
	if targetSet && (!(*target > 0) || math.IsInf(*target, 0)) {
		return fmt.Errorf("--target: want a positive loss, got %v", *target)
	}
	if len(dirs) == 0 {
		return errors.New("no run directories given (" + compareUsage + ")")
	}
	var evalFiles []string
	if *eval != "" {
		for _, f := range strings.Split(*eval, ",") {
			if f == "" {
				return fmt.Errorf("--eval: empty file name in %q (want FILE[,FILE...])", *eval)
			}
			evalFiles = append(evalFiles, f)
		}
	}
	var runDirs []string
	for _, d := range dirs {
		rd, err := report.RunDirs(d)
		if err != nil {
			return err
		}
		runDirs = append(runDirs, rd...)
	}
	dirs = runDirs

	seen := map[string]int{}
	for i, d := range dirs {
		key, err := filepath.Abs(d)
		if err != nil {
			return err
		}
		if j, dup := seen[key]; dup {
			return fmt.Errorf("run directory %s given twice (as %s and %s)", key, dirs[j], d)
		}
		seen[key] = i
	}
	opt := report.Options{Target: *target}
	refIndex := -1
	if strings.ContainsRune(*ref, '/') || strings.ContainsRune(*ref, filepath.Separator) {
		key, err := filepath.Abs(*ref)
		if err != nil {
			return err
		}
		i, ok := seen[key]
		if !ok {
			i = len(dirs)
			dirs = append(dirs, *ref)
		}
		refIndex = i
	} else {
		opt.RefMethod = *ref
	}

	runs := make([]*report.Run, len(dirs))
	for i, d := range dirs {
		r, err := report.Load(d)
		if err != nil {
			return err
		}
		for _, w := range r.Warnings {
			fmt.Fprintln(stderr, "workbench compare: warning: "+w)
		}
		runs[i] = r
	}
	if refIndex >= 0 {
		opt.Ref = runs[refIndex]
	}
	// Check the reference before the evaluations, which take a while.
	c, err := report.Compare(runs, opt)
	if err == nil && len(evalFiles) > 0 {
		if err = report.EvalFiles(runs, evalFiles, stderr); err != nil {
			return fmt.Errorf("--eval: %v", err)
		}
		c, err = report.Compare(runs, opt)
	}
	if err != nil {
		if *ref == "" && !targetSet {
			err = fmt.Errorf("%v; use --ref METHOD or --target LOSS", err)
		}
		return err
	}
	if *out == "" {
		if *out, err = report.CommonDir(dirs); err != nil {
			return fmt.Errorf("--out: %v", err)
		}
	}
	if err := c.WriteText(stdout); err != nil {
		return err
	}
	written, err := c.WriteFiles(*out)
	if err != nil {
		return err
	}
	names := make([]string, len(written))
	for i, w := range written {
		names[i] = filepath.Base(w)
	}
	fmt.Fprintf(stderr, "wrote %s in %s\n", strings.Join(names, ", "), *out)
	return nil
}

// parseInterleaved parses args with fs, allowing flags both before and
// after the positional arguments, which it returns. After "--" every
// argument is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
