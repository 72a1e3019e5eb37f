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
		cfg.Stages, cfg.StageEnds = stackStages(cfg.Layers)
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

// stackStages returns the stages L/4, L/2, L (dropping those below 1 and
// merging equal neighbours) and their boundaries, 0.25 and 0.5.
func stackStages(l int) ([]int, []float64) {
	cand := []int{l / 4, l / 2, l}
	candEnds := []float64{0.25, 0.5, 1}
	var stages []int
	var ends []float64
	for i, n := range cand {
		if n < 1 {
			continue
		}
		if k := len(stages); k > 0 && stages[k-1] == n {
			ends[k-1] = candEnds[i]
			continue
		}
		stages = append(stages, n)
		ends = append(ends, candEnds[i])
	}
	return stages, ends[:len(ends)-1]
}
