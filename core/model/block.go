package model

import (
	"workbench/core/kern"
	"workbench/core/nn"
)

// One Transformer block, GPT's or BERT's. Both have the same tensors
// (fused QKV projection, attention output projection, two LayerNorms, an
// MLP of width 4d) and differ only in the options below. The activations
// of executed position i live in the acts slices at index i:
//
//	pre-LN (GPT):  ln1 = LN1(res)      qkv = ln1·Wqkv    att = causal(qkv)
//	               res2 = res + proj(att)                ln2 = LN2(res2)
//	               fch = ln2·Wfc  gelu = GELU(fch)       res' = res2 + fcproj(gelu)
//	post-LN (BERT): qkv = res·Wqkv     att = bidir(qkv)  res2 = res + proj(att)
//	               ln1 = LN1(res2)     fch = ln1·Wfc     gelu = GELU(fch)
//	               ln2 = ln1 + fcproj(gelu)              res' = LN2(ln2)

// blockOptions are the differences between GPT's and BERT's blocks.
type blockOptions struct {
	postLN bool    // LayerNorm after each residual sum (BERT) instead of before each branch (GPT)
	causal bool    // causal attention (GPT) or bidirectional with padding (BERT)
	erf    bool    // exact erf GELU (BERT) or the tanh approximation (GPT)
	outIn  bool    // weights stored [out, in] (nn.Linear, BERT) or [in, out] (Conv1D, GPT)
	eps    float32 // LayerNorm epsilon
}

var (
	gptBlock  = blockOptions{causal: true, eps: nn.LayerNormEps}
	bertBlock = blockOptions{postLN: true, erf: true, outIn: true, eps: nn.BertLayerNormEps}
)

func (o blockOptions) linear(out, inp, w, b []float32, rows, in, outC int) {
	if o.outIn {
		nn.LinearOutInForward(out, inp, w, b, rows, in, outC)
	} else {
		nn.LinearForward(out, inp, w, b, rows, in, outC)
	}
}

func (o blockOptions) linearResidual(out, resid, inp, w, b []float32, rows, in, outC int) {
	if o.outIn {
		nn.LinearOutInResidualForward(out, resid, inp, w, b, rows, in, outC)
	} else {
		nn.LinearResidualForward(out, resid, inp, w, b, rows, in, outC)
	}
}

func (o blockOptions) linearBackward(dinp, dw, db, dout, inp, w []float32, rows, in, outC int) {
	if o.outIn {
		nn.LinearOutInBackward(dinp, dw, db, dout, inp, w, rows, in, outC)
	} else {
		nn.LinearBackward(dinp, dw, db, dout, inp, w, rows, in, outC)
	}
}

func (o blockOptions) gelu(out, inp []float32) {
	if o.erf {
		nn.GELUErfForward(out, inp)
	} else {
		nn.GELUForward(out, inp)
	}
}

func (o blockOptions) geluBackward(dinp, dout, inp []float32) {
	if o.erf {
		nn.GELUErfBackward(dinp, dout, inp)
	} else {
		nn.GELUBackward(dinp, dout, inp)
	}
}

// blockOptions returns the options of m's blocks.
func (m *Model) blockOptions() blockOptions {
	if m.Config.IsBERT() {
		return bertBlock
	}
	return gptBlock
}

// blockForward runs physical block p at executed position i on the b·t
// rows of a.res[i], writing a.res[i+1].
func (m *Model) blockForward(o blockOptions, i, p, b, t int) {
	c := m.Config
	bt, d, a := b*t, c.Dim, &m.acts
	blk := &m.Params.Blocks[p]
	attnIn := a.res[i]
	if !o.postLN {
		nn.LayerNormEpsForward(a.ln1[i], a.ln1Mean[i], a.ln1Std[i], a.res[i], blk.LN1W, blk.LN1B, bt, d, o.eps)
		attnIn = a.ln1[i]
	}
	o.linear(a.qkv[i], attnIn, blk.AttnW, blk.AttnB, bt, d, 3*d)
	if o.causal {
		nn.AttentionForward(a.atty[i], a.att[i], a.qkv[i], b, t, d, c.Heads)
	} else {
		nn.BidirAttentionForward(a.atty[i], a.att[i], a.qkv[i], m.lens, b, t, d, c.Heads)
	}
	o.linearResidual(a.res2[i], a.res[i], a.atty[i], blk.AttnProjW, blk.AttnProjB, bt, d, d)
	if o.postLN {
		nn.LayerNormEpsForward(a.ln1[i], a.ln1Mean[i], a.ln1Std[i], a.res2[i], blk.LN1W, blk.LN1B, bt, d, o.eps)
		o.linear(a.fch[i], a.ln1[i], blk.FCW, blk.FCB, bt, d, 4*d)
		o.gelu(a.fchGelu[i][:bt*4*d], a.fch[i][:bt*4*d])
		o.linearResidual(a.ln2[i], a.ln1[i], a.fchGelu[i], blk.FCProjW, blk.FCProjB, bt, 4*d, d)
		nn.LayerNormEpsForward(a.res[i+1], a.ln2Mean[i], a.ln2Std[i], a.ln2[i], blk.LN2W, blk.LN2B, bt, d, o.eps)
		return
	}
	nn.LayerNormEpsForward(a.ln2[i], a.ln2Mean[i], a.ln2Std[i], a.res2[i], blk.LN2W, blk.LN2B, bt, d, o.eps)
	o.linear(a.fch[i], a.ln2[i], blk.FCW, blk.FCB, bt, d, 4*d)
	o.gelu(a.fchGelu[i][:bt*4*d], a.fch[i][:bt*4*d])
	o.linearResidual(a.res[i+1], a.res2[i], a.fchGelu[i], blk.FCProjW, blk.FCProjB, bt, 4*d, d)
}

// blockBackward turns dres, the gradient with respect to a.res[i+1], into
// the gradient with respect to a.res[i], accumulating block p's weight
// gradients into g (nil views for a frozen block).
func (m *Model) blockBackward(o blockOptions, g Block, i, p, b, t int) {
	c := m.Config
	bt, d, a := b*t, c.Dim, &m.acts
	blk := &m.Params.Blocks[p]
	dres := a.dres[:bt*d]
	attnBackward := func(dout []float32) {
		o.linearBackward(a.datty, g.AttnProjW, g.AttnProjB, dout, a.atty[i], blk.AttnProjW, bt, d, d)
		if o.causal {
			nn.AttentionBackward(a.dqkv, a.dattScratch, a.datty, a.qkv[i], a.att[i], b, t, d, c.Heads)
		} else {
			nn.BidirAttentionBackward(a.dqkv, a.dattScratch, a.datty, a.qkv[i], a.att[i], m.lens, b, t, d, c.Heads)
		}
	}
	if o.postLN {
		// dtmp = d(ln2), the output LayerNorm's input.
		dtmp := a.dtmp[:bt*d]
		clear(dtmp)
		nn.LayerNormBackward(dtmp, g.LN2W, g.LN2B, dres, a.ln2[i], blk.LN2W, a.ln2Mean[i], a.ln2Std[i], bt, d)
		o.linearBackward(a.dfch, g.FCProjW, g.FCProjB, dtmp, a.fchGelu[i], blk.FCProjW, bt, 4*d, d)
		o.geluBackward(a.dfch[:bt*4*d], a.dfch[:bt*4*d], a.fch[i][:bt*4*d])
		o.linearBackward(dres, g.FCW, g.FCB, a.dfch, a.ln1[i], blk.FCW, bt, d, 4*d)
		kern.Axpy(1, dtmp, dres) // dres = d(ln1): MLP branch plus residual
		clear(dtmp)
		nn.LayerNormBackward(dtmp, g.LN1W, g.LN1B, dres, a.res2[i], blk.LN1W, a.ln1Mean[i], a.ln1Std[i], bt, d)
		attnBackward(dtmp)
		o.linearBackward(dres, g.AttnW, g.AttnB, a.dqkv, a.res[i], blk.AttnW, bt, d, 3*d)
		kern.Axpy(1, dtmp, dres) // dres = d(res): attention branch plus residual
		return
	}
	o.linearBackward(a.dfch, g.FCProjW, g.FCProjB, dres, a.fchGelu[i], blk.FCProjW, bt, 4*d, d)
	o.geluBackward(a.dfch[:bt*4*d], a.dfch[:bt*4*d], a.fch[i][:bt*4*d])
	o.linearBackward(a.dtmp, g.FCW, g.FCB, a.dfch, a.ln2[i], blk.FCW, bt, d, 4*d)
	nn.LayerNormBackward(dres, g.LN2W, g.LN2B, a.dtmp, a.res2[i], blk.LN2W, a.ln2Mean[i], a.ln2Std[i], bt, d)
	attnBackward(dres)
	o.linearBackward(a.dtmp, g.AttnW, g.AttnB, a.dqkv, a.ln1[i], blk.AttnW, bt, d, 3*d)
	nn.LayerNormBackward(dres, g.LN1W, g.LN1B, a.dtmp, a.res[i], blk.LN1W, a.ln1Mean[i], a.ln1Std[i], bt, d)
}
