//go:build ignore

// MSLT (multi-stage layerwise training): the model grows on top with the
// stack expander (new top blocks are copies of the existing ones, bottom
// to top), and until the last stage only the blocks added by the latest
// expansion train (freeze); the last stage trains everything. It executes
// its real layers, is evaluated at its native depth, and has the FLOPs
// budget of a full-depth run of --set steps=N steps. Stages as in
// scripts/stack.go: L/4, L/2, L at 25% and 50% of the budget.
//
//	workbench run scripts/mslt.go [--set steps=600,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "mslt")
	if len(cfg.Stages) == 0 {
		cfg.Stages, cfg.StageEnds = wb.StackStages(cfg.Layers)
	}
	// Without a sampler or share map every step executes the real layers.
	if cfg.Expander == "" {
		cfg.Expander = "stack"
	}
	cfg.Freeze = wb.Bool("freeze", true)
	cfg.EvalDepth = wb.String("eval-depth", "native")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
