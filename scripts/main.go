//go:build ignore

// The main comparison: the baseline and Apollo trained on the shipped data
// at the same FLOPs budget (that of --set steps=N full-depth steps), then
// the comparison table, compare.md and the plots of validation loss
// against FLOPs and time, all in the experiment directory. Both final
// models are also evaluated on a text from another domain (--set
// eval=FILE; default Newton's Queries from Opticks beside the shipped
// corpus, datasets/opticks-queries.txt, see datasets/README.md).
//
//	workbench run scripts/main.go [--set steps=200,seed=1,eval=FILE,...] [--out DIR]
package main

import (
	"fmt"
	"path/filepath"

	"workbench/core/wb"
)

func main() {
	cfg := wb.Config()
	cfg.Steps = wb.Int("steps", 200)
	other := wb.String("eval", filepath.Join(wb.ScriptDir(), "..", "datasets", "opticks-queries.txt"))

	base := cfg
	base.Name, base.Method = "baseline", "baseline"
	b, err := wb.Train(base)
	wb.Check(err)

	apollo := cfg
	apollo.Name, apollo.Method = "apollo", "apollo"
	apollo = wb.Progressive(apollo, "lvps", "interpolate", "interpolate")
	a, err := wb.Train(wb.SameBudget(apollo))
	wb.Check(err)

	c, err := wb.CompareWith(wb.CompareOptions{Eval: []string{other}}, b.Dir, a.Dir)
	wb.Check(err)
	var baseRow, apolloRow wb.ComparisonRow
	for _, r := range c.Rows {
		if r.Method == "apollo" {
			apolloRow = r
		} else {
			baseRow = r
		}
	}
	inDomain := fmt.Sprintf("Apollo did not reach the baseline's validation loss %.4f (its final: %.4f)", c.Target, apolloRow.FinalValLoss)
	if apolloRow.Reached {
		inDomain = fmt.Sprintf("Apollo reached the baseline's validation loss %.4f with %s and %s",
			c.Target, percent(apolloRow.FlopsSaving, "fewer FLOPs", "more FLOPs"), percent(apolloRow.WallSaving, "less time", "more time"))
	}
	verdict := "does not beat"
	if apolloRow.EvalBitsPerByte[0] < baseRow.EvalBitsPerByte[0] {
		verdict = "also beats"
	}
	fmt.Printf("\n%s; out of domain (%s) it %s the baseline: %.4f against %.4f bits per byte.\n",
		inDomain, filepath.Base(other), verdict, apolloRow.EvalBitsPerByte[0], baseRow.EvalBitsPerByte[0])
}

// percent formats a saving as a positive percentage with the words for a
// saving or a loss.
func percent(saving float64, less, more string) string {
	if saving < 0 {
		return fmt.Sprintf("%.1f%% %s", -100*saving, more)
	}
	return fmt.Sprintf("%.1f%% %s", 100*saving, less)
}
