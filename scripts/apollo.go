//go:build ignore

// Apollo: the official low-value-prioritized sampler (lvps), interpolation
// for weight sharing and growth, optimizer state kept at expansions, on
// Apollo's default stage schedule, with the FLOPs budget of a full-depth run
// of --set steps=N steps: it takes more, cheaper steps than the baseline.
//
//	workbench run scripts/apollo.go [--set steps=600,stages=1,3,6,stage-ends=0.1,0.25,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "apollo")
	cfg = wb.Progressive(cfg, "lvps", "interpolate", "interpolate")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
