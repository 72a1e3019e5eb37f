//go:build ignore

// Ablation of Apollo: every micro-batch executes the full target depth L through the share map (sampler full), so each stage trains its N real blocks as an L-deep weight-shared model; otherwise as scripts/apollo.go.
//
//	workbench run scripts/full.go [--set steps=600,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "full")
	cfg = wb.Progressive(cfg, "full", "interpolate", "interpolate")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
