package kern

import (
	"fmt"
	"math"
)

// This file holds the element-wise and row kernels of a training step
// other than matrix products: the GELU activation, the exponentials of
// softmax, LayerNorm rows and the AdamW update. Each has a pure-Go
// implementation and, on amd64, AVX-512 and AVX2 versions; all of them
// compute an element the same way wherever it sits in its slice, so
// splitting a slice among threads never changes a result.

// GELU sets dst[i] to the tanh approximation of GELU used by GPT-2,
//
//	0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))),  x = src[i],
//
// evaluated as x·sigmoid(2·sqrt(2/π)·(x + 0.044715·x³)), which is
// accurate for negative x as well. dst may be src. The result has a
// relative error of a few units in the last place, plus the rounding of
// the argument (|w|·2⁻²⁴ for the sigmoid argument w above); it is never
// NaN for finite x.
func GELU(dst, src []float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kern: GELU: len(dst)=%d, len(src)=%d, want equal lengths", len(dst), len(src)))
	}
	act.geluFwd(dst, src)
}

// GELUBackward sets dinp[i] = dout[i]·GELU'(inp[i]), the gradient of GELU.
// dinp may alias dout. The derivative is exactly 1 for x ≥ 20 and 0 for
// x ≤ −20.
func GELUBackward(dinp, dout, inp []float32) {
	if len(dinp) != len(inp) || len(dout) != len(inp) {
		panic(fmt.Sprintf("kern: GELUBackward: len(dinp)=%d, len(dout)=%d, len(inp)=%d, want equal lengths", len(dinp), len(dout), len(inp)))
	}
	act.geluBwd(dinp, dout, inp)
}

// ExpSub sets dst[i] = exp(src[i] − max) and returns the sum of the dst[i],
// the first half of a softmax. dst may be src. The exponential has a
// relative error below 2·2⁻²⁴; it overflows to +Inf above about 88.7,
// goes through the subnormal numbers below −87.3 and is 0 below about
// −103.9. A NaN input gives a NaN output and sum. The summation order
// depends on the CPU path but not on the thread count.
func ExpSub(dst, src []float32, max float32) float32 {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kern: ExpSub: len(dst)=%d, len(src)=%d, want equal lengths", len(dst), len(src)))
	}
	return act.expSub(dst, src, max)
}

// Max returns the largest x[i], or −Inf for an empty x. NaN values may be
// ignored.
func Max(x []float32) float32 { return act.max(x) }

// ScaleTo sets dst[i] = alpha·src[i], a scaled copy.
func ScaleTo(dst, src []float32, alpha float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kern: ScaleTo: len(dst)=%d, len(src)=%d, want equal lengths", len(dst), len(src)))
	}
	act.scaleTo(dst, src, alpha)
}

// SoftmaxBackward turns the gradient with respect to a softmax output into
// the gradient with respect to its input, for one row: given the
// probabilities p and dx = ∂L/∂p, it sets dx[j] = p[j]·(dx[j] − Σ_k
// p[k]·dx[k]). Both slices have the same length.
func SoftmaxBackward(dx, p []float32) {
	if len(dx) != len(p) {
		panic(fmt.Sprintf("kern: SoftmaxBackward: len(dx)=%d, len(p)=%d, want equal lengths", len(dx), len(p)))
	}
	act.mulSub(dx, p, dotImpl(p, dx))
}

// Sum returns the sum of the x[i]. The summation order depends on the CPU
// path but not on the thread count.
func Sum(x []float32) float32 { return act.sum(x) }

// LayerNorm normalises one row: with m the mean of x and rstd =
// 1/sqrt(var(x) + eps) (the variance divides by len(x)), it sets
// out[i] = (x[i] − m)·rstd·w[i] + b[i] and returns m and rstd. x must not
// be empty; out, w and b have its length.
func LayerNorm(out, x, w, b []float32, eps float32) (mean, rstd float32) {
	c := len(x)
	if c == 0 || len(out) != c || len(w) != c || len(b) != c {
		panic(fmt.Sprintf("kern: LayerNorm: len(out)=%d, len(x)=%d, len(w)=%d, len(b)=%d, want equal non-zero lengths", len(out), c, len(w), len(b)))
	}
	m := act.sum(x) / float32(c)
	ss := act.sumSqDev(x, m)
	rs := 1 / float32(math.Sqrt(float64(ss/float32(c)+eps)))
	act.lnAffine(out, x, w, b, m, rs)
	return m, rs
}

// LayerNormBackward adds to dx the input gradient of one LayerNorm row,
// given the output gradient dout, the row's input x, the weight w and the
// mean and rstd that LayerNorm returned:
//
//	dx[i] += rstd·(dout[i]·w[i] − mean(dout·w) − x̂[i]·mean(dout·w·x̂)),
//
// with x̂[i] = (x[i] − mean)·rstd. All slices have the same, non-zero
// length.
func LayerNormBackward(dx, dout, x, w []float32, mean, rstd float32) {
	c := len(dout)
	if c == 0 || len(dx) != c || len(x) != c || len(w) != c {
		panic(fmt.Sprintf("kern: LayerNormBackward: len(dx)=%d, len(dout)=%d, len(x)=%d, len(w)=%d, want equal non-zero lengths", len(dx), c, len(x), len(w)))
	}
	s1, s2 := act.lnBwdSums(dout, x, w, mean, rstd)
	act.lnBwdApply(dx, dout, x, w, mean, rstd, s1/float32(c), s2/float32(c))
}

// LayerNormParamGrad adds one row's contribution to the LayerNorm weight
// and bias gradients: db[i] += dout[i] and dw[i] += dout[i]·(x[i] −
// mean)·rstd. All slices have the same length.
func LayerNormParamGrad(dw, db, dout, x []float32, mean, rstd float32) {
	c := len(dout)
	if len(dw) != c || len(db) != c || len(x) != c {
		panic(fmt.Sprintf("kern: LayerNormParamGrad: len(dw)=%d, len(db)=%d, len(dout)=%d, len(x)=%d, want equal lengths", len(dw), len(db), c, len(x)))
	}
	act.lnParam(dw, db, dout, x, mean, rstd)
}

// AdamWCoef holds the float32 coefficients of one AdamW update.
type AdamWCoef struct {
	Beta1, Beta2                 float32
	OneMinusBeta1, OneMinusBeta2 float32
	Eps                          float32
	Decay                        float32 // 1 − lr·weight decay
	StepSize                     float32 // lr / (1 − beta1^step)
	RBC2                         float32 // 1 / sqrt(1 − beta2^step)
	GradScale                    float32 // multiplies the gradient first
}

// AdamW applies one AdamW update to the parameters p and moments m and v
// from the gradient g, element by element:
//
//	gi = g·GradScale
//	m  = Beta1·m + OneMinusBeta1·gi
//	v  = Beta2·v + OneMinusBeta2·gi·gi
//	p  = p·Decay − StepSize·m / (sqrt(v)·RBC2 + Eps)
//
// Every path rounds each operation in this order (no fused multiply-add),
// so the results are the same on every CPU. All slices have the same
// length.
func AdamW(p, g, m, v []float32, c *AdamWCoef) {
	n := len(p)
	if len(g) != n || len(m) != n || len(v) != n {
		panic(fmt.Sprintf("kern: AdamW: len(p)=%d, len(g)=%d, len(m)=%d, len(v)=%d, want equal lengths", n, len(g), len(m), len(v)))
	}
	act.adamw(p, g, m, v, c.Beta1, c.Beta2, c.OneMinusBeta1, c.OneMinusBeta2, c.Eps, c.Decay, c.StepSize, c.RBC2, c.GradScale)
}

// actPath is one implementation of the kernels of this file. Its functions
// check no lengths: the exported wrappers do.
type actPath struct {
	name       string
	geluFwd    func(dst, src []float32)
	geluBwd    func(dinp, dout, inp []float32)
	geluErfFwd func(dst, src []float32)
	geluErfBwd func(dinp, dout, inp []float32)
	expSub     func(dst, src []float32, max float32) float32
	max        func(x []float32) float32
	scaleTo    func(dst, src []float32, alpha float32)
	sum        func(x []float32) float32
	sumSqDev   func(x []float32, m float32) float32
	lnAffine   func(out, x, w, b []float32, m, rs float32)
	lnBwdSums  func(g, x, w []float32, m, rs float32) (s1, s2 float32)
	lnBwdApply func(d, g, x, w []float32, m, rs, s1, s2 float32)
	lnParam    func(dw, db, g, x []float32, m, rs float32)
	adamw      func(p, g, m, v []float32, b1, b2, omb1, omb2, eps, decay, step, rbc2, gscale float32)
	mulSub     func(d, p []float32, c float32)
}

// actGo is the pure-Go implementation.
var actGo = actPath{
	name:    "go",
	geluFwd: geluFwdGo, geluBwd: geluBwdGo, geluErfFwd: geluErfFwdGo, geluErfBwd: geluErfBwdGo,
	expSub: expSubGo, max: maxGo, scaleTo: scaleToGo, sum: sumGo, sumSqDev: sumSqDevGo,
	lnAffine: lnAffineGo, lnBwdSums: lnBwdSumsGo, lnBwdApply: lnBwdApplyGo, lnParam: lnParamGo,
	adamw: adamwGo, mulSub: mulSubGo,
}
