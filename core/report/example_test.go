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
