//go:build ignore

// Ablation of Apollo: LVPS with stacking instead of interpolation. The
// model grows with the stack expander (blocks repeated bottom to top), and
// a sampled depth runs the real blocks in the same stacked order (the
// share map plugins/sharemaps/stack, the rule of the stack expander), so
// an expansion keeps the function the model computed at full depth. Same
// stages, optimizer state and FLOPs budget as scripts/apollo.go.
//
//	workbench run scripts/apollo_stack.go [--set steps=600,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "apollo_stack")
	cfg = wb.Progressive(cfg, "lvps", "stack", "stack")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
