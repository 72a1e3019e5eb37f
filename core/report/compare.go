package report

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// BaselineMethod is the method whose runs are the reference when no
// reference run is named.
const BaselineMethod = "baseline"

// Steps returns the step count of the last logged line.
func (r *Run) Steps() int { return r.Points[len(r.Points)-1].Step }

// TotalFLOPs returns the cumulative training FLOPs of the last logged line.
func (r *Run) TotalFLOPs() float64 { return r.Points[len(r.Points)-1].FLOPs }

// WallS returns the cumulative training seconds of the last logged line.
func (r *Run) WallS() float64 { return r.Points[len(r.Points)-1].WallS }

// FinalValLoss returns the last validation loss of the run.
func (r *Run) FinalValLoss() float64 {
	for i := len(r.Points) - 1; i >= 0; i-- {
		if r.Points[i].HasVal {
			return r.Points[i].ValLoss
		}
	}
	return math.NaN()
}

// FinalValBPB returns the last validation loss of the run in bits per
// byte, NaN when its log does not have it.
func (r *Run) FinalValBPB() float64 {
	for i := len(r.Points) - 1; i >= 0; i-- {
		if r.Points[i].HasVal {
			return r.Points[i].ValBPB
		}
	}
	return math.NaN()
}

// Reach returns the FLOPs and wall-clock seconds at which the validation
// curve first reaches target (loss <= target), and whether it does.
//
// The curve is the sequence of validation points. When evaluation i is the
// first at or below the target and evaluation i-1 is above it, the crossing
// is placed by linear interpolation between the two:
//
//	t = (loss[i-1] - target) / (loss[i-1] - loss[i])
//	flops = flops[i-1] + t·(flops[i] - flops[i-1])
//	wall  = wall[i-1]  + t·(wall[i]  - wall[i-1])
//
// When the first evaluation is already at or below the target, its own
// FLOPs and seconds are returned, since no earlier point brackets the
// crossing.
func (r *Run) Reach(target float64) (flops, wall float64, ok bool) {
	var prev *Point
	for i := range r.Points {
		p := &r.Points[i]
		if !p.HasVal {
			continue
		}
		if p.ValLoss <= target {
			if prev == nil {
				return p.FLOPs, p.WallS, true
			}
			t := (prev.ValLoss - target) / (prev.ValLoss - p.ValLoss)
			return prev.FLOPs + t*(p.FLOPs-prev.FLOPs), prev.WallS + t*(p.WallS-prev.WallS), true
		}
		prev = p
	}
	return 0, 0, false
}

// Options select the reference of a comparison.
type Options struct {
	// Ref is the reference run; it must be one of the compared runs.
	// When nil, the runs whose method is BaselineMethod are the reference.
	Ref *Run
	// Target, when positive, is the target validation loss; otherwise the
	// target is the mean final validation loss of the reference runs.
	Target float64
}

// Stat is the mean and sample standard deviation (divisor n-1) of N values.
// Std is 0 when N < 2.
type Stat struct {
	Mean, Std float64
	N         int
}

// NewStat returns the Stat of xs.
func NewStat(xs []float64) Stat {
	s := Stat{N: len(xs)}
	if s.N == 0 {
		return s
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(s.N)
	if s.N > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(ss / float64(s.N-1))
	}
	return s
}

// RunResult is the comparison's row for one run.
type RunResult struct {
	Run *Run
	Ref bool // whether the run is (one of) the reference

	Reached    bool    // whether the validation curve reaches the target
	ReachFLOPs float64 // FLOPs at the first crossing of the target (see Run.Reach)
	ReachWallS float64 // wall-clock seconds at the first crossing

	// FLOPsSaving = 1 − ReachFLOPs / Comparison.RefFLOPs and
	// WallSaving = 1 − ReachWallS / Comparison.RefWallS, as fractions;
	// valid when Reached and Comparison.HasRef.
	FLOPsSaving, WallSaving float64
}

// MethodResult aggregates the runs of one method over their seeds.
type MethodResult struct {
	Method string
	Runs   []*RunResult // sorted by seed, then name

	Steps, FLOPs, WallS, FinalValLoss Stat // over all runs
	FinalValBPB                       Stat // over the runs whose logs have bits per byte
	// The following are over the runs that reach the target only; their
	// N may be smaller than len(Runs).
	ReachFLOPs, ReachWallS, FLOPsSaving, WallSaving Stat
}

// Comparison is the result of Compare.
type Comparison struct {
	Target       float64 // target validation loss
	TargetSource string  // how the target was chosen, as a phrase
	// HasRef tells whether there are reference runs; without them (only a
	// target loss given) no savings are computed.
	HasRef bool
	// RefFLOPs and RefWallS are the mean total FLOPs and seconds of the
	// reference runs, the denominators of the savings.
	RefFLOPs, RefWallS float64
	RefRuns            int // number of reference runs

	Runs    []*RunResult    // grouped by method, in the order of Methods
	Methods []*MethodResult // the reference's method first, then in order of appearance
	// Warnings lists doubtful inputs that did not stop the comparison.
	Warnings []string
}

// Compare computes the comparison of runs against a reference: each run's
// totals, final validation loss and the FLOPs and seconds it needs to first
// reach the target loss (see Run.Reach), with the savings against the
// reference's totals, and the same aggregated per method.
func Compare(runs []*Run, opt Options) (*Comparison, error) {
	if len(runs) == 0 {
		return nil, errors.New("no runs to compare")
	}
	for _, r := range runs {
		if r == nil || len(r.Points) == 0 || math.IsNaN(r.FinalValLoss()) {
			return nil, errors.New("a run without validation points cannot be compared (load runs with Load)")
		}
	}
	var refs []*Run
	c := &Comparison{}
	if opt.Ref != nil {
		found := false
		for _, r := range runs {
			found = found || r == opt.Ref
		}
		if !found {
			return nil, fmt.Errorf("reference run %s is not among the compared runs", opt.Ref.Dir)
		}
		refs = []*Run{opt.Ref}
		c.TargetSource = fmt.Sprintf("final validation loss of reference run %s", opt.Ref.Name)
	} else {
		for _, r := range runs {
			if r.Method == BaselineMethod {
				refs = append(refs, r)
			}
		}
		if len(refs) == 1 {
			c.TargetSource = fmt.Sprintf("final validation loss of the %s run %s", BaselineMethod, refs[0].Name)
		} else {
			c.TargetSource = fmt.Sprintf("mean final validation loss of %d %s runs", len(refs), BaselineMethod)
		}
	}
	if len(refs) > 0 {
		var loss, fl, wall []float64
		for _, r := range refs {
			loss = append(loss, r.FinalValLoss())
			fl = append(fl, r.TotalFLOPs())
			wall = append(wall, r.WallS())
		}
		c.Target = NewStat(loss).Mean
		c.RefFLOPs, c.RefWallS = NewStat(fl).Mean, NewStat(wall).Mean
		c.RefRuns = len(refs)
		c.HasRef = c.RefFLOPs > 0 && c.RefWallS > 0
		if !c.HasRef {
			c.Warnings = append(c.Warnings, "the reference's total FLOPs or wall time is 0; savings not computed")
		}
	}
	if opt.Target > 0 {
		c.Target, c.TargetSource = opt.Target, "given"
	} else if len(refs) == 0 {
		return nil, fmt.Errorf("no reference: no run has method %q and neither a reference run nor a target loss was given", BaselineMethod)
	}

	isRef := map[*Run]bool{}
	for _, r := range refs {
		isRef[r] = true
	}
	byMethod := map[string]*MethodResult{}
	addMethod := func(m string) {
		if byMethod[m] == nil {
			byMethod[m] = &MethodResult{Method: m}
			c.Methods = append(c.Methods, byMethod[m])
		}
	}
	if len(refs) > 0 {
		addMethod(refs[0].Method)
	}
	for _, r := range runs {
		addMethod(r.Method)
		rr := &RunResult{Run: r, Ref: isRef[r]}
		rr.ReachFLOPs, rr.ReachWallS, rr.Reached = r.Reach(c.Target)
		if rr.Reached && c.HasRef {
			rr.FLOPsSaving = 1 - rr.ReachFLOPs/c.RefFLOPs
			rr.WallSaving = 1 - rr.ReachWallS/c.RefWallS
		}
		m := byMethod[r.Method]
		m.Runs = append(m.Runs, rr)
	}
	for _, m := range c.Methods {
		sort.SliceStable(m.Runs, func(i, j int) bool {
			a, b := m.Runs[i].Run, m.Runs[j].Run
			if a.Seed != b.Seed {
				return a.Seed < b.Seed
			}
			return a.Name < b.Name
		})
		var steps, fl, wall, loss, bpb, rf, rw, fs, ws []float64
		for i, rr := range m.Runs {
			r := rr.Run
			if i > 0 && m.Runs[i-1].Run.Seed == r.Seed {
				c.Warnings = append(c.Warnings, fmt.Sprintf("method %s has seed %d more than once (runs %s and %s); both count in its mean", m.Method, r.Seed, m.Runs[i-1].Run.Name, r.Name))
			}
			steps = append(steps, float64(r.Steps()))
			fl = append(fl, r.TotalFLOPs())
			wall = append(wall, r.WallS())
			loss = append(loss, r.FinalValLoss())
			if b := r.FinalValBPB(); !math.IsNaN(b) {
				bpb = append(bpb, b)
			}
			if rr.Reached {
				rf = append(rf, rr.ReachFLOPs)
				rw = append(rw, rr.ReachWallS)
				if c.HasRef {
					fs = append(fs, rr.FLOPsSaving)
					ws = append(ws, rr.WallSaving)
				}
			}
			c.Runs = append(c.Runs, rr)
		}
		m.Steps, m.FLOPs, m.WallS, m.FinalValLoss = NewStat(steps), NewStat(fl), NewStat(wall), NewStat(loss)
		m.FinalValBPB = NewStat(bpb)
		m.ReachFLOPs, m.ReachWallS, m.FLOPsSaving, m.WallSaving = NewStat(rf), NewStat(rw), NewStat(fs), NewStat(ws)
	}
	return c, nil
}
