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
	if len(cfg.Stages) == 0 {
		cfg.Stages, cfg.StageEnds = wb.DefaultStages(cfg.Layers)
	}
	// Without a sampler every step executes the real layers, through the
	// share map's identity Share(N, N). The share map is only used to log
	// the full-depth validation loss before and after each expansion
	// (events.jsonl), which the trainer requires.
	if cfg.ShareMap == "" {
		cfg.ShareMap = "interpolate"
	}
	if cfg.Expander == "" {
		cfg.Expander = "interpolate"
	}
	cfg.EvalDepth = wb.String("eval-depth", "native")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
