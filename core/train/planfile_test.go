package train

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"workbench/core/data"
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

// TestPlanBERTBatches plans a BERT run with batches and trains it: every
// step line holds each micro-batch's masked sequences and labels, and the
// last micro-batch of each step is exactly what the run trained on.
func TestPlanBERTBatches(t *testing.T) {
	c := bertConfig(t)
	c.Steps, c.Accum = 4, 2
	dir := filepath.Join(t.TempDir(), "plan")
	if _, err := WritePlan(c, Hooks{}, dir, true); err != nil {
		t.Fatal(err)
	}
	var steps []PlanStep
	readLines(t, filepath.Join(dir, PlanStepsFile), &steps)
	steps = steps[:len(steps)-1] // the end line
	tr, err := New(c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != c.Steps {
		t.Fatalf("plan has %d step lines, want %d", len(steps), c.Steps)
	}
	for _, s := range steps {
		if len(s.InputIDs) != c.Accum || len(s.Labels) != c.Accum || s.Batches != nil {
			t.Fatalf("step %d: %d input_ids and %d labels micro-batches (batches %v), want %d", s.Step, len(s.InputIDs), len(s.Labels), s.Batches, c.Accum)
		}
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
		ids, labels := s.InputIDs[c.Accum-1], s.Labels[c.Accum-1]
		scored := 0
		for i := 0; i < c.Batch; i++ {
			for j := 0; j < c.Seq; j++ {
				want := tr.target[i*c.Seq+j]
				if want == data.Ignore {
					want = -100
				} else {
					scored++
				}
				if ids[i][j] != tr.inputs[i*c.Seq+j] || labels[i][j] != want {
					t.Fatalf("step %d sequence %d position %d: plan (%d, %d), run (%d, %d)", s.Step, i, j, ids[i][j], labels[i][j], tr.inputs[i*c.Seq+j], want)
				}
			}
		}
		if scored == 0 {
			t.Fatalf("step %d: no scored position", s.Step)
		}
	}
}
