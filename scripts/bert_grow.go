//go:build ignore

// Growing a trained BERT, the setting of the paper's expansion figure: a
// BERT of --set from=N layers (default layers/2, 6 of 12) trains for
// --set small-steps=S steps (default 2000) until it has left the unigram
// plateau; then three runs start from it (--grow-from) and train
// --set steps=M steps (default 300) each: one grown to --set layers=L by
// stacking (blocks 0..N-1, then 0..N-1 again), one grown by interpolation
// (each block next to its copy: 0 0 1 1 ...), and a control that goes on
// at N layers. The three draw the same batches (same seed), so their
// training loss at step 1 is the loss of the freshly grown (or untouched)
// model on one and the same batch before any update: the growth
// operator's own effect, free of batch noise. The script plots the
// training loss and the gradient norm of the three against the step
// (grow_train_loss, grow_grad_norm, PNG and SVG) and prints, for each
// run, the value at step 1, the mean over the first --set window=W steps
// (default steps/10) and the mean over the last W, and writes the
// comparison table (compare.md, the control first). The paper reports a
// spike in the training loss after stacking and none after interpolation.
//
// Unlike bert_expand.go, where the expansion happens inside one run with
// its optimizer state and learning-rate schedule, each grown run here
// starts a new AdamW and schedule (--warmup applies), as growing a
// released checkpoint does; the control shows what that restart alone
// costs.
//
//	workbench run scripts/bert_grow.go [--set small-steps=2000,steps=300,layers=12,from=6,...]
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
	if from < 1 || from >= cfg.Layers {
		wb.Fatalf("--set from=%d: want 1 to layers-1 = %d", from, cfg.Layers-1)
	}
	smallSteps := wb.Int("small-steps", 2000)
	if smallSteps < 1 {
		wb.Fatalf("--set small-steps=%d: want at least 1", smallSteps)
	}
	window := wb.Int("window", cfg.Steps/10)
	if window < 1 {
		window = 1
	}

	small := cfg
	small.Name = fmt.Sprintf("small%d", from)
	small.Method = "small"
	small.Layers, small.Steps = from, smallSteps
	small.EvalEvery = smallSteps / 12
	if small.EvalEvery < 1 {
		small.EvalEvery = 1
	}
	s, err := wb.Train(small)
	wb.Check(err)

	var dirs []string
	for _, r := range []struct{ name, expander string }{
		{fmt.Sprintf("continue%d", from), ""},
		{"stacking", "stack"},
		{"interpolation", "interpolate"},
	} {
		c := cfg
		c.Name, c.Method = r.name, r.name
		c.GrowFrom = s.Dir
		if r.expander == "" {
			c.Layers = from
		} else {
			c.Expander = r.expander
		}
		g, err := wb.Train(c)
		wb.Check(err)
		dirs = append(dirs, g.Dir)
	}
	_, err = wb.Compare(dirs...)
	wb.Check(err)

	fmt.Printf("\nFrom %s (%d layers, %d steps); step 1 is the same batch in every run.\n", s.Dir, from, smallSteps)
	for _, metric := range []string{"train_loss", "grad_norm"} {
		curves, err := wb.PlotSteps("grow_"+metric, metric, 1, 0, dirs...)
		wb.Check(err)
		if len(curves[0].Steps) == 0 {
			return // planned, not trained (workbench plan)
		}
		for _, c := range curves {
			w := summarize(c, window)
			fmt.Printf("%-13s %-10s step 1 %.4f; mean of the first %d steps %.4f, of the last %d %.4f\n", c.Name, metric, w.first, window, w.early, window, w.late)
		}
	}
}

// stats are a metric's value at the first logged step and its means over
// the first and the last steps of a run.
type stats struct {
	first, early, late float64
}

// summarize returns c's stats with windows of w steps. (No named results:
// the interpreter keeps their values from one call to the next.)
func summarize(c wb.StepCurve, w int) stats {
	n := len(c.Values)
	if w > n {
		w = n
	}
	st := stats{first: c.Values[0]}
	for i := 0; i < w; i++ {
		st.early += c.Values[i] / float64(w)
		st.late += c.Values[n-w+i] / float64(w)
	}
	return st
}
