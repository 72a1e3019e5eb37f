package kern

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestErf32AgainstMathErf bounds the error of the erf approximation over
// a dense grid (step 1e-5 from −6 to 6, every float32 near 0 included
// through the relative error): at most 5e-7 relative (measured 4.2e-7,
// 7.5 units in the last place of a value near 1).
func TestErf32AgainstMathErf(t *testing.T) {
	var worst, at float64
	for z := -6.0; z <= 6; z += 1e-5 {
		z32 := float32(z)
		want := math.Erf(float64(z32))
		if want == 0 {
			continue
		}
		if e := math.Abs(float64(erf32(z32))-want) / math.Abs(want); e > worst {
			worst, at = e, float64(z32)
		}
	}
	for _, z := range []float32{1e-30, 1e-10, 1e-5, -1e-5} {
		want := math.Erf(float64(z))
		if e := math.Abs(float64(erf32(z))-want) / math.Abs(want); e > worst {
			worst, at = e, float64(z)
		}
	}
	t.Logf("worst relative error %.3g at %g", worst, at)
	if worst > 5e-7 {
		t.Errorf("erf32: relative error %.3g at %g, want at most 5e-7", worst, at)
	}
}

// geluErfRef returns the exact GELU and its derivative in float64.
func geluErfRef(x float64) (y, dy float64) {
	cdf := 0.5 * math.Erfc(-x/math.Sqrt2)
	return x * cdf, cdf + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}

// TestGELUErfPaths checks every path this CPU runs against float64 on a
// dense grid, the special values and random inputs: the absolute error of
// the GELU and of its derivative (times dout) stays below
// 3e-7·max(1, |x|) (·|dout|), non-finite inputs behave, and dinp may
// alias dout.
func TestGELUErfPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	x := actInputs(30, r)
	for v := -12.0; v <= 12; v += 1e-4 {
		x = append(x, float32(v))
	}
	g := make([]float32, len(x))
	for i := range g {
		g[i] = float32(r.NormFloat64())
	}
	const tolRel = 3e-7
	for _, p := range actPaths() {
		t.Run(p.name, func(t *testing.T) {
			y, dy := make([]float32, len(x)), make([]float32, len(x))
			p.geluErfFwd(y, x)
			p.geluErfBwd(dy, g, x)
			var worstF, worstB float64
			for i, v := range x {
				want, dwant := geluErfRef(float64(v))
				dwant *= float64(g[i])
				s := math.Max(1, math.Abs(float64(v)))
				if math.IsInf(want, 0) || math.Abs(want) > math.MaxFloat32 {
					// 0.5·x overflows nowhere; x·Φ(x) = x for large x.
					want = float64(v)
				}
				ef := math.Abs(float64(y[i])-want) / s
				eb := math.Abs(float64(dy[i])-dwant) / math.Max(math.Abs(float64(g[i])), 1e-30)
				if !(ef <= tolRel) {
					t.Fatalf("GELUErf(%g) = %g, want %g (error %.3g·max(1,|x|))", v, y[i], want, ef)
				}
				if !(eb <= tolRel) {
					t.Fatalf("dout %g · GELUErf'(%g) = %g, want %g", g[i], v, dy[i], dwant)
				}
				worstF, worstB = math.Max(worstF, ef), math.Max(worstB, eb)
			}
			t.Logf("worst error: forward %.3g·max(1,|x|), backward %.3g·|dout|", worstF, worstB)

			nonFinite := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
			out := make([]float32, 3)
			p.geluErfFwd(out, nonFinite)
			if !math.IsNaN(float64(out[0])) || !math.IsInf(float64(out[1]), 1) || !math.IsNaN(float64(out[2])) && out[2] != 0 {
				t.Errorf("GELUErf(NaN, +Inf, −Inf) = %v, want NaN, +Inf and NaN or 0", out)
			}
			p.geluErfBwd(out, []float32{1, 1, 1}, nonFinite)
			if !math.IsNaN(float64(out[0])) || out[1] != 1 || out[2] != 0 {
				t.Errorf("GELUErf'(NaN, +Inf, −Inf) = %v, want NaN, 1, 0", out)
			}

			d := append([]float32(nil), g...)
			p.geluErfBwd(d, d, x)
			for i := range d {
				if d[i] != dy[i] {
					t.Fatalf("in place: element %d = %g, want %g", i, d[i], dy[i])
				}
			}
		})
	}
}

// TestGELUErfDispatch checks the exported functions, which run the
// fastest path of this CPU, against the pure-Go path.
func TestGELUErfDispatch(t *testing.T) {
	x := make([]float32, 1000)
	for i := range x {
		x[i] = float32(i-500) / 60
	}
	ones := make([]float32, len(x))
	for i := range ones {
		ones[i] = 1
	}
	y, dy, yGo, dyGo := make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))
	GELUErf(y, x)
	GELUErfBackward(dy, ones, x)
	actGo.geluErfFwd(yGo, x)
	actGo.geluErfBwd(dyGo, ones, x)
	for i, v := range x {
		s := 6e-7 * math.Max(1, math.Abs(float64(v)))
		if math.Abs(float64(y[i]-yGo[i])) > s || math.Abs(float64(dy[i]-dyGo[i])) > s {
			t.Fatalf("x=%g: %s path gives %g, %g; go gives %g, %g", v, act.name, y[i], dy[i], yGo[i], dyGo[i])
		}
	}
}

// BenchmarkGELUErf times the exact GELU and its gradient against the tanh
// GELU of GPT-2 on the MLP activations of one bert-tiny layer, on the
// fastest path of this CPU and on the pure-Go one.
func BenchmarkGELUErf(b *testing.B) {
	const n = 16 * 128 * 1024
	x, y, g := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(i%2001-1000) / 300
		g[i] = 1
	}
	for _, bc := range []struct {
		name string
		f    func()
	}{
		{"erf/fwd", func() { GELUErf(y, x) }},
		{"erf/bwd", func() { GELUErfBackward(y, g, x) }},
		{"erf-go/fwd", func() { actGo.geluErfFwd(y, x) }},
		{"erf-go/bwd", func() { actGo.geluErfBwd(y, g, x) }},
		{"tanh/fwd", func() { GELU(y, x) }},
		{"tanh/bwd", func() { GELUBackward(y, g, x) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(4 * n)
			for range b.N {
				bc.f()
			}
		})
	}
}
