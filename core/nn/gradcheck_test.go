package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randSlice returns n normal(0, std) values from rng.
func randSlice(rng *rand.Rand, n int, std float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64() * std)
	}
	return s
}

// dotLoss is Σ out·r in float64: a scalar loss whose gradient with respect
// to out is r.
func dotLoss(out, r []float32) float64 {
	var s float64
	for i := range out {
		s += float64(out[i]) * float64(r[i])
	}
	return s
}

// checkGrad compares analytic[i] with a central finite difference of loss
// with respect to x[i], for up to 24 coordinates chosen by rng.
func checkGrad(t *testing.T, name string, rng *rand.Rand, x, analytic []float32, loss func() float64) {
	t.Helper()
	const h = 1e-2
	n := len(x)
	idx := rng.Perm(n)
	if len(idx) > 24 {
		idx = idx[:24]
	}
	for _, i := range idx {
		orig := x[i]
		x[i] = orig + h
		lp := loss()
		x[i] = orig - h
		lm := loss()
		x[i] = orig
		num := (lp - lm) / (2 * h)
		ana := float64(analytic[i])
		if math.Abs(num-ana) > 5e-3+2e-2*math.Abs(ana) {
			t.Errorf("%s[%d]: analytic %.6g, numeric %.6g", name, i, ana, num)
		}
	}
}

func TestLinearGrad(t *testing.T) {
	for _, tc := range []struct{ rows, in, out int }{{1, 1, 1}, {5, 7, 3}, {33, 17, 40}} {
		rng := rand.New(rand.NewPCG(1, uint64(tc.rows)))
		inp := randSlice(rng, tc.rows*tc.in, 1)
		w := randSlice(rng, tc.in*tc.out, 0.5)
		b := randSlice(rng, tc.out, 0.5)
		r := randSlice(rng, tc.rows*tc.out, 1)
		out := make([]float32, tc.rows*tc.out)
		loss := func() float64 {
			LinearForward(out, inp, w, b, tc.rows, tc.in, tc.out)
			return dotLoss(out, r)
		}
		loss()
		dinp := make([]float32, len(inp))
		dw := make([]float32, len(w))
		db := make([]float32, len(b))
		LinearBackward(dinp, dw, db, r, inp, w, tc.rows, tc.in, tc.out)
		checkGrad(t, "dinp", rng, inp, dinp, loss)
		checkGrad(t, "dw", rng, w, dw, loss)
		checkGrad(t, "db", rng, b, db, loss)
	}
}

func TestLinearResidualForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	const rows, in, out = 9, 5, 6
	inp, w, b := randSlice(rng, rows*in, 1), randSlice(rng, in*out, 1), randSlice(rng, out, 1)
	resid := randSlice(rng, rows*out, 1)
	got, want := make([]float32, rows*out), make([]float32, rows*out)
	LinearResidualForward(got, resid, inp, w, b, rows, in, out)
	LinearForward(want, inp, w, b, rows, in, out)
	for i := range want {
		want[i] += resid[i]
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("out[%d] = %g, want %g", i, got[i], want[i])
		}
	}
}

func TestLayerNormGrad(t *testing.T) {
	for _, tc := range []struct{ rows, c int }{{1, 2}, {3, 8}, {17, 33}} {
		rng := rand.New(rand.NewPCG(2, uint64(tc.c)))
		inp := randSlice(rng, tc.rows*tc.c, 1)
		w := randSlice(rng, tc.c, 1)
		b := randSlice(rng, tc.c, 1)
		r := randSlice(rng, tc.rows*tc.c, 1)
		out := make([]float32, len(inp))
		mean := make([]float32, tc.rows)
		rstd := make([]float32, tc.rows)
		loss := func() float64 {
			LayerNormForward(out, mean, rstd, inp, w, b, tc.rows, tc.c)
			return dotLoss(out, r)
		}
		loss()
		dinp := make([]float32, len(inp))
		dw := make([]float32, len(w))
		db := make([]float32, len(b))
		LayerNormBackward(dinp, dw, db, r, inp, w, mean, rstd, tc.rows, tc.c)
		checkGrad(t, "dinp", rng, inp, dinp, loss)
		checkGrad(t, "dw", rng, w, dw, loss)
		checkGrad(t, "db", rng, b, db, loss)
	}
}

func TestLayerNormForwardStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const rows, c = 4, 64
	inp := randSlice(rng, rows*c, 3)
	w, b := make([]float32, c), make([]float32, c)
	for i := range w {
		w[i] = 1
	}
	out := make([]float32, len(inp))
	LayerNormForward(out, make([]float32, rows), make([]float32, rows), inp, w, b, rows, c)
	for r := 0; r < rows; r++ {
		var s, ss float64
		for _, v := range out[r*c : (r+1)*c] {
			s += float64(v)
			ss += float64(v) * float64(v)
		}
		if m := s / c; math.Abs(m) > 1e-5 {
			t.Errorf("row %d mean %g, want 0", r, m)
		}
		if v := ss / c; math.Abs(v-1) > 1e-3 {
			t.Errorf("row %d variance %g, want 1", r, v)
		}
	}
}

func TestGELUGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	inp := randSlice(rng, 101, 2)
	r := randSlice(rng, 101, 1)
	out := make([]float32, len(inp))
	loss := func() float64 { GELUForward(out, inp); return dotLoss(out, r) }
	loss()
	dinp := make([]float32, len(inp))
	GELUBackward(dinp, r, inp)
	checkGrad(t, "dinp", rng, inp, dinp, loss)
}

func TestGELUValues(t *testing.T) {
	// Reference values of 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))) in float64.
	cases := []struct{ x, want float64 }{
		{0, 0}, {1, 0.8411919906082768}, {-1, -0.15880800939172324},
		{3, 2.996362607918227}, {-3, -0.0036373920817729943}, {0.5, 0.34571400982514394},
	}
	inp := make([]float32, len(cases))
	for i, tc := range cases {
		inp[i] = float32(tc.x)
	}
	out := make([]float32, len(cases))
	GELUForward(out, inp)
	for i, tc := range cases {
		if math.Abs(float64(out[i])-tc.want) > 1e-6 {
			t.Errorf("GELU(%g) = %g, want %g", tc.x, out[i], tc.want)
		}
	}
}

func TestAttentionGrad(t *testing.T) {
	for _, tc := range []struct{ b, t, c, heads int }{{1, 1, 4, 1}, {2, 5, 8, 2}, {1, 70, 12, 3}} {
		rng := rand.New(rand.NewPCG(5, uint64(tc.t)))
		qkv := randSlice(rng, tc.b*tc.t*3*tc.c, 1)
		r := randSlice(rng, tc.b*tc.t*tc.c, 1)
		out := make([]float32, tc.b*tc.t*tc.c)
		att := make([]float32, tc.b*tc.heads*tc.t*tc.t)
		loss := func() float64 {
			AttentionForward(out, att, qkv, tc.b, tc.t, tc.c, tc.heads)
			return dotLoss(out, r)
		}
		loss()
		dqkv := make([]float32, len(qkv))
		for i := range dqkv {
			dqkv[i] = float32(math.NaN()) // must be overwritten
		}
		AttentionBackward(dqkv, make([]float32, len(att)), r, qkv, att, tc.b, tc.t, tc.c, tc.heads)
		checkGrad(t, "dqkv", rng, qkv, dqkv, loss)
		// Causality: output row i must not depend on keys or values of later rows.
		for bh := 0; bh < tc.b*tc.heads; bh++ {
			for i := 0; i < tc.t; i++ {
				for j := i + 1; j < tc.t; j++ {
					if p := att[bh*tc.t*tc.t+i*tc.t+j]; p != 0 {
						t.Fatalf("att[%d][%d][%d] = %g above the diagonal", bh, i, j, p)
					}
				}
			}
		}
	}
}

func TestCrossEntropyGrad(t *testing.T) {
	const rows, v = 6, 11
	rng := rand.New(rand.NewPCG(6, 6))
	logits := randSlice(rng, rows*v, 2)
	targets := []int32{0, 3, 10, IgnoreIndex, 5, 5}
	work := make([]float32, len(logits))
	losses := make([]float32, rows)
	loss := func() float64 {
		copy(work, logits)
		SoftmaxCrossEntropyForward(losses, work, targets, rows, v)
		var s float64
		for _, l := range losses {
			s += float64(l)
		}
		return s
	}
	loss()
	SoftmaxCrossEntropyBackward(work, targets, 1, rows, v)
	grad := append([]float32(nil), work...)
	checkGrad(t, "dlogits", rng, logits, grad, loss)
	for j := 0; j < v; j++ {
		if g := grad[3*v+j]; g != 0 {
			t.Fatalf("ignored row has gradient %g", g)
		}
	}
}

func TestEmbedGrad(t *testing.T) {
	const b, tt, c, v = 2, 3, 4, 5
	rng := rand.New(rand.NewPCG(7, 7))
	wte := randSlice(rng, v*c, 1)
	wpe := randSlice(rng, tt*c, 1)
	tokens := []int32{1, 4, 1, 0, 1, 2}
	r := randSlice(rng, b*tt*c, 1)
	out := make([]float32, b*tt*c)
	loss := func() float64 { EmbedForward(out, tokens, wte, wpe, b, tt, c); return dotLoss(out, r) }
	loss()
	dwte, dwpe := make([]float32, len(wte)), make([]float32, len(wpe))
	EmbedBackward(dwte, dwpe, r, tokens, b, tt, c)
	checkGrad(t, "dwte", rng, wte, dwte, loss)
	checkGrad(t, "dwpe", rng, wpe, dwpe, loss)
}
