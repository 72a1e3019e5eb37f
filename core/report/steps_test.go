package report

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStepCurves(t *testing.T) {
	runs := loadRuns(t, "apollo_s1", "baseline_s1")
	for _, tc := range []struct {
		name       string
		metric     string
		from, to   int
		steps      []int
		values     []float64
		expansions []int // of apollo_s1
		err        string
	}{
		{name: "all train loss", metric: "train_loss", from: 0, to: 0,
			steps: []int{5, 10, 15, 20, 25, 30, 35, 40}, values: []float64{4.35, 3.75, 4.05, 3.25, 3.75, 2.95, 3.45, 2.85}, expansions: []int{10, 20}},
		{name: "around the second expansion", metric: "train_loss", from: 15, to: 25,
			steps: []int{15, 20, 25}, values: []float64{4.05, 3.25, 3.75}, expansions: []int{20}},
		{name: "validation points only", metric: "val_loss", from: 1, to: 20,
			steps: []int{10, 20}, values: []float64{3.8, 3.3}, expansions: []int{10, 20}},
		{name: "unknown metric", metric: "loss", err: `unknown metric "loss"`},
		{name: "empty range", metric: "lr", from: 20, to: 10, err: "step range 20..10 is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			curves, err := StepCurves(runs, tc.metric, tc.from, tc.to)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(curves) != 2 || curves[0].Run != runs[0] {
				t.Fatalf("%d curves, want one per run in order", len(curves))
			}
			c := curves[0]
			if !reflect.DeepEqual(c.Steps, tc.steps) || !reflect.DeepEqual(c.Values, tc.values) || !reflect.DeepEqual(c.Expansions, tc.expansions) {
				t.Errorf("got steps %v values %v expansions %v, want %v %v %v", c.Steps, c.Values, c.Expansions, tc.steps, tc.values, tc.expansions)
			}
			if len(curves[1].Expansions) != 0 {
				t.Errorf("baseline expansions %v, want none", curves[1].Expansions)
			}
		})
	}
}

func TestPlotStepsWrites(t *testing.T) {
	runs := loadRuns(t, "apollo_s1", "baseline_s1")
	curves, err := StepCurves(runs, "train_loss", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := PlotSteps(curves, "train_loss")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	written, err := WritePlot(dir, "train_loss", p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "train_loss.png"), filepath.Join(dir, "train_loss.svg")}
	if !reflect.DeepEqual(written, want) {
		t.Fatalf("wrote %v, want %v", written, want)
	}
	svg, err := os.ReadFile(want[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"train_loss against optimizer steps", "apollo_s1", "baseline_s1"} {
		if !strings.Contains(string(svg), s) {
			t.Errorf("the SVG has no %q", s)
		}
	}
	// Nothing to plot is an error.
	if _, err := PlotSteps(nil, "grad_norm"); err == nil {
		t.Error("a plot without curves: no error")
	}
}
