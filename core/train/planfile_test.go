package train

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"workbench/core/grow"
	"workbench/core/safetensors"
	expinterp "workbench/plugins/expanders/interpolate"
	"workbench/plugins/samplers/lvps"
	shareinterp "workbench/plugins/sharemaps/interpolate"
)

// TestPlanMatchesRun plans an Apollo run under a FLOPs budget, trains the
// same run, and requires the plan to say exactly what the run did: the
// plans, learning rates, FLOPs and stage of every step, the expansions, and
// the initial weights.
func TestPlanMatchesRun(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Steps, c.LogEvery = 4, 200, 1
	c.Stages, c.StageEnds = []int{1, 2, 4}, []float64{0.2, 0.5}
	c.Sampler, c.ShareMap, c.Expander = "lvps", "interpolate", "interpolate"
	c.FlopsBudget = 1e9
	h := Hooks{
		Sample: func(s grow.SampleState) (int, error) { return lvps.Sample(s), nil },
		Share:  func(real, depth int) ([]int, error) { return shareinterp.Share(real, depth), nil },
		Expand: func(o, n int) ([]int, error) { return expinterp.Expand(o, n), nil },
	}
	dir := filepath.Join(t.TempDir(), "plan")
	res, err := WritePlan(c, h, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	c.Out = filepath.Join(t.TempDir(), "run")
	trainRun(t, c, h)

	var steps []PlanStep
	var expands []PlanExpand
	f, err := os.Open(filepath.Join(dir, PlanStepsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev struct {
			Event string `json:"event"`
		}
		json.Unmarshal(sc.Bytes(), &ev)
		switch ev.Event {
		case "":
			var s PlanStep
			json.Unmarshal(sc.Bytes(), &s)
			steps = append(steps, s)
		case "expand":
			var e PlanExpand
			json.Unmarshal(sc.Bytes(), &e)
			expands = append(expands, e)
		}
	}
	var metrics []struct {
		Step  int     `json:"step"`
		Stage int     `json:"stage"`
		LR    float64 `json:"lr"`
		Flops float64 `json:"flops"`
		Depth int     `json:"sampled_depth"` // one micro-batch per step
	}
	readLines(t, filepath.Join(c.Out, "metrics.jsonl"), &metrics)
	var events []struct {
		Step int   `json:"step"`
		Map  []int `json:"map"`
	}
	readLines(t, filepath.Join(c.Out, "events.jsonl"), &events)
	if len(steps) != res.Steps || len(steps) != len(metrics) || len(expands) != 2 || len(events) != 2 {
		t.Fatalf("plan: %d steps (%d), %d expansions; run: %d steps, %d expansions", len(steps), res.Steps, len(expands), len(metrics), len(events))
	}
	for i, s := range steps {
		m := metrics[i]
		if s.Step != m.Step || s.Stage != m.Stage || s.LR != m.LR || s.Flops != m.Flops || len(s.Plans[0]) != m.Depth || len(s.Batches[0]) != c.Batch {
			t.Fatalf("step %d: plan %+v, run %+v", i+1, s, m)
		}
	}
	for i, e := range expands {
		if e.Step != events[i].Step || !slices.Equal(e.Map, events[i].Map) {
			t.Errorf("expansion %d: plan at step %d with map %v, run at step %d with %v", i, e.Step, e.Map, events[i].Step, events[i].Map)
		}
	}
	init, err := safetensors.ReadFile(filepath.Join(dir, PlanInitFile))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := New(c, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range fresh.Model.Layout.Tensors {
		st, ok := init.Tensor(tn.Name)
		if !ok {
			t.Fatalf("init has no %s", tn.Name)
		}
		v, _ := st.Float32s()
		want := fresh.Model.Params.Data[tn.Offset : tn.Offset+tn.Size]
		for i := range want {
			if math.Float32bits(v[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s[%d] = %g, the run starts from %g", tn.Name, i, v[i], want[i])
			}
		}
	}
}

// readLines decodes a JSON-lines file into *out, a pointer to a slice.
func readLines[T any](t *testing.T, path string, out *[]T) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		*out = append(*out, v)
	}
}
