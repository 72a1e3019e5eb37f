package model

import "fmt"

// Tensor describes one named parameter tensor inside the flat slab.
type Tensor struct {
	Name   string // Hugging Face name, e.g. "transformer.h.0.attn.c_attn.weight"
	Shape  []int
	Offset int  // start in the slab
	Size   int  // number of elements
	Group  int  // index of the group holding it
	Decay  bool // whether weight decay applies (matrices and embeddings)
}

// Group is a contiguous range of the slab updated as a unit: the
// embeddings, one physical block, or the head (GPT's final LayerNorm,
// BERT's MLM head).
type Group struct {
	Name   string
	Offset int
	Size   int
}

// Group indices: EmbedGroup holds the embeddings (and BERT's embedding
// LayerNorm), block i is group i+1 (see BlockGroup) and the head is the
// last group (see Layout.FinalGroup).
const EmbedGroup = 0

// BlockGroup returns the group index of physical block i.
func BlockGroup(i int) int { return i + 1 }

// Layout is the arrangement of every tensor of a model in the flat slab.
type Layout struct {
	Tensors []Tensor
	Groups  []Group
	Size    int
}

// FinalGroup returns the group index of the head: GPT's final LayerNorm or
// BERT's MLM head.
func (l *Layout) FinalGroup() int { return len(l.Groups) - 1 }

// Tensor returns the tensor named name.
func (l *Layout) Tensor(name string) (Tensor, bool) {
	for _, t := range l.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// NewLayout lays out the tensors of a model of shape c.
func NewLayout(c Config) *Layout {
	l := &Layout{}
	d := c.Dim
	group := func(name string) { l.Groups = append(l.Groups, Group{Name: name, Offset: l.Size}) }
	add := func(name string, decay bool, shape ...int) {
		n := 1
		for _, s := range shape {
			n *= s
		}
		g := len(l.Groups) - 1
		l.Tensors = append(l.Tensors, Tensor{name, shape, l.Size, n, g, decay})
		l.Size += n
		l.Groups[g].Size += n
	}
	if c.IsBERT() {
		bertLayout(c, group, add)
		return l
	}
	group("embeddings")
	add("transformer.wte.weight", true, c.Vocab, d)
	add("transformer.wpe.weight", true, c.Seq, d)
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("transformer.h.%d.", i)
		group(fmt.Sprintf("h.%d", i))
		add(p+"ln_1.weight", false, d)
		add(p+"ln_1.bias", false, d)
		add(p+"attn.c_attn.weight", true, d, 3*d)
		add(p+"attn.c_attn.bias", false, 3*d)
		add(p+"attn.c_proj.weight", true, d, d)
		add(p+"attn.c_proj.bias", false, d)
		add(p+"ln_2.weight", false, d)
		add(p+"ln_2.bias", false, d)
		add(p+"mlp.c_fc.weight", true, d, 4*d)
		add(p+"mlp.c_fc.bias", false, 4*d)
		add(p+"mlp.c_proj.weight", true, 4*d, d)
		add(p+"mlp.c_proj.bias", false, d)
	}
	group("ln_f")
	add("transformer.ln_f.weight", false, d)
	add("transformer.ln_f.bias", false, d)
	return l
}

// bertLayout lays out BertForMaskedLM's tensors with their Hugging Face
// names and [out, in] layouts. The query, key and value weights (then
// their biases) are adjacent, so together they form the fused [3d, d]
// projection the block runs.
func bertLayout(c Config, group func(string), add func(string, bool, ...int)) {
	d := c.Dim
	group("embeddings")
	add("bert.embeddings.word_embeddings.weight", true, c.Vocab, d)
	add("bert.embeddings.position_embeddings.weight", true, c.Seq, d)
	add("bert.embeddings.token_type_embeddings.weight", true, BertTypeVocab, d)
	add("bert.embeddings.LayerNorm.weight", false, d)
	add("bert.embeddings.LayerNorm.bias", false, d)
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("bert.encoder.layer.%d.", i)
		group(fmt.Sprintf("layer.%d", i))
		for _, n := range []string{"query", "key", "value"} {
			add(p+"attention.self."+n+".weight", true, d, d)
		}
		for _, n := range []string{"query", "key", "value"} {
			add(p+"attention.self."+n+".bias", false, d)
		}
		add(p+"attention.output.dense.weight", true, d, d)
		add(p+"attention.output.dense.bias", false, d)
		add(p+"attention.output.LayerNorm.weight", false, d)
		add(p+"attention.output.LayerNorm.bias", false, d)
		add(p+"intermediate.dense.weight", true, 4*d, d)
		add(p+"intermediate.dense.bias", false, 4*d)
		add(p+"output.dense.weight", true, d, 4*d)
		add(p+"output.dense.bias", false, d)
		add(p+"output.LayerNorm.weight", false, d)
		add(p+"output.LayerNorm.bias", false, d)
	}
	group("cls")
	add("cls.predictions.transform.dense.weight", true, d, d)
	add("cls.predictions.transform.dense.bias", false, d)
	add("cls.predictions.transform.LayerNorm.weight", false, d)
	add("cls.predictions.transform.LayerNorm.bias", false, d)
	add("cls.predictions.bias", false, c.Vocab)
}

// Block holds views of one physical block's tensors. The names follow
// GPT-2; in a BERT block AttnW and AttnB are the fused query, key and value
// projections, AttnProj the attention output dense layer, LN1 the
// attention output LayerNorm, FC the intermediate dense layer, FCProj the
// output dense layer and LN2 the output LayerNorm.
type Block struct {
	LN1W, LN1B           []float32
	AttnW, AttnB         []float32
	AttnProjW, AttnProjB []float32
	LN2W, LN2B           []float32
	FCW, FCB             []float32
	FCProjW, FCProjB     []float32
}

// Params holds views into one slab laid out by a Layout: the weights, or
// their gradients. WTE and WPE are the token and position embeddings of
// either architecture; the other fields are GPT's or BERT's only.
type Params struct {
	Data       []float32
	WTE, WPE   []float32
	Blocks     []Block
	LNFW, LNFB []float32 // GPT: final LayerNorm

	// BERT: token-type embeddings, embedding LayerNorm, and the MLM head
	// (transform dense, its LayerNorm, the decoder's output bias).
	WTT, EmbLNW, EmbLNB []float32
	HeadW, HeadB        []float32
	HeadLNW, HeadLNB    []float32
	HeadBias            []float32
}

// views builds the named views of data, which is laid out by l.
func views(l *Layout, data []float32, c Config) Params {
	p := Params{Data: data, Blocks: make([]Block, c.Layers)}
	t := l.Tensors
	span := func(i, j int) []float32 { return data[t[i].Offset : t[j].Offset+t[j].Size : t[j].Offset+t[j].Size] }
	at := func(i int) []float32 { return span(i, i) }
	if c.IsBERT() {
		p.WTE, p.WPE, p.WTT, p.EmbLNW, p.EmbLNB = at(0), at(1), at(2), at(3), at(4)
		for i := range p.Blocks {
			k := 5 + 16*i
			p.Blocks[i] = Block{
				LN1W: at(k + 8), LN1B: at(k + 9),
				AttnW: span(k, k+2), AttnB: span(k+3, k+5),
				AttnProjW: at(k + 6), AttnProjB: at(k + 7),
				LN2W: at(k + 14), LN2B: at(k + 15),
				FCW: at(k + 10), FCB: at(k + 11),
				FCProjW: at(k + 12), FCProjB: at(k + 13),
			}
		}
		n := len(t)
		p.HeadW, p.HeadB, p.HeadLNW, p.HeadLNB, p.HeadBias = at(n-5), at(n-4), at(n-3), at(n-2), at(n-1)
		return p
	}
	p.WTE, p.WPE = at(0), at(1)
	for i := range p.Blocks {
		k := 2 + 12*i
		p.Blocks[i] = Block{
			at(k), at(k + 1), at(k + 2), at(k + 3), at(k + 4), at(k + 5),
			at(k + 6), at(k + 7), at(k + 8), at(k + 9), at(k + 10), at(k + 11),
		}
	}
	p.LNFW, p.LNFB = at(len(t)-2), at(len(t)-1)
	return p
}

// GroupData returns the part of a slab laid out by l that belongs to group g.
func (l *Layout) GroupData(data []float32, g int) []float32 {
	gr := l.Groups[g]
	return data[gr.Offset : gr.Offset+gr.Size]
}
