//go:build ignore

// The main comparison: the baseline and Apollo trained on the shipped data
// at the same FLOPs budget (that of --set steps=N full-depth steps), then
// the comparison table, compare.md and the plots of validation loss
// against FLOPs and time, all in the experiment directory.
//
//	workbench run scripts/main.go [--set steps=200,seed=1,...] [--out DIR]
package main

import (
	"fmt"

	"workbench/core/wb"
)

func main() {
	cfg := wb.Config()
	cfg.Steps = wb.Int("steps", 200)

	base := cfg
	base.Name, base.Method = "baseline", "baseline"
	b, err := wb.Train(base)
	wb.Check(err)

	apollo := cfg
	apollo.Name, apollo.Method = "apollo", "apollo"
	apollo = wb.Progressive(apollo, "lvps", "interpolate", "interpolate")
	a, err := wb.Train(wb.SameBudget(apollo))
	wb.Check(err)

	c, err := wb.Compare(b.Dir, a.Dir)
	wb.Check(err)
	for _, r := range c.Rows {
		if r.Method != "apollo" {
			continue
		}
		if r.Reached {
			fmt.Printf("\nApollo reached the baseline's validation loss %.4f with %.1f%% fewer FLOPs and %.1f%% less time.\n",
				c.Target, 100*r.FlopsSaving, 100*r.WallSaving)
		} else {
			fmt.Printf("\nApollo did not reach the baseline's validation loss %.4f (its final: %.4f).\n", c.Target, r.FinalValLoss)
		}
	}
}
