package kern

import "fmt"

// The exact GELU of BERT, x·Φ(x) = 0.5·x·(1 + erf(x/√2)), on a rational
// approximation of erf (the float32 one of Eigen and XLA): erf(z) =
// z·P(z²)/Q(z²) for |z| ≤ 4, ±1 beyond (erf(4) = 1 − 1.5e-8 rounds to 1
// in float32). The constants are shared with the assembly generator
// (internal/asmgen/gelu_erf.go).
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

// erf32 is the float32 error function of the kernels; the assembly
// versions compute the same steps with fused multiply-adds.
func erf32(z float32) float32 {
	z = min(max(z, -4), 4) // a NaN stays NaN
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
// The absolute error is below 2.5e-7·max(1, |x|) on every path.
func GELUErf(dst, src []float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kern: GELUErf: len(dst)=%d, len(src)=%d, want equal lengths", len(dst), len(src)))
	}
	act.geluErfFwd(dst, src)
}

// GELUErfBackward sets dinp[i] = dout[i]·(Φ(x) + x·φ(x)), x = inp[i], the
// gradient of GELUErf; x is clamped to ±20 first, beyond which the
// derivative is 0 or 1 in float32. dinp may alias dout.
func GELUErfBackward(dinp, dout, inp []float32) {
	if len(dinp) != len(inp) || len(dout) != len(inp) {
		panic(fmt.Sprintf("kern: GELUErfBackward: len(dinp)=%d, len(dout)=%d, len(inp)=%d, want equal lengths", len(dinp), len(dout), len(inp)))
	}
	act.geluErfBwd(dinp, dout, inp)
}

func geluErfFwdGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		h := 0.5 * x
		dst[i] = h*erf32(x*invSqrt2) + h
	}
}

func geluErfBwdGo(dinp, dout, inp []float32) {
	dinp, dout = dinp[:len(inp)], dout[:len(inp)]
	for i, x := range inp {
		x = min(max(x, -geluClamp), geluClamp)
		cdf := 0.5*erf32(x*invSqrt2) + 0.5
		dinp[i] = dout[i] * ((x*invSqrt2Pi)*expGo(-0.5*(x*x)) + cdf)
	}
}
