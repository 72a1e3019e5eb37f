//go:build ignore

// MIDAS (Saunshi et al., NeurIPS 2024): gradual stacking that copies the
// middle block of layers. Stages L/3, L/2, 2L/3, 5L/6 and L layers (equal
// stages merge; 2,3,4,5,6 for L = 6 and 4,6,8,10,12 for L = 12) ending at
// 15%, 30%, 45% and 60% of the FLOPs budget of a full-depth run of --set
// steps=N steps; each growth inserts a copy of the middle block of the size
// it adds (the midas expander). Only the real layers run, the optimizer
// state is reset at each growth, and the model is evaluated at its native
// depth.
//
//	workbench run scripts/midas.go [--set steps=600,stages=...,stage-ends=...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "midas")
	if len(cfg.Stages) == 0 {
		cfg.Stages, cfg.StageEnds = wb.MIDASStages(cfg.Layers)
	}
	if cfg.Expander == "" {
		cfg.Expander = "midas"
	}
	cfg.OptState = wb.String("opt-state", "reset")
	cfg.EvalDepth = wb.String("eval-depth", "native")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
