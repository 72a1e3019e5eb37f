package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
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
	// RefMethod names the method whose runs are the reference; "" means
	// BaselineMethod. A method named here that no run has is an error;
	// so is a reference whose runs differ in more than their seed (see
	// RecipeKeys), since their mean would mix two recipes.
	RefMethod string
	// Ref, when set, is the reference run instead; it must be one of the
	// compared runs.
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

	// EvalDelta holds, for each of Comparison.EvalFiles, the run's bits
	// per byte on it minus the mean of the reference runs'; empty
	// without reference runs.
	EvalDelta []float64
}

// EvalStat aggregates the runs of one method on one extra text file.
type EvalStat struct {
	Loss, BitsPerByte Stat
	// Delta is the bits per byte minus the reference runs' mean (N is 0
	// without reference runs).
	Delta Stat
}

// MethodResult aggregates the runs of one method over their seeds.
type MethodResult struct {
	Method string
	Runs   []*RunResult // sorted by seed, then name

	Steps, FLOPs, WallS, FinalValLoss Stat // over all runs
	FinalValBPB                       Stat // over the runs whose logs have bits per byte
	// SplitValLoss and SplitBitsPerByte are the final model's loss on the
	// whole validation split (summary.json), over the runs that have one.
	SplitValLoss, SplitBitsPerByte Stat
	// Evals aggregates the runs on each of Comparison.EvalFiles.
	Evals []EvalStat
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

	// EvalFiles are the extra text files every run was evaluated on (see
	// EvalFiles), as given.
	EvalFiles []string
	// RefEvalBitsPerByte is the reference runs' mean bits per byte on
	// each of EvalFiles; empty without reference runs.
	RefEvalBitsPerByte []float64

	Runs    []*RunResult    // grouped by method, in the order of Methods
	Methods []*MethodResult // the reference's method first, then in order of appearance
	// Warnings lists doubtful inputs that did not stop the comparison.
	Warnings []string
}

// Compare computes the comparison of runs against a reference: each run's
// totals, final validation loss and the FLOPs and seconds it needs to first
// reach the target loss (see Run.Reach), with the savings against the
// reference's totals, the losses of summary.json and on the extra text
// files of Run.Evals (all runs must have been evaluated on the same files,
// see EvalFiles), and the same aggregated per method.
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
		method := opt.RefMethod
		if method == "" {
			method = BaselineMethod
		}
		for _, r := range runs {
			if r.Method == method {
				refs = append(refs, r)
			}
		}
		switch {
		case len(refs) == 0 && opt.RefMethod != "":
			return nil, fmt.Errorf("reference method %q: no compared run has it (methods: %s)", method, strings.Join(methods(runs), ", "))
		case len(refs) == 1:
			c.TargetSource = fmt.Sprintf("final validation loss of the %s run %s", method, refs[0].Name)
		case len(refs) > 1:
			if err := sameRecipe(method, refs); err != nil {
				return nil, err
			}
			c.TargetSource = fmt.Sprintf("mean final validation loss of %d %s runs", len(refs), method)
		}
	}
	for _, e := range runs[0].Evals {
		c.EvalFiles = append(c.EvalFiles, e.File)
	}
	for _, r := range runs {
		same := len(r.Evals) == len(c.EvalFiles)
		for i := 0; same && i < len(r.Evals); i++ {
			same = r.Evals[i].SHA256 == runs[0].Evals[i].SHA256
		}
		if !same {
			return nil, fmt.Errorf("runs %s and %s were not evaluated on the same extra text files; evaluate every run on the same files", runs[0].Name, r.Name)
		}
	}
	if len(refs) > 0 {
		for i := range c.EvalFiles {
			var bpb []float64
			for _, r := range refs {
				bpb = append(bpb, r.Evals[i].BitsPerByte)
			}
			c.RefEvalBitsPerByte = append(c.RefEvalBitsPerByte, NewStat(bpb).Mean)
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
		for i, ref := range c.RefEvalBitsPerByte {
			rr.EvalDelta = append(rr.EvalDelta, r.Evals[i].BitsPerByte-ref)
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
		var steps, fl, wall, loss, bpb, rf, rw, fs, ws, split, splitBPB []float64
		evals := make([][3][]float64, len(c.EvalFiles)) // loss, bits per byte, delta
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
			if r.Summary != nil {
				split = append(split, r.Summary.ValLoss)
				splitBPB = append(splitBPB, r.Summary.ValBPB)
			}
			for j, e := range r.Evals {
				evals[j][0] = append(evals[j][0], e.Loss)
				evals[j][1] = append(evals[j][1], e.BitsPerByte)
				if len(rr.EvalDelta) > 0 {
					evals[j][2] = append(evals[j][2], rr.EvalDelta[j])
				}
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
		m.SplitValLoss, m.SplitBitsPerByte = NewStat(split), NewStat(splitBPB)
		for _, e := range evals {
			m.Evals = append(m.Evals, EvalStat{Loss: NewStat(e[0]), BitsPerByte: NewStat(e[1]), Delta: NewStat(e[2])})
		}
	}
	return c, nil
}

// RecipeKeys are the keys of config.json that say what a run does: runs
// of one method should differ in none of them, only in their seed.
var RecipeKeys = []string{
	"data_sha256", "val_frac", "layers", "dim", "heads", "seq", "batch", "accum",
	"steps", "flops_budget", "lr", "min_lr", "warmup", "schedule", "decay_frac", "decay_shape", "wd", "clip",
	"init", "grow_from", "grow_from_flops",
	"stages", "stage_ends", "sampler", "share_map", "expander", "plan", "opt_state", "eval_depth", "freeze",
}

// sameRecipe returns an error naming the first key of RecipeKeys in which
// two of the runs of method differ.
func sameRecipe(method string, runs []*Run) error {
	value := func(r *Run, key string) string {
		var b bytes.Buffer
		if json.Compact(&b, r.Config[key]) != nil || b.Len() == 0 {
			return "null"
		}
		return b.String()
	}
	for _, key := range RecipeKeys {
		for _, r := range runs[1:] {
			if a, b := value(runs[0], key), value(r, key); a != b {
				return fmt.Errorf("reference method %q is ambiguous: its runs %s and %s differ in %q (%s against %s); give each recipe its own method name",
					method, runs[0].Name, r.Name, key, a, b)
			}
		}
	}
	return nil
}

// methods lists the methods of runs in order of appearance.
func methods(runs []*Run) []string {
	var ms []string
	seen := map[string]bool{}
	for _, r := range runs {
		if !seen[r.Method] {
			seen[r.Method] = true
			ms = append(ms, r.Method)
		}
	}
	return ms
}
