//go:build ignore

// One-layer expansion (Bu, 2025, arXiv 2511.04981): train a single layer
// for 80% of the FLOPs budget of a full-depth run of --set steps=N steps,
// then copy it into every layer of the target depth at once (the stack
// expander, which for one layer is every expander), with a
// warmup-stable-decay learning rate whose decay takes the last 20% of
// training, after the expansion. Only the real layers run, the optimizer
// state is reset at the expansion, and the model is evaluated at its
// native depth.
//
//	workbench run scripts/onelayer.go [--set steps=600,stage-ends=0.7,decay-frac=0.3,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "onelayer")
	if len(cfg.Stages) == 0 && cfg.Layers > 1 {
		cfg.Stages, cfg.StageEnds = []int{1, cfg.Layers}, []float64{0.8}
	}
	if cfg.Expander == "" {
		cfg.Expander = "stack"
	}
	cfg.Schedule = wb.String("schedule", "wsd")
	cfg.DecayFrac = wb.Float("decay-frac", 0.2)
	cfg.OptState = wb.String("opt-state", "reset")
	cfg.EvalDepth = wb.String("eval-depth", "native")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
