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

const compareUsage = "usage: workbench compare [--ref DIR] [--target LOSS] [--out DIR] DIR..."

// runCompare implements "workbench compare": it loads the run directories,
// prints the comparison table and writes compare.md and the plots.
func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ref := fs.String("ref", "", "reference run `DIR` (default: the runs whose method is \"baseline\")")
	target := fs.Float64("target", 0, "target validation `LOSS` (default: the reference's final validation loss, averaged over its runs)")
	out := fs.String("out", "", "`DIR` to write compare.md and the plots into (default: the common parent of the runs)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, compareUsage)
		fmt.Fprintln(stderr, "\nCompares training runs: for each, the FLOPs and wall time to first reach the")
		fmt.Fprintln(stderr, "target validation loss, and the savings against the reference's totals.")
		fmt.Fprintln(stderr, "Prints a table and writes compare.md, loss_vs_flops.png|svg and")
		fmt.Fprintln(stderr, "loss_vs_wall.png|svg.\n\nflags:")
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
	refIndex := -1
	if *ref != "" {
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
	opt := report.Options{Target: *target}
	if refIndex >= 0 {
		opt.Ref = runs[refIndex]
	}
	c, err := report.Compare(runs, opt)
	if err != nil {
		if refIndex < 0 && !targetSet {
			err = fmt.Errorf("%v; use --ref DIR or --target LOSS", err)
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
