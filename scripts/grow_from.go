//go:build ignore

// Growing from a trained model against training from scratch: a model of
// small-layers layers (default L/2, at least 1) is trained on
// small-frac of the budget (default 0.25), then grown to the target depth
// by the expander (default stack) and trained on; the baseline trains the
// target depth from scratch. Both get the FLOPs budget of a full-depth run
// of --set steps=N steps. With count-small=true (the default) the small
// model's FLOPs are spent from the grown run's budget, an equal-compute
// comparison; count-small=false compares against a pretrained small model
// given for free, as bert2BERT and G_stack's "from a pretrained model"
// comparisons do. The comparison says which.
//
//	workbench run scripts/grow_from.go [--set steps=600,small-layers=2,count-small=false,...]
package main

import "workbench/core/wb"

func main() {
	cfg := wb.Config()
	budget := wb.SameBudget(cfg).FlopsBudget

	base := cfg
	base.Name, base.Method = "baseline", "baseline"
	b, err := wb.Train(base)
	wb.Check(err)

	small := cfg
	small.Name, small.Method = "small", "small"
	small.Layers = wb.Int("small-layers", cfg.Layers/2)
	if small.Layers < 1 {
		small.Layers = 1
	}
	small.FlopsBudget = budget * wb.Float("small-frac", 0.25)
	s, err := wb.Train(wb.SameBudget(small))
	wb.Check(err)

	grown := cfg
	grown.Name = "grown"
	grown.Method = wb.String("method", "grown")
	grown.GrowFrom = s.Dir
	grown.GrowFromFlops = wb.Bool("count-small", true)
	if grown.Expander == "" {
		grown.Expander = "stack"
	}
	grown.OptState = wb.String("opt-state", "reset")
	grown.FlopsBudget = budget
	g, err := wb.Train(wb.SameBudget(grown))
	wb.Check(err)

	_, err = wb.Compare(b.Dir, g.Dir)
	wb.Check(err)
}
