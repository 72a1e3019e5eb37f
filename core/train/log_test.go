package train

import (
	"context"
	"math"
	"path/filepath"
	"testing"
)

// A metrics line is written on every step: it must not allocate.
func TestLogStepAllocatesNothing(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Steps, c.Accum = 2, 3
	c.Out = filepath.Join(t.TempDir(), "run")
	tr, err := New(c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
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
