package model

import (
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
