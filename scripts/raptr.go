//go:build ignore

// RaPTr (Panigrahi et al., ICLR 2024): the whole model from the start, each
// micro-batch training a random sub-path of its layers (first and last
// always in it, order kept) whose length grows in four equal phases of
// training: L/2, 2L/3, 5L/6 and L layers (3,4,5,6 for L = 6), with the
// FLOPs budget of a full-depth run of --set steps=N steps.
//
//	workbench run scripts/raptr.go [--set steps=600,plan=raptr:lengths=2/4/6,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	cfg.Method = wb.String("method", "raptr")
	if cfg.Plan == "" {
		cfg.Plan = "raptr"
	}
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
