//go:build ignore

// Ablation of Apollo: growth by interpolation on Apollo's stage schedule,
// but no depth sampling and no weight sharing: each stage executes its
// real layers only (and is evaluated at that depth). Same FLOPs budget as
// a full-depth run of --set steps=N steps.
//
//	workbench run scripts/nosample.go [--set steps=600,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "nosample")
	// No sampler: every step executes the real layers. The share map
	// only serves the full-depth losses logged at each expansion.
	cfg = wb.Progressive(cfg, "", "interpolate", "interpolate")
	cfg.EvalDepth = wb.String("eval-depth", "native")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
