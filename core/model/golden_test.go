package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"workbench/core/nn"
	"workbench/core/safetensors"
)

// loadGolden builds the model described by a fixture written by
// tools/golden/gen.py (PyTorch, float64 reference) and loads its weights.
func loadGolden(t *testing.T, path string) (*Model, *safetensors.File, []int, []int32, []int32) {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	meta := func(k string) int { return metaInt(t, f, k) }
	c := Config{Layers: meta("n_layer"), Dim: meta("n_embd"), Heads: meta("n_head"), Seq: meta("n_positions"),
		Vocab: meta("vocab_size"), Batch: meta("batch")}
	var plan []int
	for _, s := range strings.Split(f.Metadata["plan"], ",") {
		p, _ := strconv.Atoi(s)
		plan = append(plan, p)
	}
	c.MaxDepth = len(plan)
	m, err := New(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LoadWeights(f); err != nil {
		t.Fatal(err)
	}
	return m, f, plan, fixtureInts(t, f, "tokens"), fixtureInts(t, f, "targets")
}

// metaInt returns the integer metadata value k of a fixture.
func metaInt(t *testing.T, f *safetensors.File, k string) int {
	t.Helper()
	v, err := strconv.Atoi(f.Metadata[k])
	if err != nil {
		t.Fatalf("metadata %s: %v", k, err)
	}
	return v
}

// fixtureInts returns the I32 tensor name of a fixture.
func fixtureInts(t *testing.T, f *safetensors.File, name string) []int32 {
	t.Helper()
	tn, _ := f.Tensor(name)
	v, err := tn.Int32s()
	if err != nil {
		t.Fatalf("tensor %s: %v", name, err)
	}
	return v
}

func floats(t *testing.T, f *safetensors.File, name string) []float32 {
	t.Helper()
	tn, ok := f.Tensor(name)
	if !ok {
		t.Fatalf("fixture has no tensor %s", name)
	}
	v, err := tn.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGoldenPyTorch matches the loss and every gradient of a PyTorch GPT-2
// run with a shared plan, for a small-init and a large-init model (the
// latter makes attention and GELU strongly non-linear), with the LM head
// computed in one chunk (the default) and in chunks of 1 and 5 of the 48
// rows of the batch.
func TestGoldenPyTorch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chunk int // LM-head rows at a time; 0: the default
	}{
		{"gpt_golden", 0}, {"gpt_golden_strong", 0},
		{"gpt_golden", 1}, {"gpt_golden_strong", 5},
	} {
		name := tc.name
		t.Run(fmt.Sprintf("%s/chunk=%d", name, tc.chunk), func(t *testing.T) {
			m, f, plan, tokens, targets := loadGolden(t, "testdata/"+name+".safetensors")
			c := m.Config
			if tc.chunk > 0 {
				m.acts.head = nn.NewLMHead(c.Batch*c.Seq, c.Vocab, tc.chunk)
			}
			loss, err := m.Forward(plan, tokens, targets, c.Batch, c.Seq)
			if err != nil {
				t.Fatal(err)
			}
			matchGolden(t, m, f, loss)
		})
	}
}

// matchGolden compares the loss of the last Forward of m, and the
// gradients of Backward(1), with a fixture's loss and grad.<name> tensors:
// loss within 1e-5, every gradient within 2e-6.
func matchGolden(t *testing.T, m *Model, f *safetensors.File, loss float64) {
	t.Helper()
	if want := float64(floats(t, f, "loss")[0]); math.Abs(loss-want) > 1e-5 {
		t.Errorf("loss %.8f, want %.8f", loss, want)
	}
	m.Backward(1)
	var worst float64
	for _, tn := range m.Layout.Tensors {
		want := floats(t, f, "grad."+tn.Name)
		got := m.Grads.Data[tn.Offset : tn.Offset+tn.Size]
		for i := range want {
			d := math.Abs(float64(got[i] - want[i]))
			worst = math.Max(worst, d)
			if d > 2e-6 {
				t.Fatalf("grad %s[%d] = %g, want %g", tn.Name, i, got[i], want[i])
			}
		}
	}
	t.Logf("loss %.8f, max gradient difference %.2g", loss, worst)
}
