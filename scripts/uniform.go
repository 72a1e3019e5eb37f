//go:build ignore

// Ablation of Apollo: depths sampled uniformly on [N, L] (sampler uniform) instead of LVPS; otherwise as scripts/apollo.go.
//
//	workbench run scripts/uniform.go [--set steps=600,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "uniform")
	cfg = wb.Progressive(cfg, "uniform", "interpolate", "interpolate")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
