//go:build ignore

// G_stack (Du et al., NeurIPS 2024): train a model of L/4 layers (at least
// 1), then stack its whole layer list 4 times at once to the target depth
// (the stack expander: 6 → 24 copies [0..5] four times), at 25% of the FLOPs
// budget of a full-depth run of --set steps=N steps. Only the real layers
// run (no sampler), the optimizer state is reset at the growth, and the
// model is evaluated at its native depth.
//
//	workbench run scripts/gstack.go [--set steps=600,layers=24,stages=6,24,stage-ends=0.2,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "gstack")
	if len(cfg.Stages) == 0 {
		small := cfg.Layers / 4
		if small < 1 {
			small = 1
		}
		if small < cfg.Layers {
			cfg.Stages, cfg.StageEnds = []int{small, cfg.Layers}, []float64{0.25}
		}
	}
	if cfg.Expander == "" {
		cfg.Expander = "stack"
	}
	cfg.OptState = wb.String("opt-state", "reset")
	cfg.EvalDepth = wb.String("eval-depth", "native")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
