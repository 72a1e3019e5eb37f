package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGELUErfGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 4))
	inp := randSlice(rng, 101, 2)
	r := randSlice(rng, 101, 1)
	out := make([]float32, len(inp))
	loss := func() float64 { GELUErfForward(out, inp); return dotLoss(out, r) }
	loss()
	dinp := make([]float32, len(inp))
	GELUErfBackward(dinp, r, inp)
	checkGrad(t, "dinp", rng, inp, dinp, loss)
}

func TestGELUErfValues(t *testing.T) {
	// 0.5·x·(1 + erf(x/√2)) in float64; differs from the tanh form by up to 1e-3.
	for _, x := range []float64{0, 1, -1, 3, -3, 0.5, -5.5, 7} {
		out := []float32{0}
		GELUErfForward(out, []float32{float32(x)})
		want := 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
		if math.Abs(float64(out[0])-want) > 1e-6 {
			t.Errorf("GELUErf(%g) = %g, want %g", x, out[0], want)
		}
	}
}

func TestBidirAttentionGrad(t *testing.T) {
	for _, tc := range []struct {
		b, t, c, heads int
		lens           []int
	}{{1, 1, 4, 1, nil}, {2, 5, 8, 2, []int{5, 3}}, {2, 37, 12, 3, []int{1, 30}}} {
		rng := rand.New(rand.NewPCG(12, uint64(tc.t)))
		qkv := randSlice(rng, tc.b*tc.t*3*tc.c, 1)
		r := randSlice(rng, tc.b*tc.t*tc.c, 1)
		out := make([]float32, tc.b*tc.t*tc.c)
		att := make([]float32, tc.b*tc.heads*tc.t*tc.t)
		loss := func() float64 {
			BidirAttentionForward(out, att, qkv, tc.lens, tc.b, tc.t, tc.c, tc.heads)
			return dotLoss(out, r)
		}
		loss()
		dqkv := make([]float32, len(qkv))
		for i := range dqkv {
			dqkv[i] = float32(math.NaN()) // must be overwritten
		}
		BidirAttentionBackward(dqkv, make([]float32, len(att)), r, qkv, att, tc.lens, tc.b, tc.t, tc.c, tc.heads)
		checkGrad(t, "dqkv", rng, qkv, dqkv, loss)
		// Padding: no query attends to a key at or after its sequence's length.
		for bh := 0; bh < tc.b*tc.heads; bh++ {
			n := keys(tc.lens, bh/tc.heads, tc.t)
			for i := 0; i < tc.t; i++ {
				for j := n; j < tc.t; j++ {
					if p := att[bh*tc.t*tc.t+i*tc.t+j]; p != 0 {
						t.Fatalf("att[%d][%d][%d] = %g on a padding key", bh, i, j, p)
					}
				}
			}
		}
	}
}

func TestLinearOutInGrad(t *testing.T) {
	for _, tc := range []struct{ rows, in, out int }{{1, 1, 1}, {5, 7, 3}, {33, 17, 40}} {
		rng := rand.New(rand.NewPCG(13, uint64(tc.rows)))
		inp := randSlice(rng, tc.rows*tc.in, 1)
		w := randSlice(rng, tc.out*tc.in, 0.5)
		b := randSlice(rng, tc.out, 0.5)
		resid := randSlice(rng, tc.rows*tc.out, 1)
		r := randSlice(rng, tc.rows*tc.out, 1)
		out, viaResid := make([]float32, tc.rows*tc.out), make([]float32, tc.rows*tc.out)
		loss := func() float64 {
			LinearOutInForward(out, inp, w, b, tc.rows, tc.in, tc.out)
			return dotLoss(out, r)
		}
		loss()
		LinearOutInResidualForward(viaResid, resid, inp, w, b, tc.rows, tc.in, tc.out)
		for i := range out {
			if d := math.Abs(float64(viaResid[i] - out[i] - resid[i])); d > 1e-5 {
				t.Fatalf("residual form differs by %g at %d", d, i)
			}
		}
		dinp, dw, db := make([]float32, len(inp)), make([]float32, len(w)), make([]float32, len(b))
		LinearOutInBackward(dinp, dw, db, r, inp, w, tc.rows, tc.in, tc.out)
		checkGrad(t, "dinp", rng, inp, dinp, loss)
		checkGrad(t, "dw", rng, w, dw, loss)
		checkGrad(t, "db", rng, b, db, loss)
	}
}

func TestLayerNormEpsGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	const rows, c = 7, 19
	inp, w, b, r := randSlice(rng, rows*c, 1), randSlice(rng, c, 1), randSlice(rng, c, 1), randSlice(rng, rows*c, 1)
	out, mean, rstd := make([]float32, rows*c), make([]float32, rows), make([]float32, rows)
	loss := func() float64 {
		LayerNormEpsForward(out, mean, rstd, inp, w, b, rows, c, BertLayerNormEps)
		return dotLoss(out, r)
	}
	loss()
	dinp, dw, db := make([]float32, len(inp)), make([]float32, c), make([]float32, c)
	LayerNormBackward(dinp, dw, db, r, inp, w, mean, rstd, rows, c)
	checkGrad(t, "dinp", rng, inp, dinp, loss)
	checkGrad(t, "dw", rng, w, dw, loss)
	checkGrad(t, "db", rng, b, db, loss)
}

func TestEmbedTypedGrad(t *testing.T) {
	const b, tt, c, v = 2, 3, 4, 5
	rng := rand.New(rand.NewPCG(15, 7))
	wte, wpe, wtt := randSlice(rng, v*c, 1), randSlice(rng, tt*c, 1), randSlice(rng, 2*c, 1)
	tokens := []int32{1, 4, 1, 0, 1, 2}
	types := []int32{0, 0, 1, 0, 1, 1}
	r := randSlice(rng, b*tt*c, 1)
	out := make([]float32, b*tt*c)
	loss := func() float64 { EmbedTypedForward(out, tokens, types, wte, wpe, wtt, b, tt, c); return dotLoss(out, r) }
	loss()
	dwte, dwpe, dwtt := make([]float32, len(wte)), make([]float32, len(wpe)), make([]float32, len(wtt))
	EmbedTypedBackward(dwte, dwpe, dwtt, r, tokens, types, b, tt, c)
	checkGrad(t, "dwte", rng, wte, dwte, loss)
	checkGrad(t, "dwpe", rng, wpe, dwpe, loss)
	checkGrad(t, "dwtt", rng, wtt, dwtt, loss)
}

// TestMLMHeadTransformGrad checks BERT's MLM head on gathered positions:
// gather → dense → GELUErf → LayerNorm(1e-12) → tied decoder with bias.
func TestMLMHeadTransformGrad(t *testing.T) {
	const rows, c, v = 6, 8, 11
	rng := rand.New(rand.NewPCG(16, 1))
	h := randSlice(rng, rows*c, 1)
	idx := []int32{4, 0, 2}
	m := len(idx)
	w, bias := randSlice(rng, c*c, 0.5), randSlice(rng, c, 0.5)
	lw, lb := randSlice(rng, c, 1), randSlice(rng, c, 1)
	emb, dec := randSlice(rng, v*c, 0.5), randSlice(rng, v, 0.5)
	r := randSlice(rng, m*v, 1)
	sel, t1, t2, t3 := make([]float32, m*c), make([]float32, m*c), make([]float32, m*c), make([]float32, m*c)
	mean, rstd, logits := make([]float32, m), make([]float32, m), make([]float32, m*v)
	loss := func() float64 {
		GatherRows(sel, h, idx, c)
		LinearOutInForward(t1, sel, w, bias, m, c, c)
		GELUErfForward(t2, t1)
		LayerNormEpsForward(t3, mean, rstd, t2, lw, lb, m, c, BertLayerNormEps)
		LinearOutInForward(logits, t3, emb, dec, m, c, v)
		return dotLoss(logits, r)
	}
	loss()
	g := func(n int) []float32 { return make([]float32, n) }
	dt3, dt2, dsel, dh := g(m*c), g(m*c), g(m*c), g(rows*c)
	dw, dbias, dlw, dlb, demb, ddec := g(c*c), g(c), g(c), g(c), g(v*c), g(v)
	LinearOutInBackward(dt3, demb, ddec, r, t3, emb, m, c, v)
	LayerNormBackward(dt2, dlw, dlb, dt3, t2, lw, mean, rstd, m, c)
	GELUErfBackward(dt2, dt2, t1)
	LinearOutInBackward(dsel, dw, dbias, dt2, sel, w, m, c, c)
	ScatterRows(dh, dsel, idx, rows, c)
	for name, p := range map[string][2][]float32{
		"h": {h, dh}, "w": {w, dw}, "bias": {bias, dbias}, "ln.w": {lw, dlw}, "ln.b": {lb, dlb},
		"emb": {emb, demb}, "dec": {dec, ddec},
	} {
		checkGrad(t, name, rng, p[0], p[1], loss)
	}
	for _, i := range []int{1, 3, 5} {
		for j := 0; j < c; j++ {
			if dh[i*c+j] != 0 {
				t.Fatalf("unselected row %d has gradient %g", i, dh[i*c+j])
			}
		}
	}
}
