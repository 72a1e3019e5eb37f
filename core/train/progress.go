package train

import (
	"fmt"
	"math"
	"strings"
	"time"
)

func (r *Run) showProgress(res StepResult, val float64) {
	if r.Status == nil {
		return
	}
	c := &r.Config
	every := c.Steps / 20
	if every < 1 {
		every = 1
	}
	if !r.isTerminal && r.Step%every != 0 && !r.Done() {
		return
	}
	p := r.Progress()
	eta := "?"
	if p > 0 {
		eta = (time.Duration(r.WallSeconds*(1-p)/p) * time.Second).Round(time.Second).String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "step %d/%d  loss %.4f", r.Step, c.Steps, res.Loss)
	if !math.IsNaN(val) {
		fmt.Fprintf(&b, "  val %.4f (%.3f bpb)", val, r.Data.ValBPB(val))
	}
	if len(c.Stages) > 1 {
		fmt.Fprintf(&b, "  N=%d L'=%v", r.Real, res.SampledDepth)
	}
	fmt.Fprintf(&b, "  %.0f tok/s  ETA %s", float64(r.Tokens)/math.Max(r.WallSeconds, 1e-9), eta)
	if r.isTerminal {
		fmt.Fprintf(r.Status, "\r\033[K%s", b.String())
	} else {
		fmt.Fprintln(r.Status, b.String())
	}
}
