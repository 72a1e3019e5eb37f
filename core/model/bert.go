package model

import (
	"fmt"
	"math/rand/v2"

	"workbench/core/nn"
)

// BERT's embeddings and MLM head around the shared blocks (block.go). The
// head runs only on the positions the loss scores: Hugging Face's
// BertForMaskedLM computes logits everywhere, but positions labelled -100
// contribute neither loss nor gradient, so the result is the same.

// bertActs holds BERT's extra activations: the summed embeddings before
// their LayerNorm, and the MLM head's rows.
type bertActs struct {
	emb, embMean, embStd []float32
	sel                  []int32   // rows the head scores
	selTargets           []int32   // their labels
	hIn, h1, h2, h3      []float32 // gathered rows, dense, GELU, LayerNorm
	hMean, hStd          []float32
}

func newBertActs(bt, d int) bertActs {
	return bertActs{
		emb: make([]float32, bt*d), embMean: make([]float32, bt), embStd: make([]float32, bt),
		sel: make([]int32, 0, bt), selTargets: make([]int32, 0, bt),
		hIn: make([]float32, bt*d), h1: make([]float32, bt*d), h2: make([]float32, bt*d), h3: make([]float32, bt*d),
		hMean: make([]float32, bt), hStd: make([]float32, bt),
	}
}

// checkLens validates the padding lengths of a batch.
func checkLens(c Config, lens []int, b, t int) error {
	if lens == nil {
		return nil
	}
	if !c.IsBERT() {
		return fmt.Errorf("padding lengths given to a %s model, which takes none", c.ArchName())
	}
	if len(lens) != b {
		return fmt.Errorf("%d padding lengths for a batch of %d sequences", len(lens), b)
	}
	for i, n := range lens {
		if n < 1 || n > t {
			return fmt.Errorf("sequence %d has %d real tokens, want [1, %d]", i, n, t)
		}
	}
	return nil
}

func (m *Model) initBERT(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x62657274))
	for _, t := range m.Layout.Tensors {
		s := m.Params.Data[t.Offset : t.Offset+t.Size]
		switch {
		case len(t.Shape) == 2:
			for i := range s {
				s[i] = float32(rng.NormFloat64() * 0.02)
			}
		case isLayerNormWeight(t.Name):
			for i := range s {
				s[i] = 1
			}
		default:
			clear(s)
		}
	}
}

func isLayerNormWeight(name string) bool {
	const suffix = "LayerNorm.weight"
	return len(name) >= len(suffix) && name[len(name)-len(suffix):] == suffix
}

// bertEmbedForward writes LayerNorm(word + position + type embeddings) to
// a.res[0].
func (m *Model) bertEmbedForward(b, t int) {
	d, a, p := m.Config.Dim, &m.acts, &m.Params
	e := &a.bert
	nn.EmbedTypedForward(e.emb[:b*t*d], m.tokens, nil, p.WTE, p.WPE, p.WTT, b, t, d)
	nn.LayerNormEpsForward(a.res[0], e.embMean, e.embStd, e.emb, p.EmbLNW, p.EmbLNB, b*t, d, nn.BertLayerNormEps)
}

// bertEmbedBackward takes a.dres, the gradient with respect to a.res[0],
// into the embedding gradients.
func (m *Model) bertEmbedBackward(b, t int) {
	d, a, p, g := m.Config.Dim, &m.acts, &m.Params, &m.Grads
	e := &a.bert
	bt := b * t
	demb := a.dtmp[:bt*d]
	clear(demb)
	nn.LayerNormBackward(demb, g.EmbLNW, g.EmbLNB, a.dres[:bt*d], e.emb, p.EmbLNW, e.embMean, e.embStd, bt, d)
	nn.EmbedTypedBackward(g.WTE, g.WPE, g.WTT, demb, m.tokens, nil, b, t, d)
	m.Touched[EmbedGroup] = true
}

// bertHeadForward runs the MLM head on the rows of a.res[n] whose target is
// not ignored and returns their mean cross-entropy.
func (m *Model) bertHeadForward(n, bt int) float64 {
	c, a, p := m.Config, &m.acts, &m.Params
	d, v, e := c.Dim, c.Vocab, &a.bert
	e.sel, e.selTargets = e.sel[:0], e.selTargets[:0]
	for r, tg := range m.targets[:bt] {
		if tg != nn.IgnoreIndex {
			e.sel = append(e.sel, int32(r))
			e.selTargets = append(e.selTargets, tg)
		}
	}
	k := len(e.sel)
	m.count = k
	if k == 0 {
		return 0
	}
	nn.GatherRows(e.hIn, a.res[n], e.sel, d)
	nn.LinearOutInForward(e.h1, e.hIn, p.HeadW, p.HeadB, k, d, d)
	nn.GELUErfForward(e.h2[:k*d], e.h1[:k*d])
	nn.LayerNormEpsForward(e.h3, e.hMean, e.hStd, e.h2, p.HeadLNW, p.HeadLNB, k, d, nn.BertLayerNormEps)
	nn.LinearOutInForward(a.logits, e.h3, p.WTE, p.HeadBias, k, d, v)
	nn.SoftmaxCrossEntropyForward(a.losses, a.logits, e.selTargets, k, v)
	var sum float64
	for _, l := range a.losses[:k] {
		sum += float64(l)
	}
	return sum / float64(k)
}

// bertHeadBackward takes the loss gradient (times scale) back through the
// MLM head into a.dres, the gradient with respect to the last residual
// stream.
func (m *Model) bertHeadBackward(scale float32) {
	c, a, p := m.Config, &m.acts, &m.Params
	d, v, e := c.Dim, c.Vocab, &a.bert
	bt, k := m.b*m.t, m.count
	var g Params // nil views: frozen
	if fin := m.Layout.FinalGroup(); !m.Frozen[fin] {
		g.HeadW, g.HeadB, g.HeadLNW, g.HeadLNB, g.HeadBias = m.Grads.HeadW, m.Grads.HeadB, m.Grads.HeadLNW, m.Grads.HeadLNB, m.Grads.HeadBias
		m.Touched[fin] = true
	}
	if !m.Frozen[EmbedGroup] {
		g.WTE = m.Grads.WTE
		m.Touched[EmbedGroup] = true
	}
	nn.SoftmaxCrossEntropyBackward(a.logits, e.selTargets, scale/float32(k), k, v)
	dh3, dh2 := a.dtmp[:k*d], a.datty[:k*d]
	nn.LinearOutInBackward(dh3, g.WTE, g.HeadBias, a.logits, e.h3, p.WTE, k, d, v)
	clear(dh2)
	nn.LayerNormBackward(dh2, g.HeadLNW, g.HeadLNB, dh3, e.h2, p.HeadLNW, e.hMean, e.hStd, k, d)
	nn.GELUErfBackward(dh2, dh2, e.h1[:k*d])
	nn.LinearOutInBackward(dh3, g.HeadW, g.HeadB, dh2, e.hIn, p.HeadW, k, d, d)
	nn.ScatterRows(m.acts.dres, dh3, e.sel, bt, d)
}
