package optim

import (
	"math"
	"testing"

	"workbench/core/model"
)

func TestScheduleLR(t *testing.T) {
	s := Schedule{Peak: 1e-3, Min: 1e-4, Warmup: 0.1}
	for _, tc := range []struct{ p, want float64 }{
		{0, 0}, {0.05, 5e-4}, {0.1, 1e-3}, {0.55, 5.5e-4}, {1, 1e-4}, {2, 1e-4}, {-1, 0},
	} {
		if got := s.LR(tc.p); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("LR(%g) = %g, want %g", tc.p, got, tc.want)
		}
	}
	if got := (Schedule{Peak: 2, Min: 0}).LR(0); got != 2 {
		t.Errorf("no warmup: LR(0) = %g, want 2", got)
	}
}

func TestClipScale(t *testing.T) {
	for _, tc := range []struct{ norm, max, want float64 }{
		{0.5, 1, 1}, {4, 1, 1 / (4 + 1e-6)}, {4, 0, 1},
	} {
		if got := ClipScale(tc.norm, tc.max); got != tc.want {
			t.Errorf("ClipScale(%g, %g) = %g, want %g", tc.norm, tc.max, got, tc.want)
		}
	}
}

func smallLayout() *model.Layout {
	return model.NewLayout(model.Config{Layers: 2, Dim: 4, Heads: 1, Seq: 3, Vocab: 5, Batch: 1})
}

func TestGradNormOnlyTouched(t *testing.T) {
	l := smallLayout()
	grads := make([]float32, l.Size)
	for i := range grads {
		grads[i] = 1
	}
	touched := make([]bool, len(l.Groups))
	touched[model.BlockGroup(1)] = true
	got, _ := GradNorm(l, grads, touched, nil)
	if want := math.Sqrt(float64(l.Groups[model.BlockGroup(1)].Size)); got != want {
		t.Fatalf("GradNorm = %g, want %g", got, want)
	}
}

// TestAdamWMatchesFormula checks one element against the update written
// out by hand, for two steps, with and without weight decay.
func TestAdamWMatchesFormula(t *testing.T) {
	l := smallLayout()
	o := NewAdamW(l, 0.01)
	params := make([]float32, l.Size)
	grads := make([]float32, l.Size)
	for i := range params {
		params[i] = 0.5
		grads[i] = 0.25
	}
	touched := make([]bool, len(l.Groups))
	for g := range touched {
		touched[g] = true
	}
	touched[model.BlockGroup(0)] = false
	lr := 0.1
	o.Step(params, grads, touched, lr, 2)
	o.Step(params, grads, touched, lr, 2)
	// reference, float64
	ref := func(wd float64) float64 {
		p, m, v := 0.5, 0.0, 0.0
		for step := 1; step <= 2; step++ {
			g := 0.5
			p -= lr * wd * p
			m = 0.9*m + 0.1*g
			v = 0.999*v + 0.001*g*g
			mh := m / (1 - math.Pow(0.9, float64(step)))
			vh := v / (1 - math.Pow(0.999, float64(step)))
			p -= lr * mh / (math.Sqrt(vh) + 1e-8)
		}
		return p
	}
	for _, tn := range l.Tensors {
		got := float64(params[tn.Offset])
		want := ref(0)
		if tn.Decay {
			want = ref(0.01)
		}
		if tn.Group == model.BlockGroup(0) {
			want = 0.5
		}
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("%s: %g, want %g", tn.Name, got, want)
		}
	}
	if o.Steps[model.BlockGroup(0)] != 0 || o.Steps[model.BlockGroup(1)] != 2 {
		t.Fatalf("steps = %v", o.Steps)
	}
	for _, v := range l.GroupData(o.M, model.BlockGroup(0)) {
		if v != 0 {
			t.Fatal("untouched group has a first moment")
		}
	}
}

func TestAdamWGroupPolicies(t *testing.T) {
	l := smallLayout()
	o := NewAdamW(l, 0)
	b0, b1 := model.BlockGroup(0), model.BlockGroup(1)
	for i := range l.GroupData(o.M, b0) {
		l.GroupData(o.M, b0)[i] = float32(i)
		l.GroupData(o.V, b0)[i] = float32(2 * i)
	}
	o.Steps[b0] = 7
	o.CopyGroup(b1, b0)
	if o.Steps[b1] != 7 || l.GroupData(o.M, b1)[3] != 3 || l.GroupData(o.V, b1)[3] != 6 {
		t.Fatal("CopyGroup did not copy moments and steps")
	}
	o.ResetGroup(b0)
	if o.Steps[b0] != 0 || l.GroupData(o.M, b0)[3] != 0 || l.GroupData(o.V, b1)[3] != 6 {
		t.Fatal("ResetGroup cleared the wrong state")
	}
	o.Reset()
	if o.Steps[b1] != 0 || l.GroupData(o.V, b1)[3] != 0 {
		t.Fatal("Reset left state behind")
	}
}

// TestWSDEdges checks warmup-stable-decay at the edges of its phases: the
// end of warmup, the start of the decay and the end of training, for both
// decay shapes.
func TestWSDEdges(t *testing.T) {
	const peak, lo = 1e-3, 1e-4
	for _, cos := range []bool{false, true} {
		s := Schedule{Peak: peak, Min: lo, Warmup: 0.1, WSD: true, Decay: 0.2, CosineDecay: cos}
		mid := (peak + lo) / 2 // half-way through the decay, either shape
		for _, tc := range []struct{ p, want float64 }{
			{0, 0}, {0.05, peak / 2}, {0.1, peak}, {0.5, peak}, {0.8, peak}, {0.9, mid}, {1, lo}, {1.5, lo},
		} {
			if got := s.LR(tc.p); math.Abs(got-tc.want) > 1e-15 {
				t.Errorf("cosine decay %v: LR(%g) = %g, want %g", cos, tc.p, got, tc.want)
			}
		}
		// Linear: a quarter into the decay is a quarter of the way down;
		// cosine: (1+cos(pi/4))/2 of the way up from the minimum.
		want := peak + (lo-peak)*0.25
		if cos {
			want = lo + (peak-lo)*0.5*(1+math.Cos(math.Pi/4))
		}
		if got := s.LR(0.85); math.Abs(got-want) > 1e-15 {
			t.Errorf("cosine decay %v: LR(0.85) = %g, want %g", cos, got, want)
		}
	}
	// The decay may take all of training after warmup.
	s := Schedule{Peak: 1, Min: 0, Warmup: 0.25, WSD: true, Decay: 0.75}
	if got := s.LR(0.25); got != 1 {
		t.Errorf("LR at the end of warmup = %g, want 1", got)
	}
	if got := s.LR(0.625); math.Abs(got-0.5) > 1e-15 {
		t.Errorf("LR half-way = %g, want 0.5", got)
	}
}
