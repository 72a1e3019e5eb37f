//go:build ignore

// The budget sweep: every method at several FLOPs budgets and seeds, and
// the FLOPs saving each reaches against the baseline of the same budget
// and seed. A budget is that of a full-depth run of N steps; budgets=25,80,250
// (the default) spans a 10× range. For each budget and seed the baseline
// trains N steps, every other method the same FLOPs (wb.SameBudget), set
// up as its own script does: Apollo (lvps, interpolate), stacking, MSLT,
// G_stack, MIDAS, one-layer expansion with WSD, RaPTr and PLD. Each
// budget's runs are compared (wb.Compare), and budget_sweep.md in the
// experiment directory tabulates, per method and budget, the mean FLOPs
// saving over the seeds that reached the baseline's final validation loss.
//
//	workbench run scripts/budget_sweep.go [--set budgets=25,80,250,seeds=2,methods=apollo,pld,...]
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
	methods := strings.Split(wb.String("methods", "apollo,stack,mslt,gstack,midas,onelayer,raptr,pld"), ",")
	for _, m := range methods {
		if setups[m] == nil {
			wb.Fatalf("methods: unknown method %q", m)
		}
	}
	// saving[method][budget] lists the savings of the seeds that reached
	// the target; runs[method][budget] counts the seeds.
	saving := map[string]map[int][]float64{}
	runs := map[string]map[int]int{}
	for _, b := range budgets {
		for seed := 1; seed <= seeds; seed++ {
			base := cfg
			base.Steps, base.Seed = b, uint64(seed)
			base.Method = "baseline"
			base.Name = fmt.Sprintf("b%d-baseline-s%d", b, seed)
			r, err := wb.Train(base)
			wb.Check(err)
			dirs := []string{r.Dir}
			for _, m := range methods {
				c := cfg
				c.Steps, c.Seed = b, uint64(seed)
				c.Method = m // not in one assignment with a call: the interpreter would drop it
				c.Name = fmt.Sprintf("b%d-%s-s%d", b, m, seed)
				r, err := wb.Train(wb.SameBudget(setups[m](c)))
				wb.Check(err)
				dirs = append(dirs, r.Dir)
			}
			cmp, err := wb.Compare(dirs...)
			wb.Check(err)
			for _, row := range cmp.Rows {
				if row.Ref {
					continue
				}
				if saving[row.Method] == nil {
					saving[row.Method], runs[row.Method] = map[int][]float64{}, map[int]int{}
				}
				runs[row.Method][b]++
				if row.Reached {
					saving[row.Method][b] = append(saving[row.Method][b], row.FlopsSaving)
				}
			}
		}
	}
	var sb strings.Builder
	sb.WriteString("# FLOPs saving against budget\n\n")
	sb.WriteString("Mean FLOPs saving to reach the baseline's final validation loss at the same budget (budget = FLOPs of N full-depth steps); [k/n]: k of n seeds reached it, the mean is over those; —: none did.\n\n| method |")
	for _, b := range budgets {
		fmt.Fprintf(&sb, " N=%d |", b)
	}
	sb.WriteString("\n| --- |")
	for range budgets {
		sb.WriteString(" --: |")
	}
	for _, m := range methods {
		fmt.Fprintf(&sb, "\n| %s |", m)
		for _, b := range budgets {
			s, n := saving[m][b], runs[m][b]
			if len(s) == 0 {
				sb.WriteString(" — |")
				continue
			}
			mean := 0.0
			for _, x := range s {
				mean += x / float64(len(s))
			}
			cell := fmt.Sprintf(" %.1f%%", 100*mean)
			if len(s) < n {
				cell += fmt.Sprintf(" [%d/%d]", len(s), n)
			}
			sb.WriteString(cell + " |")
		}
	}
	sb.WriteString("\n")
	fmt.Print("\n" + sb.String())
	wb.Check(wb.WriteFile("budget_sweep.md", []byte(sb.String())))
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
