//go:build ignore

// StackBERT-style progressive stacking: the model doubles its depth by
// copying its blocks on top of themselves (the stack expander), executes
// only its real layers (no sampler, no weight sharing), resets the
// optimizer state at each expansion and is evaluated at its native depth,
// with the FLOPs budget of a full-depth run of --set steps=N steps.
//
// Stages: L/4 (at least 1), L/2 and L real layers, switching at 25% and 50%
// of the budget (equal stages merge): 1,3,6 at 0.25,0.5 for L = 6;
// 3,6,12 at 0.25,0.5 for L = 12. --set stages=...,stage-ends=... overrides.
//
//	workbench run scripts/stack.go [--set steps=600,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "stack")
	if len(cfg.Stages) == 0 {
		cfg.Stages, cfg.StageEnds = wb.StackStages(cfg.Layers)
	}
	// Without a sampler or share map every step executes the real layers.
	if cfg.Expander == "" {
		cfg.Expander = "stack"
	}
	cfg.OptState = wb.String("opt-state", "reset")
	cfg.EvalDepth = wb.String("eval-depth", "native")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
