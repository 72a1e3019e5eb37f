package train

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"workbench/core/model"
)

// trainRun trains c to the end in its run directory.
func trainRun(t *testing.T, c Config, h Hooks) *Run {
	t.Helper()
	tr, err := New(c, h)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGrowFromPreservesFunction grows a trained 2-layer model into 4
// layers with the interpolation expander, which promises that the model
// through the interpolation share map computes the same function before
// and after; it also checks that the grown run starts from the small
// model's exact weights and, when asked, its FLOPs.
func TestGrowFromPreservesFunction(t *testing.T) {
	dir := t.TempDir()
	small := smallConfig(t, shakespeare)
	small.Steps, small.Out = 6, filepath.Join(dir, "small")
	sr := trainRun(t, small, Hooks{})

	for _, counted := range []bool{false, true} {
		big := small
		big.Layers, big.Out, big.GrowFrom, big.GrowFromFlops = 4, filepath.Join(dir, "big"+map[bool]string{false: "", true: "-counted"}[counted]), small.Out, counted
		big.Expander, big.ShareMap = "interpolate", "interpolate"
		tr, err := New(big, apolloHooks())
		if err != nil {
			t.Fatal(err)
		}
		r, err := Start(tr, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		if tr.Real != 4 {
			t.Fatalf("real layers %d after growing, want 4", tr.Real)
		}
		wantFlops := 0.0
		if counted {
			wantFlops = sr.Flops
		}
		if tr.Flops != wantFlops {
			t.Fatalf("counted %v: starts with %g FLOPs, want %g", counted, tr.Flops, wantFlops)
		}
		b, err := os.ReadFile(filepath.Join(big.Out, "events.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		line, _, _ := strings.Cut(string(b), "\n")
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("events.jsonl: %v", err)
		}
		if ev["step"] != 0.0 || ev["from"] != 2.0 || ev["to"] != 4.0 || ev["val_full_before"] != ev["val_full_after"] {
			t.Fatalf("event %s: want step 0, 2 → 4 with equal full-depth losses", line)
		}
		// The native loss before growing is the small model's own.
		st, err := New(small, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.InitFrom(filepath.Join(small.Out, "model.safetensors")); err != nil {
			t.Fatal(err)
		}
		own, err := st.ValLoss(2)
		if err != nil {
			t.Fatal(err)
		}
		if nb := ev["val_native_before"]; nb != own {
			t.Fatalf("native loss before growing %v, small model's %v", nb, own)
		}
	}
}

// TestGrowFromRejectsOtherShapes checks the error for a model of another
// width: it names both shapes, and no run directory is made.
func TestGrowFromRejectsOtherShapes(t *testing.T) {
	dir := t.TempDir()
	small := smallConfig(t, shakespeare)
	small.Steps, small.Out = 2, filepath.Join(dir, "small")
	trainRun(t, small, Hooks{})
	tests := []struct {
		name string
		edit func(*Config)
		want []string
	}{
		{"width", func(c *Config) { c.Dim = 64 }, []string{"2 layers, d=32, 2 heads", "4 layers, d=64, 2 heads", "width differs"}},
		{"seq", func(c *Config) { c.Seq = 8 }, []string{"seq 16", "seq 8", "sequence length differs"}},
		{"deeper than the first stage", func(c *Config) { c.Stages, c.StageEnds = []int{1, 4}, []float64{0.5} }, []string{"more layers than the first stage's 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			big := small
			big.Layers, big.GrowFrom, big.Out = 4, small.Out, filepath.Join(dir, "big")
			tt.edit(&big)
			tr, err := New(big, apolloHooks())
			if err != nil {
				t.Fatal(err)
			}
			_, err = Start(tr, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if _, serr := os.Stat(big.Out); serr == nil {
				t.Errorf("the failed run made its directory")
			}
		})
	}
}

// TestStageJumpToTarget grows from one stage straight to the target depth
// (1 → 4 as G_stack's 6 → 24), copying the small model into every slot.
func TestStageJumpToTarget(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Stages, c.StageEnds, c.Steps = 4, []int{1, 4}, []float64{0.5}, 6
	h := Hooks{Expand: func(o, n int) ([]int, error) {
		src := make([]int, n)
		for i := range src {
			src[i] = i % o
		}
		return src, nil
	}}
	tr, err := New(c, h)
	if err != nil {
		t.Fatal(err)
	}
	for !tr.Done() {
		if n := tr.DueExpansion(); n > 0 {
			if n != 4 || tr.Step != 3 {
				t.Fatalf("expansion to %d at step %d, want 4 at step 3", n, tr.Step)
			}
			if _, err := tr.Expand(n); err != nil {
				t.Fatal(err)
			}
			l := tr.Model.Layout
			for i := 1; i < 4; i++ {
				a, b := l.GroupData(tr.Model.Params.Data, model.BlockGroup(0)), l.GroupData(tr.Model.Params.Data, model.BlockGroup(i))
				for k := range a {
					if a[k] != b[k] {
						t.Fatalf("block %d differs from block 0 after the jump", i)
					}
				}
			}
		}
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	if tr.Real != 4 || tr.Stage != 1 {
		t.Fatalf("ended with %d real layers in stage %d", tr.Real, tr.Stage)
	}
}

// TestGrowFromCheckpoint grows from a checkpoint file of the small run and
// gets the same weights as from its run directory.
func TestGrowFromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	small := smallConfig(t, shakespeare)
	small.Steps, small.Out = 3, filepath.Join(dir, "small")
	sr := trainRun(t, small, Hooks{})
	big := small
	big.Layers, big.Out = 4, ""
	var params [][]float32
	for _, from := range []string{small.Out, sr.LastCheckpoint} {
		big.GrowFrom = from
		tr, err := New(big, apolloHooks())
		if err != nil {
			t.Fatal(err)
		}
		n, err := tr.GrowFrom(from)
		if err != nil || n != 2 {
			t.Fatalf("%s: %d layers, %v", from, n, err)
		}
		params = append(params, tr.Model.Params.Data)
	}
	for i := range params[0] {
		if params[0][i] != params[1][i] {
			t.Fatalf("parameter %d: %v from the run directory, %v from its checkpoint", i, params[0][i], params[1][i])
		}
	}
}
