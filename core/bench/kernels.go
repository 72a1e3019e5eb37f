package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"workbench/core/kern"
	"workbench/core/model"
	"workbench/core/nn"
	"workbench/core/optim"
)

// Kernel is the timing of one kernel of a training step.
type Kernel struct {
	// Name identifies the kernel, e.g. "gemm.fc.fwd" or "layernorm.bwd".
	Name string `json:"-"`
	// Shape describes the call: "NN 2048x1024x256" (transposes of A and B,
	// then m×n×k) for a matrix product, the element or row counts
	// otherwise.
	Shape string `json:"shape"`
	// Calls is the number of calls in one training step.
	Calls int `json:"calls"`
	// Ms is the median time of one call; MsPerStep is Calls·Ms.
	Ms        float64 `json:"ms"`
	MsPerStep float64 `json:"ms_per_step"`
	// GFLOPS is the rate of the matrix products, attention and the LM
	// head, by the counting of package flops (2mnk for a product;
	// attention as if the full T×T matrix were computed; the LM head as
	// its three products 6·B·T·d·V, without the recomputed logits). 0 for
	// the other kernels.
	GFLOPS float64 `json:"gflops,omitempty"`
	// Reps is how many calls the median was taken over.
	Reps int `json:"reps"`
}

// KernelSet is the kernels of a step in execution order. In JSON it is one
// object keyed by kernel name, in that order.
type KernelSet []Kernel

// MsPerStep returns the total of the kernels' time per step.
func (ks KernelSet) MsPerStep() float64 {
	var s float64
	for _, k := range ks {
		s += k.MsPerStep
	}
	return s
}

// MarshalJSON implements json.Marshaler.
func (ks KernelSet) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range ks {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(k.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON implements json.Unmarshaler, keeping the order of the
// object's keys.
func (ks *KernelSet) UnmarshalJSON(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("kernels: want a JSON object")
	}
	*ks = (*ks)[:0]
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var k Kernel
		if err := d.Decode(&k); err != nil {
			return fmt.Errorf("kernels: %s: %v", name, err)
		}
		k.Name = name
		*ks = append(*ks, k)
	}
	_, err := d.Token()
	return err
}

// gemmCall is one matrix-product shape of a training step.
type gemmCall struct {
	name           string
	transA, transB bool
	m, n, k        int
	beta           float32
	calls          int
}

// gemmCalls lists the products of one training step of shape s, as the
// model and package nn issue them (attention, and GPT's LM head, which is
// timed as a whole, excluded). BERT's linear weights are [out, in], so its
// products transpose the other operand, and its head (transform and
// decoder) runs on HeadRows positions.
func gemmCalls(s Shape) []gemmCall {
	bt, d, l := s.Batch*s.Seq, s.Dim, s.Layers
	if s.Arch == model.BERT {
		return bertGemmCalls(s)
	}
	type lin struct {
		name    string
		in, out int
	}
	lins := []lin{{"qkv", d, 3 * d}, {"attnproj", d, d}, {"fc", d, 4 * d}, {"fcproj", 4 * d, d}}
	var g []gemmCall
	for _, x := range lins {
		beta := float32(1) // bias or residual already in the output
		g = append(g, gemmCall{"gemm." + x.name + ".fwd", false, false, bt, x.out, x.in, beta, l})
	}
	for i := len(lins) - 1; i >= 0; i-- {
		x := lins[i]
		g = append(g, gemmCall{"gemm." + x.name + ".dx", false, true, bt, x.in, x.out, 0, l})
		g = append(g, gemmCall{"gemm." + x.name + ".dw", true, false, x.in, x.out, bt, 1, l})
	}
	return g
}

func bertGemmCalls(s Shape) []gemmCall {
	bt, d, v, l, hr := s.Batch*s.Seq, s.Dim, s.Vocab, s.Layers, s.HeadRows()
	type lin struct {
		name          string
		rows, in, out int
		calls         int
	}
	lins := []lin{{"qkv", bt, d, 3 * d, l}, {"attnproj", bt, d, d, l}, {"fc", bt, d, 4 * d, l}, {"fcproj", bt, 4 * d, d, l},
		{"mlmtransform", hr, d, d, 1}, {"mlmdecoder", hr, d, v, 1}}
	var g []gemmCall
	for _, x := range lins {
		g = append(g, gemmCall{"gemm." + x.name + ".fwd", false, true, x.rows, x.out, x.in, 1, x.calls})
	}
	for i := len(lins) - 1; i >= 0; i-- {
		x := lins[i]
		g = append(g, gemmCall{"gemm." + x.name + ".dx", false, false, x.rows, x.in, x.out, 0, x.calls})
		g = append(g, gemmCall{"gemm." + x.name + ".dw", true, false, x.out, x.in, x.rows, 1, x.calls})
	}
	return g
}

// timeOp calls f until it has run for target (at least KernelMinReps
// times) and returns the median time of one call in seconds and the number
// of calls.
func timeOp(f func(), target time.Duration) (float64, int) {
	f() // warm caches and pools
	var times []float64
	start := time.Now()
	for len(times) < KernelMinReps || time.Since(start) < target {
		t0 := time.Now()
		f()
		times = append(times, time.Since(t0).Seconds())
		if len(times) >= 1000 {
			break
		}
	}
	return median(times), len(times)
}

// fill sets s to deterministic values in [-1, 1).
func fill(s []float32, seed uint32) {
	x := seed*2654435761 + 1
	for i := range s {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		s[i] = float32(x>>8)/(1<<23) - 1
	}
}

// timeKernels times each kernel of a training step of shape s on its own,
// on fresh buffers (the optimizer kernels on st's model).
func timeKernels(s Shape, st *Stepper, target time.Duration) KernelSet {
	var ks KernelSet
	add := func(name, shape string, calls int, flops float64, f func()) {
		sec, reps := timeOp(f, target)
		ms := sec * 1e3
		k := Kernel{Name: name, Shape: shape, Calls: calls, Ms: ms, MsPerStep: float64(calls) * ms, Reps: reps}
		if flops > 0 {
			k.GFLOPS = flops / sec / 1e9
		}
		ks = append(ks, k)
	}

	calls := gemmCalls(s)
	var na, nb, nc int
	for _, g := range calls {
		na, nb, nc = max(na, g.m*g.k), max(nb, g.k*g.n), max(nc, g.m*g.n)
	}
	a, b, c := make([]float32, na), make([]float32, nb), make([]float32, nc)
	fill(a, 1)
	fill(b, 2)
	for _, g := range calls {
		lda, ldb := g.k, g.n
		if g.transA {
			lda = g.m
		}
		if g.transB {
			ldb = g.k
		}
		clear(c[:g.m*g.n])
		tr := func(t bool) byte {
			if t {
				return 'T'
			}
			return 'N'
		}
		shape := fmt.Sprintf("%c%c %dx%dx%d", tr(g.transA), tr(g.transB), g.m, g.n, g.k)
		add(g.name, shape, g.calls, 2*float64(g.m)*float64(g.n)*float64(g.k), func() {
			kern.Sgemm(g.transA, g.transB, g.m, g.n, g.k, 1, a, lda, b, ldb, g.beta, c, g.n)
		})
	}
	a, b, c = nil, nil, nil

	bt, d, l, bsz, t, h, v := s.Batch*s.Seq, s.Dim, s.Layers, s.Batch, s.Seq, s.Heads, s.Vocab
	attFlops := 4 * float64(bsz) * float64(t) * float64(t) * float64(d) // QKᵀ and PV over the full T×T
	qkv, out := make([]float32, bt*3*d), make([]float32, bt*d)
	att, scratch := make([]float32, bsz*h*t*t), make([]float32, bsz*h*t*t)
	dqkv := make([]float32, bt*3*d)
	fill(qkv, 3)
	fill(out, 4)
	attShape := fmt.Sprintf("b=%d t=%d d=%d heads=%d", bsz, t, d, h)
	if s.Arch == model.BERT {
		add("attention.fwd", attShape, l, attFlops, func() { nn.BidirAttentionForward(out, att, qkv, nil, bsz, t, d, h) })
		add("attention.bwd", attShape, l, 2*attFlops, func() { nn.BidirAttentionBackward(dqkv, scratch, out, qkv, att, nil, bsz, t, d, h) })
	} else {
		add("attention.fwd", attShape, l, attFlops, func() { nn.AttentionForward(out, att, qkv, bsz, t, d, h) })
		add("attention.bwd", attShape, l, 2*attFlops, func() { nn.AttentionBackward(dqkv, scratch, out, qkv, att, bsz, t, d, h) })
	}
	qkv, att, scratch, dqkv = nil, nil, nil, nil

	x, y, dx := make([]float32, bt*d), make([]float32, bt*d), make([]float32, bt*d)
	w, bias, dw, db := make([]float32, d), make([]float32, d), make([]float32, d), make([]float32, d)
	mean, rstd := make([]float32, bt), make([]float32, bt)
	fill(x, 5)
	fill(w, 6)
	fill(bias, 7)
	lnShape := fmt.Sprintf("%dx%d", bt, d)
	add("layernorm.fwd", lnShape, 2*l+1, 0, func() { nn.LayerNormForward(y, mean, rstd, x, w, bias, bt, d) })
	add("layernorm.bwd", lnShape, 2*l+1, 0, func() { nn.LayerNormBackward(dx, dw, db, out, x, w, mean, rstd, bt, d) })
	x, y, dx, out = nil, nil, nil, nil

	gin, gout, gd := make([]float32, bt*4*d), make([]float32, bt*4*d), make([]float32, bt*4*d)
	fill(gin, 8)
	fill(gd, 9)
	geluShape := fmt.Sprintf("%d", bt*4*d)
	if s.Arch == model.BERT {
		add("gelu.fwd", geluShape, l, 0, func() { nn.GELUErfForward(gout, gin) })
		add("gelu.bwd", geluShape, l, 0, func() { nn.GELUErfBackward(gout, gd, gin) })
	} else {
		add("gelu.fwd", geluShape, l, 0, func() { nn.GELUForward(gout, gin) })
		add("gelu.bwd", geluShape, l, 0, func() { nn.GELUBackward(gout, gd, gin) })
	}
	gin, gout, gd = nil, nil, nil

	m := st.Model
	if s.Arch == model.BERT {
		logits, losses := make([]float32, bt*v), make([]float32, bt)
		fill(logits, 10)
		ceShape := fmt.Sprintf("%dx%d", bt, v)
		add("crossentropy.fwd", ceShape, 1, 0, func() { nn.SoftmaxCrossEntropyForward(losses, logits, st.targets, bt, v) })
		// Scale 1 keeps repeated calls on the same buffer away from denormals.
		add("crossentropy.bwd", ceShape, 1, 0, func() { nn.SoftmaxCrossEntropyBackward(logits, st.targets, 1, bt, v) })
		logits = nil
	} else {
		timeLMHead(add, st, bt, d, v)
	}

	emb := make([]float32, bt*d)
	embShape := fmt.Sprintf("%dx%d", bt, d)
	add("embed.fwd", embShape, 1, 0, func() { nn.EmbedForward(emb, st.tokens, m.Params.WTE, m.Params.WPE, bsz, t, d) })
	add("embed.bwd", embShape, 1, 0, func() { nn.EmbedBackward(m.Grads.WTE, m.Grads.WPE, emb, st.tokens, bsz, t, d) })

	touchAll := func() {
		for i := range m.Touched {
			m.Touched[i] = true
		}
	}
	nParams := fmt.Sprintf("%d", len(m.Params.Data))
	touchAll()
	add("gradnorm", nParams, 1, 0, func() { _, st.norm = optim.GradNorm(m.Layout, m.Grads.Data, m.Touched, st.norm) })
	add("adamw", nParams, 1, 0, func() { st.Opt.Step(m.Params.Data, m.Grads.Data, m.Touched, 1e-3, 1) })
	add("zerograd", nParams, 1, 0, func() { touchAll(); m.ZeroGrad() })
	return ks
}

// timeLMHead times GPT's LM head with its loss, forward and backward in
// one pass as a step runs them.
func timeLMHead(add func(name, shape string, calls int, flops float64, f func()), st *Stepper, bt, d, v int) {
	head := nn.NewLMHead(bt, v, 0)
	hid, losses, dhid, demb := make([]float32, bt*d), make([]float32, bt), make([]float32, bt*d), make([]float32, v*d)
	fill(hid, 10)
	headShape := fmt.Sprintf("%dx%d v=%d chunk=%d", bt, d, v, head.ChunkRows())
	add("lmhead", headShape, 1, 6*float64(bt)*float64(v)*float64(d), func() {
		head.ForwardBackward(losses, dhid, demb, nil, hid, st.Model.Params.WTE, nil, st.targets, 1, bt, d)
	})
}
