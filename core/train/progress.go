package train

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// stageMark records where the current stage (or the resumed part of it)
// began, for the progress estimates.
type stageMark struct {
	step  int
	flops float64
	wall  float64
}

// markStage records the trainer's current position as the start of the
// current stage's measured part.
func (r *Run) markStage() {
	r.stageStart = stageMark{r.Step, r.Flops, r.WallSeconds}
}

// Estimate returns the step at which training is expected to end and the
// training time left. Without a FLOPs budget the end is Config.Steps;
// with one it is the current step plus the FLOPs still to spend divided
// by the current stage's FLOPs per step (never beyond Config.Steps). The
// time left is the remaining steps at the current stage's seconds per
// step. last is the step just taken, used before the stage has a
// measured step of its own.
func (r *Run) Estimate(last StepResult) (endStep int, left time.Duration) {
	c := &r.Config
	flopsPerStep, secPerStep := last.Flops, last.Seconds
	if n := r.Step - r.stageStart.step; n > 0 {
		flopsPerStep = (r.Flops - r.stageStart.flops) / float64(n)
		secPerStep = (r.WallSeconds - r.stageStart.wall) / float64(n)
	}
	endStep = c.Steps
	if c.FlopsBudget > 0 && flopsPerStep > 0 {
		rest := math.Max(0, math.Ceil((c.FlopsBudget-r.Flops)/flopsPerStep))
		endStep = int(math.Min(float64(r.Step)+rest, float64(c.Steps)))
	}
	if r.Done() {
		endStep = r.Step
	}
	left = time.Duration(float64(endStep-r.Step) * secPerStep * float64(time.Second))
	return endStep, left
}

func (r *Run) showProgress(res StepResult, val float64) {
	if r.Status == nil {
		return
	}
	c := &r.Config
	end, left := r.Estimate(res)
	every := end / 20
	if every < 1 {
		every = 1
	}
	if !r.isTerminal && r.Step%every != 0 && !r.Done() {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "step %d/%d  loss %.4f", r.Step, end, res.Loss)
	if !math.IsNaN(val) {
		fmt.Fprintf(&b, "  val %.4f (%.3f bpb)", val, r.Data.ValBPB(val))
	}
	if len(c.Stages) > 1 {
		fmt.Fprintf(&b, "  N=%d L'=%v", r.Real, res.SampledDepth)
	}
	fmt.Fprintf(&b, "  %.0f tok/s  ETA %s", float64(r.Tokens)/math.Max(r.WallSeconds, 1e-9), left.Round(time.Second))
	if r.isTerminal {
		fmt.Fprintf(r.Status, "\r\033[K%s", b.String())
	} else {
		fmt.Fprintln(r.Status, b.String())
	}
}
