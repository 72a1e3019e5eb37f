//go:build ignore

// Progressive Layer Dropping (Zhang and He, NeurIPS 2020) with DeepSpeed's
// defaults, theta_min 0.5 and gamma 0.001 per optimizer step: layer i of L
// is kept with probability 1 - (i/L)(1 - theta(t)), theta(t) =
// (1 - 0.5)·exp(-0.001·t) + 0.5, t the steps done. With the FLOPs budget of
// a full-depth run of --set steps=N steps. Runs of a few hundred steps end
// with theta near 0.8; --set plan=pld:horizon=5000 makes the decay follow
// the fraction of training as if it lasted 5000 steps.
//
//	workbench run scripts/pld.go [--set steps=600,plan=pld:gamma=0.005,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "pld")
	if cfg.Plan == "" {
		cfg.Plan = "pld"
	}
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
