package train

import (
	"math"
	"path/filepath"
	"testing"
)

// A metrics line is written on every step: it must not allocate.
func TestLogStepAllocatesNothing(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Steps, c.Accum = 2, 3
	c.Out = filepath.Join(t.TempDir(), "run")
	r := trainRun(t, c, Hooks{})
	res := StepResult{Step: r.Step, Loss: 2.5, LR: 1e-3, GradNorm: 0.7, SampledDepth: []int{2, 2, 2}}
	for _, val := range []float64{math.NaN(), 2.25} {
		if n := testing.AllocsPerRun(20, func() {
			if err := r.LogStep(res, val); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("LogStep (val %v) allocates %v times per line, want 0", val, n)
		}
	}
}
