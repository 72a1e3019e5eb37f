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
