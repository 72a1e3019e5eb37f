package wb_test

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"workbench/core/wb"
	_ "workbench/core/wb/engine"
	"workbench/core/wb/internal/env"
)

// Compare the synthetic runs of core/report's tests, an experiment
// directory, against the apollo runs.
func ExampleCompareWith() {
	exp, _ := os.MkdirTemp("", "compare")
	defer os.RemoveAll(exp)
	s := env.New(exp, nil)
	s.Stdout, s.Stderr = io.Discard, io.Discard // the table and the file list
	defer env.Install(s)()

	c, err := wb.CompareWith(wb.CompareOptions{Ref: "apollo"}, filepath.Join("..", "report", "testdata", "runs"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("target %.3f\n", c.Target)
	for _, r := range c.Rows {
		split := "no summary"
		if !math.IsNaN(r.ValLoss) {
			split = fmt.Sprintf("whole split %.2f", r.ValLoss)
		}
		fmt.Printf("%s ref=%v reached=%v, %s\n", r.Name, r.Ref, r.Reached, split)
	}
	_, err = wb.CompareWith(wb.CompareOptions{Ref: "lvps"}, filepath.Join("..", "report", "testdata", "runs"))
	fmt.Println(err)
	// Output:
	// target 2.925
	// apollo_s1 ref=true reached=true, whole split 2.88
	// apollo_s2 ref=true reached=false, no summary
	// baseline_s1 ref=false reached=false, whole split 2.99
	// baseline_s2 ref=false reached=false, whole split 3.08
	// stack_s1 ref=false reached=false, no summary
	// reference method "lvps": no compared run has it (methods: apollo, baseline, stack)
}

// Tabulate and plot the FLOPs saving against budget of a comparison at
// one budget (a sweep makes one or more comparisons per budget).
func ExampleBudgetSweep() {
	exp, _ := os.MkdirTemp("", "sweep")
	defer os.RemoveAll(exp)
	s := env.New(exp, nil)
	s.Stdout, s.Stderr = io.Discard, io.Discard
	defer env.Install(s)()

	c, err := wb.Compare(filepath.Join("..", "report", "testdata", "runs"))
	if err != nil {
		fmt.Println(err)
		return
	}
	s.Stdout = os.Stdout // the table
	if err := wb.BudgetSweep(c); err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range []string{"budget_sweep.md", "saving_vs_budget.png", "saving_vs_budget.svg"} {
		_, err := os.Stat(filepath.Join(exp, f))
		fmt.Println(f, err == nil)
	}
	fmt.Println(wb.BudgetSweep(wb.Comparison{Target: 3})) // a target without reference runs
	// Output:
	// # FLOPs saving against budget
	//
	// FLOPs saving = 1 − F(first reaching the reference's final validation loss at that budget) / F(reference), as in compare.md; the budget is the reference's training FLOPs. Each cell: the mean over the seeds that reached the target, (min to max) when more than one did; [k/n]: only k of n seeds reached it; — [0/n]: none did.
	//
	// | method | 4.00e14 FLOPs |
	// |:--|--:|
	// | apollo | 52.5% (46.7 to 58.3) |
	// | stack | — [0/1] |
	// budget_sweep.md true
	// saving_vs_budget.png true
	// saving_vs_budget.svg true
	// wb.BudgetSweep: comparison 1 of 1 has no reference runs, so no budget and no savings
}
