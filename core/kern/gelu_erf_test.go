package kern

import (
	"math"
	"testing"
)

func TestGELUErfAgainstFloat64(t *testing.T) {
	var xs []float32
	for x := -12.0; x <= 12; x += 0.00731 {
		xs = append(xs, float32(x))
	}
	got, dgot, ones := make([]float32, len(xs)), make([]float32, len(xs)), make([]float32, len(xs))
	for i := range ones {
		ones[i] = 1
	}
	GELUErf(got, xs)
	GELUErfBackward(dgot, ones, xs)
	for i, x32 := range xs {
		x := float64(x32)
		want := 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
		dwant := 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
		tol := 1e-6 * math.Max(1, math.Abs(x))
		if d := math.Abs(float64(got[i]) - want); d > tol {
			t.Fatalf("GELUErf(%g) = %g, want %g (error %.2g)", x, got[i], want, d)
		}
		if d := math.Abs(float64(dgot[i]) - dwant); d > tol {
			t.Fatalf("GELUErfBackward(%g) = %g, want %g (error %.2g)", x, dgot[i], dwant, d)
		}
	}
}

// BenchmarkGELUErf times the exact GELU and its gradient against the tanh
// GELU of GPT-2 on the MLP activations of one bert-tiny layer.
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
