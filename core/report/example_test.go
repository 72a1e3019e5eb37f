package report_test

import (
	"fmt"

	"workbench/core/report"
)

// Compare two seeds of a baseline with two seeds of Apollo: the target is
// the baselines' mean final validation loss.
func ExampleCompare() {
	var runs []*report.Run
	for _, dir := range []string{"baseline_s1", "baseline_s2", "apollo_s1", "apollo_s2"} {
		r, err := report.Load("testdata/runs/" + dir)
		if err != nil {
			fmt.Println(err)
			return
		}
		runs = append(runs, r)
	}
	c, err := report.Compare(runs, report.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("target %.2f, reference %s FLOPs\n", c.Target, report.Sci(c.RefFLOPs))
	for _, m := range c.Methods {
		fmt.Printf("%s: %d of %d seeds reach it at %s FLOPs, saving %.1f%%\n",
			m.Method, m.ReachFLOPs.N, len(m.Runs), report.Sci(m.ReachFLOPs.Mean), 100*m.FLOPsSaving.Mean)
	}
	// The full tables: c.WriteText(os.Stdout); the Markdown and the plots:
	// c.WriteFiles(dir).

	// Output:
	// target 3.05, reference 4.00e14 FLOPs
	// baseline: 1 of 2 seeds reach it at 3.83e14 FLOPs, saving 4.2%
	// apollo: 2 of 2 seeds reach it at 1.90e14 FLOPs, saving 52.5%
}

// Reach interpolates linearly between the evaluations that bracket the
// target.
func ExampleRun_Reach() {
	r := &report.Run{Points: []report.Point{
		{Step: 100, FLOPs: 1e15, WallS: 50, ValLoss: 4.0, HasVal: true},
		{Step: 150, FLOPs: 1.5e15, WallS: 75},
		{Step: 200, FLOPs: 2e15, WallS: 100, ValLoss: 3.0, HasVal: true},
	}}
	flops, wall, ok := r.Reach(3.25)
	fmt.Println(report.Sci(flops), wall, ok)
	// Output:
	// 1.75e15 87.5 true
}

// The training loss of a run in the steps around its expansions, as a
// plot with the expansions marked.
func ExamplePlotSteps() {
	r, err := report.Load("testdata/runs/apollo_s1")
	if err != nil {
		fmt.Println(err)
		return
	}
	curves, err := report.StepCurves([]*report.Run{r}, "train_loss", 15, 25)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := curves[0]
	fmt.Println(c.Run.Name, c.Steps, c.Values, "expansions", c.Expansions)
	if _, err := report.PlotSteps(curves, "train_loss"); err != nil {
		fmt.Println(err)
	}
	// Write it with report.WritePlot(dir, "train_loss", p).

	// Output:
	// apollo_s1 [15 20 25] [4.05 3.25 3.75] expansions [20]
}

// A sweep over two budgets: Apollo reaches the target at both, stacking
// with one seed of two at the small budget and with none at the large one.
func ExampleNewSweep() {
	s, err := report.NewSweep([]report.SweepRun{
		{Budget: 2e13, Method: "apollo", Reached: true, Saving: 0.20},
		{Budget: 2e13, Method: "apollo", Reached: true, Saving: 0.30},
		{Budget: 2e13, Method: "stack", Reached: true, Saving: 0.60},
		{Budget: 2e13, Method: "stack"},
		{Budget: 2e14, Method: "apollo", Reached: true, Saving: 0.40},
		{Budget: 2e14, Method: "stack"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range s.Methods {
		for i, c := range s.Cells[m] {
			saving := "never reached" // not a saving of 0
			if c.Saving.N > 0 {
				saving = fmt.Sprintf("mean saving %.0f%%", 100*c.Saving.Mean)
			}
			fmt.Printf("%s at %s FLOPs: %d of %d seeds reach the target, %s\n",
				m, report.Sci(s.Budgets[i]), c.Saving.N, c.Runs, saving)
		}
	}
	// The table: s.WriteMarkdown(os.Stdout); the table and the plot:
	// s.WriteFiles(dir).

	// Output:
	// apollo at 2.00e13 FLOPs: 2 of 2 seeds reach the target, mean saving 25%
	// apollo at 2.00e14 FLOPs: 1 of 1 seeds reach the target, mean saving 40%
	// stack at 2.00e13 FLOPs: 1 of 2 seeds reach the target, mean saving 60%
	// stack at 2.00e14 FLOPs: 0 of 1 seeds reach the target, never reached
}
