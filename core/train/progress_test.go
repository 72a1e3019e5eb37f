package train

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"workbench/core/flops"
)

// progressTotals returns the "step a/b" pairs of the progress lines.
func progressTotals(t *testing.T, status string) [][2]int {
	t.Helper()
	var out [][2]int
	for _, m := range regexp.MustCompile(`step (\d+)/(\d+)`).FindAllStringSubmatch(status, -1) {
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		out = append(out, [2]int{a, b})
	}
	if len(out) == 0 {
		t.Fatalf("no progress lines in %q", status)
	}
	return out
}

// With a FLOPs budget the progress total is the step the budget runs out
// at, not the --steps upper bound.
func TestProgressTotalFollowsFlopsBudget(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Steps = 1000
	perStep := flops.Train(c.Batch, c.Seq, c.Layers, c.Dim, 256)
	c.FlopsBudget = 9.5 * perStep // ends after step 10
	c.Out = filepath.Join(t.TempDir(), "run")
	var status bytes.Buffer
	r, err := startRun(t, c, &status)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.Step != 10 {
		t.Fatalf("ran %d steps, want 10", r.Step)
	}
	for _, p := range progressTotals(t, status.String()) {
		if p[1] != 10 {
			t.Errorf("progress line step %d/%d, want the total 10", p[0], p[1])
		}
	}
}

// In a progressive run the estimate follows the current stage's cost per
// step and reaches the final step.
func TestProgressTotalProgressiveBudget(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Stages, c.StageEnds = 4, []int{1, 2, 4}, []float64{0.25, 0.5}
	c.Steps = 1000
	c.FlopsBudget = 20 * flops.Train(c.Batch, c.Seq, c.Layers, c.Dim, 256)
	c.Out = filepath.Join(t.TempDir(), "run")
	tr, err := New(c, apolloHooks())
	if err != nil {
		t.Fatal(err)
	}
	var status bytes.Buffer
	r, err := Start(tr, &status)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ps := progressTotals(t, status.String())
	if last := ps[len(ps)-1]; last[0] != r.Step || last[1] != r.Step {
		t.Errorf("last progress line step %d/%d, want %d/%d", last[0], last[1], r.Step, r.Step)
	}
	for _, p := range ps {
		if p[1] >= c.Steps || p[1] < p[0] {
			t.Errorf("progress line step %d/%d: total outside [step, --steps)", p[0], p[1])
		}
	}
}
