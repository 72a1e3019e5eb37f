//go:build ignore

// The paper's BERT comparison at equal compute: a full-depth baseline,
// Apollo (lvps, interpolation), StackBERT-style stacking and MSLT, each
// set up as its own script (scripts/apollo.go, stack.go, mslt.go) and,
// but for the baseline, given the FLOPs of --set steps=N baseline steps;
// BERTs (--set arch=bert unless set otherwise) of --set layers=12, with
// --set seeds=3 seeds each. The comparison table (compare.md), the plots
// of validation (MLM) loss against FLOPs and time, and the FLOPs saving
// of each method against the baseline are in the experiment directory.
//
//	workbench run scripts/bert_compare.go [--set steps=600,layers=12,seeds=3,...]
package main

import (
	"fmt"

	"workbench/core/wb"
)

func main() {
	cfg := wb.Config()
	cfg.Arch = wb.String("arch", "bert")
	cfg.Layers = wb.Int("layers", 12)
	seeds := wb.Int("seeds", 3)
	if seeds < 1 {
		wb.Fatalf("--set seeds=%d: want at least 1", seeds)
	}
	var dirs []string
	for seed := 1; seed <= seeds; seed++ {
		for _, m := range []string{"baseline", "apollo", "stack", "mslt"} {
			c := cfg
			c.Seed = uint64(seed)
			c.Method = m
			c.Name = fmt.Sprintf("%s-s%d", m, seed)
			switch m {
			case "apollo":
				c = wb.Progressive(c, "lvps", "interpolate", "interpolate")
			case "stack":
				c.Stages, c.StageEnds = wb.StackStages(c.Layers)
				c.Expander, c.OptState, c.EvalDepth = "stack", "reset", "native"
			case "mslt":
				c.Stages, c.StageEnds = wb.StackStages(c.Layers)
				c.Expander, c.Freeze, c.EvalDepth = "stack", true, "native"
			}
			if m != "baseline" {
				c = wb.SameBudget(c)
			}
			r, err := wb.Train(c)
			wb.Check(err)
			dirs = append(dirs, r.Dir)
		}
	}
	_, err := wb.Compare(dirs...)
	wb.Check(err)
}
