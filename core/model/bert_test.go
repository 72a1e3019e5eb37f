package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"workbench/core/nn"
)

func tinyBERT() Config {
	c := tinyConfig()
	c.Arch = BERT
	c.Seq = 6
	return c
}

// mlmLabels labels about half the positions with random tokens and ignores
// the rest and every padding position.
func mlmLabels(rng *rand.Rand, c Config, lens []int) []int32 {
	labels := make([]int32, c.Batch*c.Seq)
	for r := range labels {
		labels[r] = nn.IgnoreIndex
		if (lens == nil || r%c.Seq < lens[r/c.Seq]) && rng.IntN(2) == 0 {
			labels[r] = int32(rng.IntN(c.Vocab))
		}
	}
	labels[0] = 3 // at least one scored position
	return labels
}

func TestBERTGradientCheck(t *testing.T) {
	for _, lens := range [][]int{nil, {6, 4}} {
		rng := rand.New(rand.NewPCG(21, uint64(len(lens))))
		m, err := New(tinyBERT(), 1)
		if err != nil {
			t.Fatal(err)
		}
		perturb(m, rng)
		c := m.Config
		plan := []int{0, 0, 1}
		tokens := randTokens(rng, c.Batch*c.Seq, c.Vocab)
		labels := mlmLabels(rng, c, lens)
		loss := func() float64 {
			l, err := m.ForwardPadded(plan, tokens, labels, lens, c.Batch, c.Seq)
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
					t.Errorf("lens %v: %s[%d]: analytic %.6g, numeric %.6g", lens, tn.Name, i-tn.Offset, ana, num)
				}
			}
		}
	}
}

// TestBERTPaddingIsInvisible changes the tokens at padding positions: the
// loss over the real positions must not move.
func TestBERTPaddingIsInvisible(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 1))
	m, _ := New(tinyBERT(), 1)
	perturb(m, rng)
	c := m.Config
	lens := []int{3, 6}
	tokens := randTokens(rng, c.Batch*c.Seq, c.Vocab)
	labels := mlmLabels(rng, c, lens)
	l1, err := m.ForwardPadded([]int{0, 1}, tokens, labels, lens, c.Batch, c.Seq)
	if err != nil {
		t.Fatal(err)
	}
	tokens[4], tokens[5] = (tokens[4]+1)%int32(c.Vocab), (tokens[5]+2)%int32(c.Vocab)
	l2, _ := m.ForwardPadded([]int{0, 1}, tokens, labels, lens, c.Batch, c.Seq)
	if l1 != l2 {
		t.Fatalf("loss changed from %v to %v with different padding tokens", l1, l2)
	}
	l3, _ := m.Forward([]int{0, 1}, tokens, labels, c.Batch, c.Seq)
	if l3 == l1 {
		t.Fatal("unpadded loss equals the padded one: the mask has no effect")
	}
}

func TestBERTSharedBlockGradientIsSumOverUses(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 4))
	c := tinyBERT()
	shared, _ := New(c, 1)
	perturb(shared, rng)
	c3 := c
	c3.Layers = 3
	unrolled, _ := New(c3, 2)
	l := shared.Layout
	copy(l.GroupData(unrolled.Params.Data, EmbedGroup), l.GroupData(shared.Params.Data, EmbedGroup))
	copy(unrolled.Layout.GroupData(unrolled.Params.Data, unrolled.Layout.FinalGroup()), l.GroupData(shared.Params.Data, l.FinalGroup()))
	blk := func(m *Model, i int) []float32 { return m.Layout.GroupData(m.Params.Data, BlockGroup(i)) }
	gblk := func(m *Model, i int) []float32 { return m.Layout.GroupData(m.Grads.Data, BlockGroup(i)) }
	copy(blk(unrolled, 0), blk(shared, 0))
	copy(blk(unrolled, 1), blk(shared, 0))
	copy(blk(unrolled, 2), blk(shared, 1))
	tokens := randTokens(rng, c.Batch*c.Seq, c.Vocab)
	labels := mlmLabels(rng, c, nil)
	l1, _ := shared.Forward([]int{0, 0, 1}, tokens, labels, c.Batch, c.Seq)
	shared.Backward(1)
	l2, _ := unrolled.Forward([]int{0, 1, 2}, tokens, labels, c.Batch, c.Seq)
	unrolled.Backward(1)
	if math.Abs(l1-l2) > 1e-6 {
		t.Fatalf("losses differ: shared %v, unrolled %v", l1, l2)
	}
	g0, u0, u1 := gblk(shared, 0), gblk(unrolled, 0), gblk(unrolled, 1)
	for i := range g0 {
		if want := u0[i] + u1[i]; math.Abs(float64(g0[i]-want)) > 1e-5*(1+math.Abs(float64(want))) {
			t.Fatalf("shared grad[%d] = %g, want %g", i, g0[i], want)
		}
	}
}

func TestBERTFrozenAndUnusedBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 6))
	c := tinyBERT()
	c.Layers = 3
	m, _ := New(c, 1)
	m.Frozen[BlockGroup(1)] = true
	tokens := randTokens(rng, c.Batch*c.Seq, c.Vocab)
	if _, err := m.Forward([]int{0, 1, 1}, tokens, mlmLabels(rng, c, nil), c.Batch, c.Seq); err != nil {
		t.Fatal(err)
	}
	m.Backward(1)
	want := []bool{true, true, false, false, true} // embeddings, layer.0, layer.1 (frozen), layer.2 (unused), cls
	for g, w := range want {
		if m.Touched[g] != w {
			t.Errorf("group %s touched = %v, want %v", m.Layout.Groups[g].Name, m.Touched[g], w)
		}
		if !w {
			for _, v := range m.Layout.GroupData(m.Grads.Data, g) {
				if v != 0 {
					t.Fatalf("group %s has a non-zero gradient", m.Layout.Groups[g].Name)
				}
			}
		}
	}
}

func TestBERTNumParams(t *testing.T) {
	// bert-base-uncased as BertForMaskedLM: 109,514,298 parameters.
	c := Config{Arch: BERT, Layers: 12, Dim: 768, Heads: 12, Seq: 512, Vocab: 30522, Batch: 1}
	if got := c.NumParams(); got != 109514298 {
		t.Fatalf("NumParams = %d, want 109514298", got)
	}
	if got := NewLayout(c).Size; got != c.NumParams() {
		t.Fatalf("layout size %d, want %d", got, c.NumParams())
	}
}

func TestPaddingErrors(t *testing.T) {
	m, _ := New(tinyBERT(), 1)
	g, _ := New(tinyConfig(), 1)
	c := m.Config
	x := make([]int32, c.Batch*c.Seq)
	for _, tc := range []struct {
		m    *Model
		lens []int
		want string
	}{
		{g, []int{1, 1}, "padding lengths given to a gpt model, which takes none"},
		{m, []int{1}, "1 padding lengths for a batch of 2 sequences"},
		{m, []int{0, 6}, "sequence 0 has 0 real tokens, want [1, 6]"},
	} {
		if _, err := tc.m.ForwardPadded([]int{0}, x[:tc.m.Config.Batch*tc.m.Config.Seq], x[:tc.m.Config.Batch*tc.m.Config.Seq], tc.lens, tc.m.Config.Batch, tc.m.Config.Seq); err == nil || err.Error() != tc.want {
			t.Errorf("lens %v: got %v, want %q", tc.lens, err, tc.want)
		}
	}
}
