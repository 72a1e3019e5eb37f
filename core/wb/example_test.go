package wb_test

import (
	"fmt"

	"workbench/core/wb"
)

// The stage schedule and the equal budget of an Apollo run of the default
// model.
func ExampleSameBudget() {
	cfg := wb.Config() // the defaults of workbench train
	cfg.Stages, cfg.StageEnds = wb.DefaultStages(cfg.Layers)
	fmt.Println(cfg.Stages, cfg.StageEnds)

	apollo := wb.SameBudget(cfg)
	fmt.Printf("%.4g FLOPs = %d full-depth steps of %.4g; at most %d steps\n",
		apollo.FlopsBudget, cfg.Steps, wb.FlopsPerStep(cfg), apollo.Steps)
	// Output:
	// [1 3 6] [0.1 0.25]
	// 3.817e+13 FLOPs = 600 full-depth steps of 6.362e+10; at most 3387 steps
}
