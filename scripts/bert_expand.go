//go:build ignore

// BERT's 6 → 12 expansion by stacking against interpolation (Apollo, Pan
// et al. 2024, on BERT): two BERTs (--set arch=bert unless set otherwise)
// train their first half (--set at=0.5) with half the target layers
// (--set from=N; default layers/2, 6 of 12), then grow to all layers,
// one by stacking (the new blocks are copies of the old ones, in order:
// 0..5 then 0..5 again) and one by interpolation (each old block copied
// next to itself: 0 0 1 1 ... 5 5). Both execute their real layers (no
// sampler, no weight sharing), keep the optimizer state with its slot and
// take the same steps, so that the growth operator is the only
// difference. The script plots the training loss and the gradient norm
// against the step in a window of --set window=W steps (default steps/10)
// on each side of the expansion (expand_train_loss and expand_grad_norm,
// PNG and SVG; train_loss has the whole runs), writes the comparison
// table and prints, for each run and each metric, the mean over the W
// steps before the expansion and, after it, the value at the first step,
// the mean and the largest value. The two runs draw the same batches (same
// seed), so the first step after the expansion is the same batch for
// both, and its training loss is that of the freshly grown model before
// any update: the growth operator's own effect, free of batch noise. The
// paper reports a spike in the training loss after stacking and none
// after interpolation.
//
//	workbench run scripts/bert_expand.go [--set steps=600,layers=12,from=6,at=0.5,window=60,...]
package main

import (
	"fmt"

	"workbench/core/wb"
)

func main() {
	cfg := wb.Config()
	cfg.Arch = wb.String("arch", "bert")
	cfg.Layers = wb.Int("layers", 12)
	from := wb.Int("from", cfg.Layers/2)
	at := wb.Float("at", 0.5)
	if from < 1 || from >= cfg.Layers {
		wb.Fatalf("--set from=%d: want 1 to layers-1 = %d", from, cfg.Layers-1)
	}
	if at <= 0 || at >= 1 {
		wb.Fatalf("--set at=%g: want a fraction of training in (0, 1)", at)
	}
	cfg.Stages, cfg.StageEnds = []int{from, cfg.Layers}, []float64{at}
	cfg.EvalDepth = "native"
	window := wb.Int("window", cfg.Steps/10)
	if window < 2 {
		window = 2
	}

	var dirs []string
	for _, m := range []struct{ name, expander string }{{"stacking", "stack"}, {"interpolation", "interpolate"}} {
		c := cfg
		c.Name, c.Method, c.Expander = m.name, m.name, m.expander
		r, err := wb.Train(c)
		wb.Check(err)
		dirs = append(dirs, r.Dir)
	}
	_, err := wb.Compare(dirs...)
	wb.Check(err)

	// The expansion's step, as the runs logged it.
	all, err := wb.PlotSteps("train_loss", "train_loss", 0, 0, dirs...)
	wb.Check(err)
	if len(all[0].Steps) == 0 {
		return // planned, not trained (workbench plan)
	}
	if len(all[0].Expansions) == 0 {
		wb.Fatalf("run %s logged no expansion", all[0].Name)
	}
	step := all[0].Expansions[0]
	lo, hi := step-window, step+window
	if lo < 1 {
		lo = 1
	}
	fmt.Printf("\nExpansion %d → %d layers after step %d; window %d steps on each side.\n", from, cfg.Layers, step, window)
	for _, metric := range []string{"train_loss", "grad_norm"} {
		curves, err := wb.PlotSteps("expand_"+metric, metric, lo, hi, dirs...)
		wb.Check(err)
		for _, c := range curves {
			w := around(c, step)
			fmt.Printf("%-13s %-10s mean %.4f before; after: first %.4f, mean %.4f, max %.4f\n", c.Name, metric, w.before, w.first, w.mean, w.max)
		}
	}
}

// window summarises a metric on the two sides of an expansion: its mean
// over the steps up to it, and its value at the first step after it, mean
// and largest value over the steps after it.
type window struct {
	before, first, mean, max float64
}

// around returns the window of c around the expansion after step. (No
// named results: the interpreter keeps their values from one call to the
// next.)
func around(c wb.StepCurve, step int) window {
	w := window{max: -1e300}
	nb, na := 0, 0
	for i, s := range c.Steps {
		v := c.Values[i]
		if s <= step {
			w.before += v
			nb++
			continue
		}
		if na == 0 {
			w.first = v
		}
		w.mean += v
		na++
		if v > w.max {
			w.max = v
		}
	}
	if nb > 0 {
		w.before /= float64(nb)
	}
	if na > 0 {
		w.mean /= float64(na)
	}
	return w
}
