//go:build ignore

// Apollo's sampler on BERT: Apollo with the tunable sampler lvpsk (p(l) ∝
// 1/(1 + K·(l−N)/(L−N))) at K = 0, 5 and 10 (--set ks=0,5,10; K = 0 is
// uniform over the depths) against the official lvps, each as
// scripts/apollo.go sets it up (interpolation for sharing and growth,
// Apollo's stages), and a full-depth baseline, all BERTs (--set
// arch=bert unless set otherwise) with the FLOPs budget of --set steps=N
// baseline steps. The comparison table gives each run's FLOPs saving (the
// FLOPs to first reach the baseline's final validation loss against the
// baseline's total) and the script prints it beside the final MLM loss on
// the whole validation split, and writes bert_lvpsk.md.
//
//	workbench run scripts/bert_lvpsk.go [--set steps=600,layers=12,ks=0,5,10,...]
package main

import (
	"fmt"
	"strconv"
	"strings"

	"workbench/core/wb"
)

func main() {
	cfg := wb.Config()
	cfg.Arch = wb.String("arch", "bert")
	cfg.Layers = wb.Int("layers", 12)
	var ks []float64
	for _, f := range strings.Split(wb.String("ks", "0,5,10"), ",") {
		k, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || k < 0 {
			wb.Fatalf("--set ks=%s: want non-negative numbers separated by commas", wb.String("ks", ""))
		}
		ks = append(ks, k)
	}

	base := cfg
	base.Name, base.Method = "baseline", "baseline"
	b, err := wb.Train(base)
	wb.Check(err)
	dirs := []string{b.Dir}
	samplers := []string{"lvps"}
	for _, k := range ks {
		samplers = append(samplers, fmt.Sprintf("lvpsk:k=%g", k))
	}
	for _, s := range samplers {
		c := cfg
		c.Name = strings.Replace(strings.Replace(s, ":k=", "", 1), ".", "p", -1)
		c.Method = c.Name
		r, err := wb.Train(wb.SameBudget(wb.Progressive(c, s, "interpolate", "interpolate")))
		wb.Check(err)
		dirs = append(dirs, r.Dir)
	}
	cmp, err := wb.Compare(dirs...)
	wb.Check(err)

	var sb strings.Builder
	sb.WriteString("# Apollo's sampler on BERT\n\n")
	fmt.Fprintf(&sb, "Baseline's final validation loss (the target): %.4f. FLOPs saving: 1 − FLOPs to first reach it / the baseline's FLOPs (—: not reached). MLM loss: the final model on the whole validation split, nats per masked token.\n\n", cmp.Target)
	sb.WriteString("| run | sampler | FLOPs | FLOPs saving | final MLM loss |\n| --- | --- | --: | --: | --: |\n")
	for i, row := range cmp.Rows {
		sampler := "none"
		if i > 0 {
			sampler = samplers[i-1]
		}
		saving := "—"
		if row.Reached {
			saving = fmt.Sprintf("%.1f%%", 100*row.FlopsSaving)
		}
		fmt.Fprintf(&sb, "| %s | %s | %.3g | %s | %.4f |\n", row.Name, sampler, row.Flops, saving, row.ValLoss)
	}
	fmt.Print("\n" + sb.String())
	wb.Check(wb.WriteFile("bert_lvpsk.md", []byte(sb.String())))
}
