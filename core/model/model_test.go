package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func tinyConfig() Config {
	return Config{Layers: 2, Dim: 8, Heads: 2, Seq: 5, Vocab: 13, Batch: 2, MaxDepth: 3}
}

func randTokens(rng *rand.Rand, n, v int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(rng.IntN(v))
	}
	return s
}

// perturb makes every parameter non-trivial (biases and LayerNorm params
// included) so that every term of the gradient is exercised.
func perturb(m *Model, rng *rand.Rand) {
	for i := range m.Params.Data {
		m.Params.Data[i] += float32(rng.NormFloat64() * 0.1)
	}
}

// archCase is one architecture the model tests run on: a tiny shape and
// how to draw targets (next tokens for GPT, MLM labels for BERT, with
// optional padding).
type archCase struct {
	name string
	c    Config
	lens []int
}

func archCases() []archCase {
	return []archCase{{"gpt", tinyConfig(), nil}, {"bert", tinyBERT(), nil}, {"bert padded", tinyBERT(), []int{6, 4}}}
}

func (a archCase) targets(rng *rand.Rand, c Config) []int32 {
	if c.IsBERT() {
		return mlmLabels(rng, c, a.lens)
	}
	return randTokens(rng, c.Batch*c.Seq, c.Vocab)
}

// TestModelGradientCheck compares every tensor's gradient with central
// differences of the loss, on a shared plan.
func TestModelGradientCheck(t *testing.T) {
	for _, ac := range archCases() {
		rng := rand.New(rand.NewPCG(1, 2))
		m, err := New(ac.c, 1)
		if err != nil {
			t.Fatal(err)
		}
		perturb(m, rng)
		c := m.Config
		plan := []int{0, 0, 1}
		tokens := randTokens(rng, c.Batch*c.Seq, c.Vocab)
		targets := ac.targets(rng, c)
		loss := func() float64 {
			l, err := m.ForwardPadded(plan, tokens, targets, ac.lens, c.Batch, c.Seq)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		loss()
		m.Backward(1)
		grad := append([]float32(nil), m.Grads.Data...)
		const h = 1e-2
		for _, tn := range m.Layout.Tensors {
			for k := 0; k < 4; k++ {
				i := tn.Offset + rng.IntN(tn.Size)
				orig := m.Params.Data[i]
				m.Params.Data[i] = orig + h
				lp := loss()
				m.Params.Data[i] = orig - h
				lm := loss()
				m.Params.Data[i] = orig
				num := (lp - lm) / (2 * h)
				if ana := float64(grad[i]); math.Abs(num-ana) > 2e-4+2e-2*math.Abs(ana) {
					t.Errorf("%s: %s[%d]: analytic %.6g, numeric %.6g", ac.name, tn.Name, i-tn.Offset, ana, num)
				}
			}
		}
	}
}

// TestSharedBlockGradientIsSumOverUses runs plan [0 0 1] on a 2-block
// model and plan [0 1 2] on a 3-block model whose blocks 0 and 1 are copies
// of the first model's block 0: the shared block's gradient must equal the
// sum of the two copies' gradients.
func TestSharedBlockGradientIsSumOverUses(t *testing.T) {
	for _, ac := range archCases()[:2] {
		rng := rand.New(rand.NewPCG(3, 4))
		c := ac.c
		shared, _ := New(c, 1)
		perturb(shared, rng)
		c3 := c
		c3.Layers = 3
		unrolled, _ := New(c3, 2)
		sl, ul := shared.Layout, unrolled.Layout
		copy(ul.GroupData(unrolled.Params.Data, EmbedGroup), sl.GroupData(shared.Params.Data, EmbedGroup))
		copy(ul.GroupData(unrolled.Params.Data, ul.FinalGroup()), sl.GroupData(shared.Params.Data, sl.FinalGroup()))
		blk := func(m *Model, i int) []float32 { return m.Layout.GroupData(m.Params.Data, BlockGroup(i)) }
		gblk := func(m *Model, i int) []float32 { return m.Layout.GroupData(m.Grads.Data, BlockGroup(i)) }
		copy(blk(unrolled, 0), blk(shared, 0))
		copy(blk(unrolled, 1), blk(shared, 0))
		copy(blk(unrolled, 2), blk(shared, 1))

		tokens := randTokens(rng, c.Batch*c.Seq, c.Vocab)
		targets := ac.targets(rng, c)
		l1, _ := shared.Forward([]int{0, 0, 1}, tokens, targets, c.Batch, c.Seq)
		shared.Backward(1)
		l2, _ := unrolled.Forward([]int{0, 1, 2}, tokens, targets, c.Batch, c.Seq)
		unrolled.Backward(1)
		if math.Abs(l1-l2) > 1e-6 {
			t.Fatalf("%s: losses differ: shared %v, unrolled %v", ac.name, l1, l2)
		}
		g0, u0, u1 := gblk(shared, 0), gblk(unrolled, 0), gblk(unrolled, 1)
		for i := range g0 {
			if want := u0[i] + u1[i]; math.Abs(float64(g0[i]-want)) > 1e-5*(1+math.Abs(float64(want))) {
				t.Fatalf("%s: shared grad[%d] = %g, want %g", ac.name, i, g0[i], want)
			}
		}
		g1, u2 := gblk(shared, 1), gblk(unrolled, 2)
		for i := range g1 {
			if math.Abs(float64(g1[i]-u2[i])) > 1e-5*(1+math.Abs(float64(u2[i]))) {
				t.Fatalf("%s: block 1 grad[%d] = %g, want %g", ac.name, i, g1[i], u2[i])
			}
		}
	}
}

func TestUnusedAndFrozenBlocksGetNoGradient(t *testing.T) {
	for _, ac := range archCases()[:2] {
		rng := rand.New(rand.NewPCG(5, 6))
		c := ac.c
		c.Layers = 3
		m, _ := New(c, 1)
		m.Frozen[BlockGroup(1)] = true
		tokens := randTokens(rng, c.Batch*c.Seq, c.Vocab)
		if _, err := m.Forward([]int{0, 1, 1}, tokens, ac.targets(rng, c), c.Batch, c.Seq); err != nil {
			t.Fatal(err)
		}
		m.Backward(1)
		want := []bool{true, true, false, false, true} // embeddings, block 0, block 1 (frozen), block 2 (unused), head
		for g, w := range want {
			if m.Touched[g] != w {
				t.Errorf("%s: group %s touched = %v, want %v", ac.name, m.Layout.Groups[g].Name, m.Touched[g], w)
			}
			if !w {
				for _, v := range m.Layout.GroupData(m.Grads.Data, g) {
					if v != 0 {
						t.Fatalf("%s: group %s has a non-zero gradient", ac.name, m.Layout.Groups[g].Name)
					}
				}
			}
		}
		m.ZeroGrad()
		for i, v := range m.Grads.Data {
			if v != 0 {
				t.Fatalf("%s: grad[%d] = %g after ZeroGrad", ac.name, i, v)
			}
		}
	}
}

func TestFrozenBelowStopsBackward(t *testing.T) {
	// Freezing everything but the top block must leave the top block's
	// gradient unchanged.
	rng := rand.New(rand.NewPCG(7, 8))
	c := tinyConfig()
	m, _ := New(c, 1)
	perturb(m, rng)
	tokens := randTokens(rng, c.Batch*c.Seq, c.Vocab)
	plan := []int{0, 1}
	m.Forward(plan, tokens, tokens, c.Batch, c.Seq)
	m.Backward(1)
	want := append([]float32(nil), m.Layout.GroupData(m.Grads.Data, BlockGroup(1))...)
	m.ZeroGrad()
	m.Frozen[EmbedGroup], m.Frozen[BlockGroup(0)] = true, true
	m.Forward(plan, tokens, tokens, c.Batch, c.Seq)
	m.Backward(1)
	got := m.Layout.GroupData(m.Grads.Data, BlockGroup(1))
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("top block grad[%d] = %g with lower layers frozen, want %g", i, got[i], want[i])
		}
	}
	if m.Touched[EmbedGroup] || m.Touched[BlockGroup(0)] {
		t.Fatal("frozen groups marked touched")
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Layers: 1, Dim: 8, Heads: 2, Seq: 4, Vocab: 5, Batch: 1}
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"zero layers", func(c *Config) { c.Layers = 0 }, "layers must be at least 1, got 0"},
		{"heads do not divide", func(c *Config) { c.Heads = 3 }, "dim 8 is not divisible by heads 3"},
		{"zero seq", func(c *Config) { c.Seq = 0 }, "seq must be at least 1, got 0"},
		{"zero vocab", func(c *Config) { c.Vocab = 0 }, "vocab must be at least 1, got 0"},
		{"zero batch", func(c *Config) { c.Batch = 0 }, "batch must be at least 1, got 0"},
		{"unknown arch", func(c *Config) { c.Arch = "t5" }, `arch must be gpt or bert, got "t5"`},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tc := range cases {
		c := ok
		tc.edit(&c)
		if err := c.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	m, _ := New(tinyConfig(), 1)
	for _, tc := range []struct {
		plan []int
		want string
	}{
		{nil, "empty depth plan"},
		{[]int{0, 1, 0, 1}, "depth plan of length 4 exceeds the maximum depth 3"},
		{[]int{0, 2}, "depth plan position 1 uses block 2, want [0, 2)"},
	} {
		if err := m.CheckPlan(tc.plan); err == nil || err.Error() != tc.want {
			t.Errorf("plan %v: got %v, want %q", tc.plan, err, tc.want)
		}
	}
}

func TestNumParams(t *testing.T) {
	// GPT-2 small: 124,439,808 parameters with seq 1024 and vocab 50257.
	c := Config{Layers: 12, Dim: 768, Heads: 12, Seq: 1024, Vocab: 50257, Batch: 1}
	if got := c.NumParams(); got != 124439808 {
		t.Fatalf("NumParams = %d, want 124439808", got)
	}
	if got := NewLayout(c).Size; got != c.NumParams() {
		t.Fatalf("layout size %d, want %d", got, c.NumParams())
	}
}
