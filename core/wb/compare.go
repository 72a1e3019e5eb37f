package wb

import (
	"errors"

	"workbench/core/wb/internal/env"
)

// Comparison is the outcome of Compare.
type Comparison struct {
	// Target is the validation loss the runs are compared at: the final
	// validation loss of the reference (the runs of method "baseline", or
	// else the first run given).
	Target float64
	Rows   []ComparisonRow // one per run, grouped by method
}

// ComparisonRow is one run of a Comparison.
type ComparisonRow struct {
	Name, Method, Dir string
	Ref               bool    // whether the run is (one of) the reference
	FinalValLoss      float64 // last validation loss logged
	Flops             float64 // total training FLOPs
	WallSeconds       float64 // total training time
	// Reached tells whether the run's validation loss reaches Target; then
	// ReachFlops and ReachWallSeconds say when, and FlopsSaving and
	// WallSaving are 1 − those / the reference's totals.
	Reached                   bool
	ReachFlops, ReachWallSecs float64
	FlopsSaving, WallSaving   float64
}

// Compare compares runs at equal compute: for each, the FLOPs and time to
// first reach the reference's final validation loss, and the savings. It
// prints the table to standard output and writes compare.md and the plots
// (loss_vs_flops and loss_vs_wall, PNG and SVG) into the experiment
// directory. A run is given by its directory (Result.Dir) or by its name in
// the experiment directory. The reference is the runs of method "baseline",
// or else the first run.
func Compare(runs ...string) (Comparison, error) {
	s := env.Current()
	defer s.Enter()()
	s.CheckStopped()
	if len(runs) == 0 {
		return Comparison{}, errors.New("wb.Compare: no runs given")
	}
	if env.Compare == nil {
		return Comparison{}, errNoEngine
	}
	target, rows, err := env.Compare(s, runs)
	if err != nil {
		return Comparison{}, err
	}
	out := Comparison{Target: target}
	for _, r := range rows {
		out.Rows = append(out.Rows, ComparisonRow(r))
	}
	return out, nil
}

// errNoEngine is returned when the facade is used from compiled Go
// without the engine linked.
var errNoEngine = errors.New(`the facade's engine is not linked: run scripts with workbench run, or import _ "workbench/core/wb/engine"`)
