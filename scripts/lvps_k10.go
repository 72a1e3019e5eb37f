//go:build ignore

// Apollo with the tunable sampler lvpsk (p(l) ∝ 1/(1 + K·(l−N)/(L−N)))
// at K = 10 instead of the official lvps; otherwise as scripts/apollo.go.
// --set k=40 changes K (40 is the closest to lvps at 12 layers).
//
//	workbench run scripts/lvps_k10.go [--set k=10,steps=600,...]
package main

import (
	"fmt"

	"workbench/core/wb"
)

func main() {
	cfg := wb.Config()
	k := wb.Float("k", 10)
	cfg.Method = wb.String("method", fmt.Sprintf("lvpsk%g", k))
	cfg = wb.Progressive(cfg, fmt.Sprintf("lvpsk:k=%g", k), "interpolate", "interpolate")
	res, err := wb.Train(wb.SameBudget(cfg))
	wb.Check(err)
	wb.Logf("%v", res)
}
