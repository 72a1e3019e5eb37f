//go:build ignore

// The budget sweep: every method at several FLOPs budgets and seeds, and
// the FLOPs saving each reaches against the baseline of the same budget
// and seed. A budget is that of a full-depth run of N steps;
// budgets=10,32,100 (the default) spans a 10× range. For each budget and
// seed the baseline trains N steps, every other method the same FLOPs
// (wb.SameBudget), set up as its own script does: Apollo (lvps,
// interpolate), stacking, MSLT, G_stack, MIDAS, one-layer expansion with
// WSD, RaPTr and PLD. Every run is evaluated every N/evals steps (evals=8;
// --set eval-every=K fixes it), so that every budget's curves have about
// the same resolution. Each budget and seed's runs are compared
// (wb.Compare); then wb.BudgetSweep writes budget_sweep.md, the mean FLOPs
// saving per method and budget over the seeds that reached the baseline's
// final validation loss, and the plot saving_vs_budget.png/.svg into the
// experiment directory.
//
//	workbench run scripts/budget_sweep.go [--set budgets=10,32,100,seeds=2,evals=8,methods=apollo,pld,...]
//
// Time at the defaults (54 runs): 64 min 12 s measured (3,852 s of wall
// time, 6,234 CPU s) on a 2-core AMD EPYC with AVX2, which was quiet but
// for about four minutes of lower-priority work: over the hour planned.
// Training took 1,821 s of it (the runs' summed wall_s); the rest is
// evaluation (8 during each run, then its whole validation split), model
// files and the comparisons. The AVX-512 machine of the README's
// measurements runs the default model about 2.1× faster.
// budgets=25,80,250,evals=10 is about 1.8× the work.
package main

import (
	"fmt"
	"strconv"
	"strings"

	"workbench/core/wb"
)

// setups builds each method's run from the sweep's base settings, as the
// method's own script does.
var setups = map[string]func(c wb.TrainConfig) wb.TrainConfig{
	"apollo": func(c wb.TrainConfig) wb.TrainConfig {
		return wb.Progressive(c, "lvps", "interpolate", "interpolate")
	},
	"stack": func(c wb.TrainConfig) wb.TrainConfig {
		c.Stages, c.StageEnds = wb.StackStages(c.Layers)
		c.Expander, c.OptState, c.EvalDepth = "stack", "reset", "native"
		return c
	},
	"mslt": func(c wb.TrainConfig) wb.TrainConfig {
		c.Stages, c.StageEnds = wb.StackStages(c.Layers)
		c.Expander, c.Freeze, c.EvalDepth = "stack", true, "native"
		return c
	},
	"gstack": func(c wb.TrainConfig) wb.TrainConfig {
		small := c.Layers / 4
		if small < 1 {
			small = 1
		}
		if small < c.Layers {
			c.Stages, c.StageEnds = []int{small, c.Layers}, []float64{0.25}
		}
		c.Expander, c.OptState, c.EvalDepth = "stack", "reset", "native"
		return c
	},
	"midas": func(c wb.TrainConfig) wb.TrainConfig {
		c.Stages, c.StageEnds = wb.MIDASStages(c.Layers)
		c.Expander, c.OptState, c.EvalDepth = "midas", "reset", "native"
		return c
	},
	"onelayer": func(c wb.TrainConfig) wb.TrainConfig {
		if c.Layers > 1 {
			c.Stages, c.StageEnds = []int{1, c.Layers}, []float64{0.8}
		}
		c.Expander, c.OptState, c.EvalDepth = "stack", "reset", "native"
		c.Schedule, c.DecayFrac = "wsd", 0.2
		return c
	},
	"raptr": func(c wb.TrainConfig) wb.TrainConfig { c.Plan = "raptr"; return c },
	"pld":   func(c wb.TrainConfig) wb.TrainConfig { c.Plan = "pld"; return c },
}

func main() {
	cfg := wb.Config()
	budgets := ints(wb.String("budgets", "10,32,100"))
	seeds := wb.Int("seeds", 2)
	evals := wb.Int("evals", 8)
	everyFixed := wb.Int("eval-every", 0) > 0
	methods := strings.Split(wb.String("methods", "apollo,stack,mslt,gstack,midas,onelayer,raptr,pld"), ",")
	for _, m := range methods {
		if setups[m] == nil {
			wb.Fatalf("methods: unknown method %q", m)
		}
	}
	if evals < 1 {
		wb.Fatalf("evals=%d: want at least 1 evaluation per baseline run", evals)
	}
	var cmps []wb.Comparison
	for _, b := range budgets {
		for seed := 1; seed <= seeds; seed++ {
			base := cfg
			base.Steps, base.Seed = b, uint64(seed)
			if !everyFixed {
				base.EvalEvery = b / evals
				if base.EvalEvery < 1 {
					base.EvalEvery = 1
				}
			}
			run := base
			run.Method = "baseline"
			run.Name = fmt.Sprintf("b%d-baseline-s%d", b, seed)
			r, err := wb.Train(run)
			wb.Check(err)
			dirs := []string{r.Dir}
			for _, m := range methods {
				c := base
				c.Method = m // not in one assignment with a call: the interpreter would drop it
				c.Name = fmt.Sprintf("b%d-%s-s%d", b, m, seed)
				r, err := wb.Train(wb.SameBudget(setups[m](c)))
				wb.Check(err)
				dirs = append(dirs, r.Dir)
			}
			cmp, err := wb.Compare(dirs...)
			wb.Check(err)
			cmps = append(cmps, cmp)
		}
	}
	fmt.Println()
	wb.Check(wb.BudgetSweep(cmps...))
}

// ints parses a comma-separated list of step counts.
func ints(v string) []int {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			wb.Fatalf("budgets=%s: want step counts separated by commas", v)
		}
		out = append(out, n)
	}
	return out
}
