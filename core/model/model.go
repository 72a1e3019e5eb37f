package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"workbench/core/nn"
)

// Model is a GPT-2-style decoder or a BERT encoder (Config.Arch) with
// preallocated activations for the deepest plan it may run.
type Model struct {
	Config Config
	Layout *Layout
	Params Params // weights
	Grads  Params // gradients, same layout as Params

	// Frozen marks groups that receive no gradient (their weights stay
	// fixed). Backward skips their weight gradients and stops early when
	// nothing below needs a gradient.
	Frozen []bool
	// Touched marks groups that received a gradient since the last
	// ZeroGrad; the optimizer updates exactly these groups.
	Touched []bool

	acts acts
	// state of the last Forward, used by Backward
	plan    []int
	lens    []int // BERT: real tokens per sequence (nil: no padding)
	tokens  []int32
	targets []int32
	b, t    int
	count   int // targets that are not ignored
	// headDone says that the last forward pass also computed the GPT LM
	// head's gradients (ForwardBackward), so Backward starts below them.
	headDone bool
}

// acts holds the activations kept for the backward pass, indexed by
// executed position, and the backward scratch buffers.
type acts struct {
	res                  [][]float32 // residual stream entering position i; res[n] leaves the last block
	ln1, ln1Mean, ln1Std [][]float32
	qkv, att, atty, res2 [][]float32
	ln2, ln2Mean, ln2Std [][]float32
	fch, fchGelu         [][]float32
	lnf, lnfMean, lnfStd []float32
	losses               []float32
	head                 *nn.LMHead // GPT: the tied LM head and its loss
	logits               []float32  // BERT: the MLM head's logits

	dres, dtmp, dqkv, datty, dfch, dattScratch []float32

	bert bertActs
}

// New returns a model of shape c initialised from seed (see Init).
func New(c Config, seed uint64) (*Model, error) {
	m, err := NewWeights(c, seed)
	if err != nil {
		return nil, err
	}
	m.Grads = views(m.Layout, make([]float32, m.Layout.Size), c)
	m.allocActs()
	return m, nil
}

// Init redraws every parameter from seed. GPT-2's initialisation: weights
// normal(0, 0.02), the residual output projections (attn.c_proj and
// mlp.c_proj) normal(0, 0.02/sqrt(2·Layers)), biases 0, LayerNorm weights
// 1. BERT's: every weight and embedding normal(0, 0.02), biases 0,
// LayerNorm (1, 0).
func (m *Model) Init(seed uint64) {
	if m.Config.IsBERT() {
		m.initBERT(seed)
		return
	}
	rng := rand.New(rand.NewPCG(seed, 0x6770742d32))
	std := 0.02
	projStd := 0.02 / math.Sqrt(2*float64(m.Config.Layers))
	normal := func(s []float32, sd float64) {
		for i := range s {
			s[i] = float32(rng.NormFloat64() * sd)
		}
	}
	fill := func(s []float32, v float32) {
		for i := range s {
			s[i] = v
		}
	}
	p := &m.Params
	normal(p.WTE, std)
	normal(p.WPE, std)
	for i := range p.Blocks {
		b := &p.Blocks[i]
		fill(b.LN1W, 1)
		fill(b.LN1B, 0)
		normal(b.AttnW, std)
		fill(b.AttnB, 0)
		normal(b.AttnProjW, projStd)
		fill(b.AttnProjB, 0)
		fill(b.LN2W, 1)
		fill(b.LN2B, 0)
		normal(b.FCW, std)
		fill(b.FCB, 0)
		normal(b.FCProjW, projStd)
		fill(b.FCProjB, 0)
	}
	fill(p.LNFW, 1)
	fill(p.LNFB, 0)
}

func (m *Model) allocActs() {
	c := m.Config
	n, bt, d := c.depth(), c.Batch*c.Seq, c.Dim
	att := c.Batch * c.Heads * c.Seq * c.Seq
	many := func(k, size int) [][]float32 {
		s := make([][]float32, k)
		for i := range s {
			s[i] = make([]float32, size)
		}
		return s
	}
	a := &m.acts
	a.res = many(n+1, bt*d)
	a.ln1, a.ln1Mean, a.ln1Std = many(n, bt*d), many(n, bt), many(n, bt)
	a.qkv, a.att, a.atty, a.res2 = many(n, bt*3*d), many(n, att), many(n, bt*d), many(n, bt*d)
	a.ln2, a.ln2Mean, a.ln2Std = many(n, bt*d), many(n, bt), many(n, bt)
	a.fch, a.fchGelu = many(n, bt*4*d), many(n, bt*4*d)
	a.lnf, a.lnfMean, a.lnfStd = make([]float32, bt*d), make([]float32, bt), make([]float32, bt)
	a.losses = make([]float32, bt)
	if c.IsBERT() {
		a.logits = make([]float32, bt*c.Vocab)
	} else {
		a.head = nn.NewLMHead(bt, c.Vocab, 0)
	}
	a.dres, a.dtmp, a.datty = make([]float32, bt*d), make([]float32, bt*d), make([]float32, bt*d)
	a.dqkv, a.dfch, a.dattScratch = make([]float32, bt*3*d), make([]float32, bt*4*d), make([]float32, att)
	if c.IsBERT() {
		a.bert = newBertActs(bt, d)
	}
}

// IdentityPlan returns the plan that runs blocks 0..n-1 once each, in
// order: the ordinary, unshared network of n layers.
func IdentityPlan(n int) []int {
	plan := make([]int, n)
	for i := range plan {
		plan[i] = i
	}
	return plan
}

// CheckPlan reports an error unless plan is a valid depth plan for m.
func (m *Model) CheckPlan(plan []int) error {
	if len(plan) == 0 {
		return fmt.Errorf("empty depth plan")
	}
	if len(plan) > m.Config.depth() {
		return fmt.Errorf("depth plan of length %d exceeds the maximum depth %d", len(plan), m.Config.depth())
	}
	for i, p := range plan {
		if p < 0 || p >= m.Config.Layers {
			return fmt.Errorf("depth plan position %d uses block %d, want [0, %d)", i, p, m.Config.Layers)
		}
	}
	return nil
}

// Forward runs the plan on b sequences of t tokens (tokens and targets hold
// b·t values, row-major) and returns the mean cross-entropy over targets
// that are not nn.IgnoreIndex. It keeps what Backward needs. It returns an
// error for an invalid plan or shape; token and target values must lie in
// [0, Vocab) (targets may also be nn.IgnoreIndex).
//
// For BERT, tokens are the (masked) input ids and targets the labels: the
// original token at each position the MLM loss scores, nn.IgnoreIndex
// elsewhere; every position is real (see ForwardPadded).
func (m *Model) Forward(plan []int, tokens, targets []int32, b, t int) (float64, error) {
	return m.ForwardPadded(plan, tokens, targets, nil, b, t)
}

// ForwardPadded is Forward for a BERT batch whose sequence bi has lens[bi]
// real tokens followed by padding, which no position attends to (the
// attention mask of Hugging Face's BertModel); padding positions should
// have the target nn.IgnoreIndex. lens nil means no padding. GPT takes no
// padding.
func (m *Model) ForwardPadded(plan []int, tokens, targets []int32, lens []int, b, t int) (float64, error) {
	return m.forward(plan, tokens, targets, lens, b, t, false, 0)
}

// ForwardBackward is Forward followed by Backward(scale), as a training
// step runs them; for GPT it computes the LM head's logits once instead
// of twice: the head's gradients are computed with its loss.
func (m *Model) ForwardBackward(plan []int, tokens, targets []int32, b, t int, scale float32) (float64, error) {
	loss, err := m.forward(plan, tokens, targets, nil, b, t, true, scale)
	if err != nil {
		return 0, err
	}
	m.Backward(scale)
	return loss, nil
}

// forward is ForwardPadded; with grad set, a GPT also computes the LM
// head's gradients for Backward(scale).
func (m *Model) forward(plan []int, tokens, targets []int32, lens []int, b, t int, grad bool, scale float32) (float64, error) {
	c := m.Config
	if err := m.CheckPlan(plan); err != nil {
		return 0, err
	}
	if b < 1 || b > c.Batch || t < 1 || t > c.Seq || len(tokens) != b*t || len(targets) != b*t {
		return 0, fmt.Errorf("batch of %d×%d with %d tokens and %d targets does not fit a model with batch %d and seq %d",
			b, t, len(tokens), len(targets), c.Batch, c.Seq)
	}
	if err := checkLens(c, lens, b, t); err != nil {
		return 0, err
	}
	m.plan, m.lens, m.tokens, m.targets, m.b, m.t = plan, lens, tokens, targets, b, t
	bt, d, a := b*t, c.Dim, &m.acts
	o := m.blockOptions()
	if c.IsBERT() {
		m.bertEmbedForward(b, t)
	} else {
		nn.EmbedForward(a.res[0][:bt*d], tokens, m.Params.WTE, m.Params.WPE, b, t, d)
	}
	for i, p := range plan {
		m.blockForward(o, i, p, b, t)
	}
	n := len(plan)
	if c.IsBERT() {
		return m.bertHeadForward(n, bt), nil
	}
	nn.LayerNormForward(a.lnf, a.lnfMean, a.lnfStd, a.res[n], m.Params.LNFW, m.Params.LNFB, bt, d)
	m.count = 0
	for _, tg := range targets {
		if tg != nn.IgnoreIndex {
			m.count++
		}
	}
	m.headDone = grad && m.count > 0
	if m.headDone {
		a.head.ForwardBackward(a.losses, a.dtmp, m.headGrad(), nil, a.lnf, m.Params.WTE, nil, targets, scale/float32(m.count), bt, d)
	} else {
		a.head.Forward(a.losses, a.lnf, m.Params.WTE, nil, targets, bt, d)
	}
	var sum float64
	for r, l := range a.losses[:bt] {
		if targets[r] != nn.IgnoreIndex {
			sum += float64(l)
		}
	}
	if m.count == 0 {
		return 0, nil
	}
	return sum / float64(m.count), nil
}

// Scored returns the number of targets the last Forward scored (those that
// are not nn.IgnoreIndex): its loss is the mean over them.
func (m *Model) Scored() int { return m.count }

// Backward accumulates into Grads the gradient of scale × the loss of the
// last Forward (scale is 1/k when k micro-batches are accumulated) and marks
// the groups it touched. A block executed several times receives the sum of
// its contributions. Frozen groups receive nothing.
func (m *Model) Backward(scale float32) {
	if m.count == 0 {
		return
	}
	if m.Config.IsBERT() {
		m.bertHeadBackward(scale)
	} else {
		m.gptHeadBackward(scale)
	}
	m.encoderBackward()
}

// gptHeadBackward turns the loss gradient into the gradient with respect
// to the last residual stream in a.dres, through the tied LM head and the
// final LayerNorm.
func (m *Model) gptHeadBackward(scale float32) {
	c := m.Config
	plan := m.plan
	bt, d, a := m.b*m.t, c.Dim, &m.acts
	fin := m.Layout.FinalGroup()
	if m.headDone {
		m.headDone = false // a second Backward computes them again
	} else {
		a.head.Backward(a.dtmp, m.headGrad(), nil, a.lnf, m.Params.WTE, nil, m.targets, scale/float32(m.count), bt, d)
	}
	dres := a.dres[:bt*d]
	clear(dres)
	if m.Frozen[fin] {
		nn.LayerNormBackward(dres, nil, nil, a.dtmp, a.res[len(plan)], m.Params.LNFW, a.lnfMean, a.lnfStd, bt, d)
	} else {
		nn.LayerNormBackward(dres, m.Grads.LNFW, m.Grads.LNFB, a.dtmp, a.res[len(plan)], m.Params.LNFW, a.lnfMean, a.lnfStd, bt, d)
		m.Touched[fin] = true
	}
}

// encoderBackward runs the blocks of the plan backward from a.dres, then
// the embeddings.
func (m *Model) encoderBackward() {
	c := m.Config
	b, t, plan := m.b, m.t, m.plan
	d := c.Dim
	embFrozen := m.Frozen[EmbedGroup]
	o := m.blockOptions()
	// lowest is the lowest position whose block (or the embeddings below
	// it) still needs a gradient; positions under it are skipped.
	lowest := 0
	if embFrozen {
		lowest = len(plan)
		for i, p := range plan {
			if !m.Frozen[BlockGroup(p)] {
				lowest = i
				break
			}
		}
	}
	for i := len(plan) - 1; i >= lowest; i-- {
		p := plan[i]
		var g Block // nil views: no weight gradients for a frozen block
		if !m.Frozen[BlockGroup(p)] {
			g = m.Grads.Blocks[p]
			m.Touched[BlockGroup(p)] = true
		}
		m.blockBackward(o, g, i, p, b, t)
	}
	if embFrozen {
		return
	}
	if c.IsBERT() {
		m.bertEmbedBackward(b, t)
	} else {
		nn.EmbedBackward(m.Grads.WTE, m.Grads.WPE, m.acts.dres[:b*t*d], m.tokens, b, t, d)
	}
}

// headGrad returns the gradient the LM head accumulates into, the token
// embedding's, and marks it touched; nil when the embedding is frozen.
func (m *Model) headGrad() []float32 {
	if m.Frozen[EmbedGroup] {
		return nil
	}
	m.Touched[EmbedGroup] = true
	return m.Grads.WTE
}

// ZeroGrad clears the gradients of every touched group and the touched
// marks.
func (m *Model) ZeroGrad() {
	for g, t := range m.Touched {
		if t {
			clear(m.Layout.GroupData(m.Grads.Data, g))
			m.Touched[g] = false
		}
	}
}

// CopyBlock copies the weights of physical block src into block dst.
func (m *Model) CopyBlock(dst, src int) {
	if dst == src {
		return
	}
	copy(m.Layout.GroupData(m.Params.Data, BlockGroup(dst)), m.Layout.GroupData(m.Params.Data, BlockGroup(src)))
}
