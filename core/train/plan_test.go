package train

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"workbench/core/grow"
	"workbench/plugins/plans/layerdrop"
)

// planHooks runs a native plan plugin as the trainer's plan hook.
func planHooks(f grow.PlanFunc) Hooks {
	return Hooks{Plan: func(s grow.SampleState) ([]int, error) { return f(s), nil }}
}

// TestPlanPluginDrivesSteps trains with a plan plugin under a FLOPs budget
// and checks what reaches the logs: the depth and the plan of each step,
// FLOPs by the formula at the plan's length, and the progress the plugin
// saw.
func TestPlanPluginDrivesSteps(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Steps, c.Accum = 4, 100, 2
	c.FlopsBudget = 20 * 2 * (6*64*(4*12*1024+32*256) + 12*4*4*256*32) * 0.5
	c.Plan, c.Method = "layerdrop", "layerdrop"
	c.Out = filepath.Join(t.TempDir(), "run")
	var seen []grow.SampleState
	h := Hooks{Plan: func(s grow.SampleState) ([]int, error) {
		seen = append(seen, s)
		return layerdrop.Plan(s), nil
	}}
	tr := trainRun(t, c, h).Trainer
	for i, s := range seen {
		if s.Progress < 0 || s.Progress >= 1 || (i > 0 && s.Progress < seen[i-1].Progress) {
			t.Fatalf("call %d: progress %g after %g", i, s.Progress, seen[max(i-1, 0)].Progress)
		}
		if s.Real != 4 || s.Target != 4 {
			t.Fatalf("call %d: real %d, target %d", i, s.Real, s.Target)
		}
	}
	f, err := os.Open(filepath.Join(c.Out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var prevFlops float64
	skipped := false
	for sc.Scan() {
		var m struct {
			Step    int     `json:"step"`
			Flops   float64 `json:"flops"`
			Sampled []int   `json:"sampled_depth"`
			Plan    [][]int `json:"plan"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		want := 0.0
		for i, d := range m.Sampled {
			want += 6*64*(float64(d)*12*1024+32*256) + 12*float64(d)*4*256*32
			if m.Plan != nil && len(m.Plan[i]) != d {
				t.Fatalf("step %d: plan %v with depths %v", m.Step, m.Plan, m.Sampled)
			}
			if d < 4 && m.Plan == nil {
				t.Fatalf("step %d: depth %d without its plan", m.Step, d)
			}
			skipped = skipped || d < 4
		}
		if got := m.Flops - prevFlops; got < want*(1-1e-9) || got > want*(1+1e-9) {
			t.Fatalf("step %d: %g FLOPs, want %g for depths %v", m.Step, got, want, m.Sampled)
		}
		prevFlops = m.Flops
	}
	if !skipped {
		t.Fatal("layerdrop never skipped a layer")
	}
	if tr.Flops < c.FlopsBudget || tr.Step >= c.Steps {
		t.Fatalf("stopped at step %d with %g FLOPs, budget %g", tr.Step, tr.Flops, c.FlopsBudget)
	}
}

// TestPlanPluginRestoreExact interrupts a run with a plan plugin, loads its
// checkpoint into a new trainer and requires the same losses and plans.
func TestPlanPluginRestoreExact(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Steps, c.Plan = 4, 10, "layerdrop"
	h := planHooks(layerdrop.Plan)
	full, _ := New(c, h)
	var losses []float64
	var plans [][]int
	for !full.Done() {
		r, err := full.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, r.Loss)
		plans = append(plans, slices.Clone(r.Plans[0]))
	}
	a, _ := New(c, h)
	for a.Step < 4 {
		a.TrainStep()
	}
	ck, err := a.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(c, h)
	if err := b.LoadCheckpoint(ck); err != nil {
		t.Fatal(err)
	}
	for i := 4; !b.Done(); i++ {
		r, err := b.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if r.Loss != losses[i] || !slices.Equal(r.Plans[0], plans[i]) {
			t.Fatalf("step %d after restore: loss %v plan %v, uninterrupted %v %v", i+1, r.Loss, r.Plans[0], losses[i], plans[i])
		}
	}
}

// TestBadPlans checks that each kind of unusable plan stops the run with
// one error naming the plugin, the step and the value.
func TestBadPlans(t *testing.T) {
	calls := 0
	tests := []struct {
		name string
		plan grow.PlanFunc
		want string
	}{
		{"empty", func(grow.SampleState) []int { return []int{} }, "plan [] is empty"},
		{"out of range", func(grow.SampleState) []int { return []int{0, 4} }, "position 1 uses block 4 outside [0, 4)"},
		{"too long", func(grow.SampleState) []int { return []int{0, 1, 2, 3, 3} }, "has 5 blocks, more than the 4"},
		{"stateful", func(grow.SampleState) []int { calls++; return []int{calls % 4} }, "not deterministic: it returned [1], then [2]"},
		{"draws from s.Rand", func(s grow.SampleState) []int {
			if s.Micro == 0 {
				s.Rand.IntN(2)
			}
			return []int{0}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := smallConfig(t, shakespeare)
			c.Layers, c.Steps, c.Plan = 4, 3, "bad:k=1"
			c.Out = filepath.Join(t.TempDir(), "run")
			tr, err := New(c, planHooks(tt.plan))
			if err != nil {
				t.Fatal(err)
			}
			r, err := Start(tr, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			err = r.Run(context.Background())
			if tt.want == "" {
				if err != nil {
					t.Fatalf("a plan drawing from s.Rand failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range []string{"step 1:", "bad:k=1", tt.want} {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line", msg)
			}
		})
	}
}

// TestPlanExcludesSamplerAndShare checks that naming both is an error.
func TestPlanExcludesSamplerAndShare(t *testing.T) {
	c := Defaults()
	c.Plan, c.Sampler = "raptr", "lvps"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "drop sampler") {
		t.Fatalf("got %v", err)
	}
	c.Sampler, c.ShareMap = "none", "none"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestWSDByStepsAndBudget checks the learning rate of a WSD run at its
// phase edges, with the schedule driven by steps and by a FLOPs budget.
func TestWSDByStepsAndBudget(t *testing.T) {
	for _, budget := range []bool{false, true} {
		c := smallConfig(t, shakespeare)
		c.Steps, c.Warmup, c.Schedule, c.DecayFrac = 20, 0.1, "wsd", 0.25
		if budget {
			// A full-depth step costs the same every time, so the
			// budget of 20 steps ends after step 20 as well.
			c.FlopsBudget = 20 * (6*64*(2*12*1024+32*256) + 12*2*4*256*32)
			c.Steps = 1000
		}
		tr, err := New(c, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		lrs := map[int]float64{}
		for !tr.Done() {
			r, err := tr.TrainStep()
			if err != nil {
				t.Fatal(err)
			}
			lrs[r.Step] = r.LR
		}
		want := map[int]float64{1: c.LR / 2, 2: c.LR, 15: c.LR, 16: c.LR + (c.MinLR-c.LR)*0.2, 20: c.MinLR}
		for step, w := range want {
			if math.Abs(lrs[step]-w) > 1e-12 {
				t.Errorf("budget %v: step %d lr %g, want %g", budget, step, lrs[step], w)
			}
		}
		if len(lrs) != 20 {
			t.Errorf("budget %v: %d steps, want 20", budget, len(lrs))
		}
	}
}

func TestMIDASStages(t *testing.T) {
	for _, tc := range []struct {
		l      int
		stages []int
		ends   []float64
	}{
		{12, []int{4, 6, 8, 10, 12}, []float64{0.15, 0.30, 0.45, 0.60}},
		{6, []int{2, 3, 4, 5, 6}, []float64{0.15, 0.30, 0.45, 0.60}},
		{2, []int{1, 2}, []float64{0.60}},
		{1, []int{1}, []float64{}},
	} {
		st, en := MIDASStages(tc.l)
		if !slices.Equal(st, tc.stages) || !slices.Equal(en, tc.ends) {
			t.Errorf("MIDASStages(%d) = %v %v, want %v %v", tc.l, st, en, tc.stages, tc.ends)
		}
	}
}
