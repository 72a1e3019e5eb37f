//go:build ignore

// Baseline: the model trained at full depth for --set steps=N steps (600
// by default, the defaults of workbench train).
//
//	workbench run scripts/baseline.go [--set steps=600,layers=6,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "baseline")
	res, err := wb.Train(cfg)
	wb.Check(err)
	wb.Logf("%v", res)
}
