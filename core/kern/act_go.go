package kern

import "math"

// The constants of the exponential, shared with the assembly generator
// (internal/asmgen): exp(x) = 2ⁿ·exp(r) with n = round(x/ln2) and
// r = x − n·ln2, |r| ≤ ln2/2. ln2 is split into expLn2Hi, with 9
// significant bits so that n·expLn2Hi and x − n·expLn2Hi are exact, and
// the rest. exp(r) is 1 + r + c2·r² + … + c6·r⁶, fitted to a relative
// error of 3e-9 on [−ln2/2, ln2/2]. x is clamped to [expLo, expHi] first:
// below, the result rounds to 0; above, it overflows.
const (
	expLog2e = 1.44269504088896341
	expMagic = 12582912 // 1.5·2²³: adding it rounds to an integer
	expLn2Hi = 0.693359375
	expLn2Lo = -2.12194440e-4
	expC2    = 0.49999994
	expC3    = 0.166665211
	expC4    = 0.041668389
	expC5    = 0.00836872216
	expC6    = 0.00138146081
	expLo    = -104
	expHi    = 89
)

// expGo is the float32 exponential of the kernels; the assembly versions
// compute the same steps with fused multiply-adds.
func expGo(x float32) float32 {
	x = min(max(x, expLo), expHi) // a NaN stays NaN
	t := x*expLog2e + expMagic
	n := t - expMagic
	r := x - n*expLn2Hi
	r -= n * expLn2Lo
	p := float32(expC6)
	p = p*r + expC5
	p = p*r + expC4
	p = p*r + expC3
	p = p*r + expC2
	p = p*r + 1
	p = p*r + 1
	// 2ⁿ as two normal factors, so that results near overflow and in the
	// subnormal range come out right; the first product is exact.
	ni := int32(math.Float32bits(t) - math.Float32bits(expMagic))
	h := ni >> 1
	return p * math.Float32frombits(uint32(h+127)<<23) * math.Float32frombits(uint32(ni-h+127)<<23)
}

// GELU constants: w = 2·sqrt(2/π)·(x + 0.044715·x³) = x·(geluA + geluB·x²)
// and GELU(x) = x·sigmoid(w). geluClamp bounds x in the derivative, which
// is 0 or 1 in float32 beyond it.
const (
	geluA     = 1.5957691216057308 // 2·sqrt(2/π)
	geluB     = geluA * 0.044715
	geluClamp = 20
)

// geluParts returns E = exp(−|w|) and num, 1 for x ≥ 0 and E for x < 0:
// sigmoid(w) = num/(1 + E) without overflow for either sign. It also
// returns x·x.
func geluParts(x float32) (xx, e, num float32) {
	xx = x * x
	w := x * (geluA + geluB*xx)
	e = expGo(math.Float32frombits(math.Float32bits(w) | 1<<31))
	num = 1
	if x < 0 {
		num = e
	}
	return xx, e, num
}

func geluFwdGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		_, e, num := geluParts(x)
		dst[i] = x * (num / (1 + e))
	}
}

// geluBwdGo uses GELU'(x) = s + x·w'(x)·s·(1−s) with s = sigmoid(w),
// w'(x) = geluA + 3·geluB·x² and s·(1−s) = E/(1+E)².
func geluBwdGo(dinp, dout, inp []float32) {
	dinp, dout = dinp[:len(inp)], dout[:len(inp)]
	for i, x := range inp {
		x = min(max(x, -geluClamp), geluClamp)
		xx, e, num := geluParts(x)
		xq := x * (geluA + 3*geluB*xx)
		r := 1 / (1 + e)
		s := num * r
		pr := e * r * r
		dinp[i] = dout[i] * (xq*pr + s)
	}
}

func expSubGo(dst, src []float32, mx float32) float32 {
	dst = dst[:len(src)]
	var s float32
	for i, x := range src {
		e := expGo(x - mx)
		dst[i] = e
		s += e
	}
	return s
}

func maxGo(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

func scaleToGo(dst, src []float32, alpha float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = alpha * v
	}
}

func sumGo(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

func sumSqDevGo(x []float32, m float32) float32 {
	var s float32
	for _, v := range x {
		d := v - m
		s += d * d
	}
	return s
}

func lnAffineGo(out, x, w, b []float32, m, rs float32) {
	out, w, b = out[:len(x)], w[:len(x)], b[:len(x)]
	for i, v := range x {
		out[i] = (v-m)*rs*w[i] + b[i]
	}
}

func lnBwdSumsGo(g, x, w []float32, m, rs float32) (s1, s2 float32) {
	x, w = x[:len(g)], w[:len(g)]
	for i, v := range g {
		t := v * w[i]
		s1 += t
		s2 += t * (x[i] - m) * rs
	}
	return s1, s2
}

func lnBwdApplyGo(d, g, x, w []float32, m, rs, s1, s2 float32) {
	d, x, w = d[:len(g)], x[:len(g)], w[:len(g)]
	for i, v := range g {
		xh := (x[i] - m) * rs
		d[i] += rs * (v*w[i] - s1 - xh*s2)
	}
}

func lnParamGo(dw, db, g, x []float32, m, rs float32) {
	dw, db, x = dw[:len(g)], db[:len(g)], x[:len(g)]
	for i, v := range g {
		db[i] += v
		dw[i] += v * (x[i] - m) * rs
	}
}

func adamwGo(p, g, m, v []float32, b1, b2, omb1, omb2, eps, decay, step, rbc2, gscale float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i] * gscale
		mi := b1*m[i] + omb1*gi
		vi := b2*v[i] + omb2*gi*gi
		m[i], v[i] = mi, vi
		p[i] = p[i]*decay - step*mi/(float32(math.Sqrt(float64(vi)))*rbc2+eps)
	}
}

func mulSubGo(d, p []float32, c float32) {
	p = p[:len(d)]
	for i, v := range d {
		d[i] = p[i] * (v - c)
	}
}
