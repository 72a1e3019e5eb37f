package wb

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"workbench/core/wb/internal/env"
)

// Comparison is the outcome of Compare.
type Comparison struct {
	// Target is the validation loss the runs are compared at: the mean
	// final validation loss of the reference runs (see CompareOptions.Ref).
	Target float64
	// RefFlops is the mean total training FLOPs of the reference runs,
	// the denominator of the savings (the budget, for runs trained at
	// the reference's compute); 0 without reference runs.
	RefFlops float64
	// EvalFiles are the extra text files of CompareOptions.Eval.
	EvalFiles []string
	Rows      []ComparisonRow // one per run, grouped by method
}

// ComparisonRow is one run of a Comparison.
type ComparisonRow struct {
	Name, Method, Dir string
	Ref               bool // whether the run is (one of) the reference
	// FinalValLoss is the last validation loss logged, on the fixed
	// validation windows of the training curve.
	FinalValLoss float64
	// ValLoss and BitsPerByte are the final model's loss on the whole
	// validation split (summary.json, as Result has them); NaN when the
	// run wrote no summary.
	ValLoss, BitsPerByte float64
	Flops                float64 // total training FLOPs
	WallSeconds          float64 // total training time
	// Reached tells whether the run's validation loss reaches Target; then
	// ReachFlops and ReachWallSeconds say when, and FlopsSaving and
	// WallSaving are 1 − those / the reference's totals.
	Reached                   bool
	ReachFlops, ReachWallSecs float64
	FlopsSaving, WallSaving   float64
	// EvalLoss and EvalBitsPerByte hold the final model's loss on each of
	// Comparison.EvalFiles, and EvalDelta its bits per byte minus the
	// mean of the reference runs' (empty without reference runs).
	EvalLoss, EvalBitsPerByte []float64
	EvalDelta                 []float64
}

// CompareOptions are the settings of CompareWith, those of workbench
// compare.
type CompareOptions struct {
	// Ref is the reference method (--ref): its runs give the target and
	// the denominators of the savings, and must differ only in their
	// seed. "" means "baseline", or the first run's method when no run
	// is a baseline.
	Ref string
	// Eval lists text files (--eval) to evaluate every run's final model
	// on, as workbench eval does; the results are cached in the run
	// directories.
	Eval []string
}

// Compare compares runs at equal compute: for each, the FLOPs and time to
// first reach the reference's final validation loss, and the savings. It
// prints the table to standard output and writes compare.md and the plots
// (loss_vs_flops and loss_vs_wall, PNG and SVG) into the experiment
// directory. A run is given by its directory (Result.Dir), by its name in
// the experiment directory, or by an experiment directory, which stands
// for the runs in it. Compare(runs...) is CompareWith(CompareOptions{},
// runs...).
func Compare(runs ...string) (Comparison, error) {
	return CompareWith(CompareOptions{}, runs...)
}

// CompareWith is Compare with a chosen reference method and extra text
// files to evaluate the runs on.
func CompareWith(opt CompareOptions, runs ...string) (Comparison, error) {
	s := env.Current()
	defer s.Enter()()
	s.CheckStopped()
	if len(runs) == 0 {
		return Comparison{}, errors.New("wb.Compare: no runs given")
	}
	if s.Plan {
		fmt.Fprintf(s.Stderr, "plan: not comparing %d runs (nothing was trained)\n", len(runs))
		return plannedComparison(s, opt, runs), nil
	}
	if env.Compare == nil {
		return Comparison{}, errNoEngine
	}
	res, err := env.Compare(s, runs, opt.Ref, opt.Eval)
	if err != nil {
		return Comparison{}, err
	}
	out := Comparison{Target: res.Target, RefFlops: res.RefFlops, EvalFiles: res.EvalFiles}
	for _, r := range res.Rows {
		out.Rows = append(out.Rows, ComparisonRow(r))
	}
	return out, nil
}

// StepCurve is one run's metric against the optimizer step, as PlotSteps
// drew it.
type StepCurve struct {
	Name, Method, Dir string
	Steps             []int     // the logged steps in the range
	Values            []float64 // the metric at those steps
	Expansions        []int     // steps in the range after which the run expanded
}

// PlotSteps writes the plot NAME.png and NAME.svg into the experiment
// directory: metric ("train_loss", "grad_norm", "val_loss" or "lr", as in
// metrics.jsonl) of each run against the optimizer step, for the steps
// from..to (to ≤ 0: the last step), with each run's expansions as dashed
// vertical lines. Runs are given as for Compare. It returns the curves it
// drew, so that a script can also tabulate them. While planning
// (workbench plan) it plots nothing and returns one curve without points
// per run.
func PlotSteps(name, metric string, from, to int, runs ...string) ([]StepCurve, error) {
	s := env.Current()
	defer s.Enter()()
	s.CheckStopped()
	if len(runs) == 0 {
		return nil, errors.New("wb.PlotSteps: no runs given")
	}
	if s.Plan {
		fmt.Fprintf(s.Stderr, "plan: not plotting %d runs (nothing was trained)\n", len(runs))
		out := make([]StepCurve, len(runs))
		for i, run := range runs {
			out[i].Name, out[i].Method, out[i].Dir = plannedRun(s, run)
		}
		return out, nil
	}
	if env.PlotSteps == nil {
		return nil, errNoEngine
	}
	curves, err := env.PlotSteps(s, name, metric, from, to, runs)
	if err != nil {
		return nil, err
	}
	out := make([]StepCurve, len(curves))
	for i, c := range curves {
		out[i] = StepCurve(c)
	}
	return out, nil
}

// BudgetSweep tabulates and plots the FLOPs saving against budget of
// comparisons made at several budgets (one or more per budget, such as
// one per seed): each run that is not the reference is placed at its
// comparison's budget, RefFlops, with the saving Compare computed for it
// (ComparisonRow.FlopsSaving; a run that did not reach the target is
// shown as such, not as a saving of 0). It prints the table, one row per
// method and one column per budget with the mean over seeds, and writes
// it as budget_sweep.md and the plot (log-scale budget axis, one line per
// method with its mean and a band from its lowest to its highest seed) as
// saving_vs_budget.png and saving_vs_budget.svg into the experiment
// directory. A comparison without reference runs is an error. While
// planning (workbench plan) nothing was trained, and BudgetSweep writes
// nothing.
func BudgetSweep(cmps ...Comparison) error {
	s := env.Current()
	defer s.Enter()()
	s.CheckStopped()
	if len(cmps) == 0 {
		return errors.New("wb.BudgetSweep: no comparisons given")
	}
	if s.Plan {
		fmt.Fprintf(s.Stderr, "plan: not sweeping %d comparisons (nothing was trained)\n", len(cmps))
		return nil
	}
	if env.Sweep == nil {
		return errNoEngine
	}
	in := make([]env.CompareResult, len(cmps))
	for i, c := range cmps {
		in[i] = env.CompareResult{Target: c.Target, RefFlops: c.RefFlops, EvalFiles: c.EvalFiles}
		for _, r := range c.Rows {
			in[i].Rows = append(in[i].Rows, env.CompareRow(r))
		}
	}
	return env.Sweep(s, in)
}

// errNoEngine is returned when the facade is used from compiled Go
// without the engine linked.
var errNoEngine = errors.New(`the facade's engine is not linked: run scripts with workbench run, or import _ "workbench/core/wb/engine"`)

// plannedComparison is what Compare returns while planning: one row per
// run with its name, method and directory, and NaN for every measurement,
// so that a script reading the rows runs to its end.
func plannedComparison(s *env.Session, opt CompareOptions, runs []string) Comparison {
	nan := math.NaN()
	nans := func() []float64 {
		v := make([]float64, len(opt.Eval))
		for i := range v {
			v[i] = nan
		}
		return v
	}
	out := Comparison{Target: nan, RefFlops: nan, EvalFiles: opt.Eval}
	for _, run := range runs {
		name, method, dir := plannedRun(s, run)
		out.Rows = append(out.Rows, ComparisonRow{
			Name: name, Method: method, Dir: dir,
			FinalValLoss: nan, ValLoss: nan, BitsPerByte: nan, Flops: nan, WallSeconds: nan,
			ReachFlops: nan, ReachWallSecs: nan, FlopsSaving: nan, WallSaving: nan,
			EvalLoss: nans(), EvalBitsPerByte: nans(), EvalDelta: nans(),
		})
	}
	return out
}

// plannedRun returns the name, method and directory of a run given to
// Compare or PlotSteps while planning, from its planned config.json.
func plannedRun(s *env.Session, run string) (name, method, dir string) {
	dir = run
	if !strings.ContainsRune(run, filepath.Separator) {
		dir = filepath.Join(s.Dir, run)
	}
	var conf struct {
		Method string `json:"method"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "config.json")); err == nil {
		json.Unmarshal(b, &conf)
	}
	return filepath.Base(dir), conf.Method, dir
}
