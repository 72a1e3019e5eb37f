package kern

import "fmt"

// The exact GELU of BERT, x·Φ(x) = 0.5·x·(1 + erf(x/√2)), on a rational
// approximation of erf (the float32 one of Eigen and XLA): erf(z) =
// z·P(z²)/Q(z²) for |z| ≤ 4, ±1 beyond, with an absolute error of a few
// float32 units. Pure Go: the compiler keeps the loop free of branches
// other than the clamp.

const (
	erfA1  = -2.72614225801306e-10
	erfA3  = 2.77068142495902e-08
	erfA5  = -2.10102402082508e-06
	erfA7  = -5.69250639462346e-05
	erfA9  = -7.34990630326855e-04
	erfA11 = -2.95459980854025e-03
	erfA13 = -1.60960333262415e-02
	erfB0  = -1.45660718464996e-05
	erfB2  = -2.13374055278905e-04
	erfB4  = -1.68282697438203e-03
	erfB6  = -7.37332916720468e-03
	erfB8  = -1.42647390514189e-02

	invSqrt2   = 0.70710678118654752
	invSqrt2Pi = 0.39894228040143268 // 1/√(2π)
)

// erf32 is the float32 error function.
func erf32(z float32) float32 {
	z = min(max(z, -4), 4)
	z2 := z * z
	p := float32(erfA1)
	p = p*z2 + erfA3
	p = p*z2 + erfA5
	p = p*z2 + erfA7
	p = p*z2 + erfA9
	p = p*z2 + erfA11
	p = p*z2 + erfA13
	q := float32(erfB0)
	q = q*z2 + erfB2
	q = q*z2 + erfB4
	q = q*z2 + erfB6
	q = q*z2 + erfB8
	return z * p / q
}

// GELUErf sets dst[i] = 0.5·x·(1 + erf(x/√2)), x = src[i], the exact GELU
// of BERT (PyTorch's nn.GELU() and Hugging Face's "gelu"). dst may be src.
// The absolute error is below 1e-6·max(1, |x|).
func GELUErf(dst, src []float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kern: GELUErf: len(dst)=%d, len(src)=%d, want equal lengths", len(dst), len(src)))
	}
	for i, x := range src {
		dst[i] = 0.5 * x * (1 + erf32(x*invSqrt2))
	}
}

// erfScratch recycles GELUErfBackward's chunk buffers, which would escape
// to the heap through the indirect call of the vector exponential.
var erfScratch FreeList[[256]float32]

// GELUErfBackward sets dinp[i] = dout[i]·(Φ(x) + x·φ(x)), x = inp[i], the
// gradient of GELUErf. dinp may alias dout.
func GELUErfBackward(dinp, dout, inp []float32) {
	if len(dinp) != len(inp) || len(dout) != len(inp) {
		panic(fmt.Sprintf("kern: GELUErfBackward: len(dinp)=%d, len(dout)=%d, len(inp)=%d, want equal lengths", len(dinp), len(dout), len(inp)))
	}
	// The Gaussian factors exp(−x²/2) of a chunk go through the vector
	// exponential of softmax first.
	e := erfScratch.Get()
	defer erfScratch.Put(e)
	for lo := 0; lo < len(inp); lo += len(e) {
		x := inp[lo:min(lo+len(e), len(inp))]
		ex := e[:len(x)]
		for i, v := range x {
			ex[i] = -0.5 * v * v
		}
		act.expSub(ex, ex, 0)
		for i, v := range x {
			cdf := 0.5 * (1 + erf32(v*invSqrt2))
			dinp[lo+i] = dout[lo+i] * (cdf + v*invSqrt2Pi*ex[i])
		}
	}
}
