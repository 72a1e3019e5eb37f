package wb

import (
	"errors"
	"fmt"
	"math"

	"workbench/core/train"
	"workbench/core/wb/internal/env"
)

// Trainer trains a run step by step, for interactive use. It writes the
// same run directory as Train: config.json and the logs at once,
// model.safetensors and summary.json at Save.
type Trainer struct {
	s     *env.Session
	r     *train.Run
	timer *hookTimer
	last  float64
}

// Status describes a trainer's progress.
type Status struct {
	Step, Steps int     // optimizer steps taken and planned
	Stage       int     // current stage index
	Real        int     // real layers of the current stage
	Layers      int     // target depth
	Flops       float64 // training FLOPs spent
	Loss        float64 // training loss of the last step (NaN before the first)
	Dir         string  // run directory
}

// NewTrainer builds a trainer for cfg and creates its run directory in the
// experiment directory, named as by Train.
func NewTrainer(cfg TrainConfig) (*Trainer, error) {
	s := env.Current()
	defer s.Enter()()
	s.CheckStopped()
	if s.Plan {
		return nil, errors.New("wb.NewTrainer: a step-by-step trainer reports losses, which only a real run knows; workbench plan supports scripts that train with wb.Train")
	}
	r, timer, err := start(s, cfg)
	if err != nil {
		return nil, err
	}
	return &Trainer{s: s, r: r, timer: timer, last: math.NaN()}, nil
}

// Step runs one optimizer step, first expanding the model when the
// schedule says a stage ends, logs it, and returns its training loss.
// After the last step of the run it returns an error.
func (t *Trainer) Step() (float64, error) {
	defer t.s.Enter()()
	t.s.CheckStopped()
	return t.step()
}

func (t *Trainer) step() (float64, error) {
	r := t.r
	if r.Done() {
		return t.last, fmt.Errorf("run %s has taken its %d steps (or spent its FLOPs budget); build a new trainer to train longer", r.Config.Name, r.Step)
	}
	if n := r.DueExpansion(); n > 0 {
		if err := r.ExpandLogged(n); err != nil {
			return t.last, err
		}
	}
	res, err := r.TrainStep()
	if err != nil {
		return t.last, fmt.Errorf("step %d: %w", r.Step+1, err)
	}
	if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
		return res.Loss, fmt.Errorf("step %d: training loss is %v; lower the learning rate", res.Step, res.Loss)
	}
	val := math.NaN()
	if r.Step%r.Config.EvalEvery == 0 || r.Done() {
		if val, err = r.ValLoss(r.EvalDepth()); err != nil {
			return res.Loss, err
		}
	}
	if r.Step%r.Config.LogEvery == 0 || !math.IsNaN(val) || r.Done() {
		if err := r.LogStep(res, val); err != nil {
			return res.Loss, err
		}
	}
	t.last = res.Loss
	return res.Loss, nil
}

// Steps runs n steps, or fewer if the run ends first, and returns the
// training loss of the last. An interruption stops it after the current
// step.
func (t *Trainer) Steps(n int) (float64, error) {
	defer t.s.Enter()()
	for i := 0; i < n && !t.r.Done(); i++ {
		if t.s.Context().Err() != nil {
			t.s.Stopf("run %s stopped at step %d (%v); Save writes its model", t.r.Config.Name, t.r.Step, contextCause(t.s))
		}
		if _, err := t.step(); err != nil {
			return t.last, err
		}
	}
	return t.last, nil
}

// Eval returns the validation loss on the run's fixed validation windows
// at its evaluation depth.
func (t *Trainer) Eval() (float64, error) {
	defer t.s.Enter()()
	t.s.CheckStopped()
	return t.r.ValLoss(t.r.EvalDepth())
}

// Expand grows the model to n real layers now, with the run's expander,
// and records the event.
func (t *Trainer) Expand(n int) error {
	defer t.s.Enter()()
	t.s.CheckStopped()
	if t.r.Hooks.Expand == nil {
		return errors.New("the run has no expander (set Expander in its configuration)")
	}
	return t.r.ExpandLogged(n)
}

// Done reports whether the run has taken its steps or spent its budget.
func (t *Trainer) Done() bool { return t.r.Done() }

// Config returns the run's configuration.
func (t *Trainer) Config() TrainConfig { return t.r.Config }

// Status returns the trainer's progress.
func (t *Trainer) Status() Status {
	r := t.r
	return Status{Step: r.Step, Steps: r.Config.Steps, Stage: r.Stage, Real: r.Real, Layers: r.Config.Layers,
		Flops: r.Flops, Loss: t.last, Dir: r.Dir}
}

// String describes the trainer's progress on one line.
func (t *Trainer) String() string {
	st := t.Status()
	return fmt.Sprintf("run %s: step %d/%d, %d of %d layers, %.3g FLOPs, loss %.4f, in %s",
		t.r.Config.Name, st.Step, st.Steps, st.Real, st.Layers, st.Flops, st.Loss, st.Dir)
}

// Save evaluates the model on the whole validation split and writes
// model.safetensors and summary.json into the run directory; it may be
// called again after more steps.
func (t *Trainer) Save() (Result, error) {
	defer t.s.Enter()()
	if err := t.r.Finish(!t.r.Done()); err != nil {
		return Result{}, err
	}
	return result(t.r, t.timer), nil
}

// Close closes the run's logs. The trainer must not be used afterwards.
func (t *Trainer) Close() error { return t.r.Close() }
