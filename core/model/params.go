package model

import "fmt"

// Tensor describes one named parameter tensor inside the flat slab.
type Tensor struct {
	Name   string // Hugging Face GPT-2 name, e.g. "transformer.h.0.attn.c_attn.weight"
	Shape  []int
	Offset int  // start in the slab
	Size   int  // number of elements
	Group  int  // index of the group holding it
	Decay  bool // whether weight decay applies (matrices and embeddings)
}

// Group is a contiguous range of the slab updated as a unit: the
// embeddings, one physical block, or the final LayerNorm.
type Group struct {
	Name   string
	Offset int
	Size   int
}

// Group indices: EmbedGroup holds wte and wpe, block i is group i+1 (see
// BlockGroup) and the final LayerNorm is the last group (see
// Layout.FinalGroup).
const EmbedGroup = 0

// BlockGroup returns the group index of physical block i.
func BlockGroup(i int) int { return i + 1 }

// Layout is the arrangement of every tensor of a model in the flat slab.
type Layout struct {
	Tensors []Tensor
	Groups  []Group
	Size    int
}

// FinalGroup returns the group index of the final LayerNorm.
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

// Block holds views of one physical block's tensors.
type Block struct {
	LN1W, LN1B           []float32
	AttnW, AttnB         []float32
	AttnProjW, AttnProjB []float32
	LN2W, LN2B           []float32
	FCW, FCB             []float32
	FCProjW, FCProjB     []float32
}

// Params holds views into one slab laid out by a Layout: the weights, or
// their gradients.
type Params struct {
	Data       []float32
	WTE, WPE   []float32
	Blocks     []Block
	LNFW, LNFB []float32
}

// views builds the named views of data, which is laid out by l.
func views(l *Layout, data []float32, layers int) Params {
	p := Params{Data: data, Blocks: make([]Block, layers)}
	t := l.Tensors
	at := func(i int) []float32 { return data[t[i].Offset : t[i].Offset+t[i].Size : t[i].Offset+t[i].Size] }
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
