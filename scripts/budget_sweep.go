//go:build ignore

// The budget sweep: every method at several FLOPs budgets and seeds, and
// the FLOPs saving each reaches against the baseline of the same budget
// and seed. A budget is that of a full-depth run of N steps; budgets=25,80,250
// (the default) spans a 10× range. For each budget and seed the baseline
// trains N steps, every other method the same FLOPs (wb.SameBudget), set
// up as its own script does: Apollo (lvps, interpolate), stacking, MSLT,
// G_stack, MIDAS, one-layer expansion with WSD, RaPTr and PLD. Every run
// is evaluated every N/evals steps (evals=10; --set eval-every=K fixes
// it), so that every budget's curves have the same resolution. Each
// budget and seed's runs are compared (wb.Compare); then wb.BudgetSweep
// writes budget_sweep.md, the mean FLOPs saving per method and budget
// over the seeds that reached the baseline's final validation loss, and
// the plot saving_vs_budget.png/.svg into the experiment directory.
//
//	workbench run scripts/budget_sweep.go [--set budgets=25,80,250,seeds=2,evals=10,methods=apollo,pld,...]
//
// Time at the defaults (54 runs of the default model), estimated, not
// measured: about 43 minutes on 2 cores of the AVX-512 machine of the
// README's measurements, about 2 hours on a 2-core AVX2 AMD EPYC. The
// estimate comes from a smoke run of the default model on that EPYC,
// --set budgets=4,8,seeds=1,eval-every=2 (18 runs, 19 min 46 s of wall
// time but 14 min 53 s of CPU time: other jobs held the machine at a load
// average of 6 to 14, so CPU time, sampled every 0.5 s and split by run,
// is what was measured). Each run's work was counted from its logs:
// training FLOPs, plus the forward FLOPs (a third of a training step's per
// token) of every evaluation (8 batches at the evaluation depth, those of
// the expansions included) and of the final evaluation of the whole
// validation split (111,538 tokens at full depth). The 6 runs at budget 4
// whose CPU time was sampled took 19.1 CPU seconds per 1e12 FLOPs of work
// (1.2 CPU s per full-depth step of 6.36e10 FLOPs, 0.22 per one-layer
// step), and that rate predicts the CPU time of each of the 9 runs at
// budget 8 within -7% to +13% (their sum within 1.3%), for every method
// from one layer to full depth. The defaults are 6.2e14 FLOPs of such work,
// 9,800 full-depth step equivalents (training 67%, evaluations 23%, final
// evaluations 10%): 11,900 CPU seconds on the EPYC, 110 to 124 minutes at
// the 1.6 to 1.8 speed-up of two threads (the GEMM's, README); 43 minutes
// at 0.264 s per full-depth step, the speed workbench bench measured for
// this model on 2 threads of the AVX-512 machine. The defaults are kept
// because they fit on the machine the project's other times refer to and
// because smaller budgets leave too few steps to compare methods; on a
// machine like the EPYC, budgets=10,32,100,evals=8,eval-batches=4 is about
// 4,600 step equivalents, 51 to 58 minutes.
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
	budgets := ints(wb.String("budgets", "25,80,250"))
	seeds := wb.Int("seeds", 2)
	evals := wb.Int("evals", 10)
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
