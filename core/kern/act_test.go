package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/chewxy/math32"
)

// actLengths are slice lengths around the vector widths and unroll
// factors of the kernels.
var actLengths = []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 255, 256, 257, 1000}

// ulps returns |got − want| in units in the last place of want as a
// float32 (subnormal units below the normal range).
func ulps(got float32, want float64) float64 {
	if math.IsInf(want, 0) || math.Abs(want) > math.MaxFloat32 {
		if math.IsInf(float64(got), 0) && (got > 0) == (want > 0) {
			return 0
		}
		return math.Inf(1)
	}
	e := math.Max(math.Floor(math.Log2(math.Abs(want))), -126)
	return math.Abs(float64(got)-want) / math.Ldexp(1, int(e)-23)
}

// specialValues are inputs every element-wise kernel must handle.
var specialValues = []float32{
	0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 1e-40, -1e-40, 1e-30, -1e-30, 1e-7, -1e-7,
	0.5, -0.5, 1, -1, 2, -2, 3, -3, 5, -5, 10, -10, 13, -13, 19.9, -19.9, 20, -20, 30, -30,
	87, -87, 87.5, -87.5, 88.7, -88.7, 89, -89, 100, -100, 103.9, -103.9, 104, -104, 200, -200,
	1e5, -1e5, 1e10, -1e10, 1e19, -1e19, 1e20, -1e20, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
}

// actInputs returns the special values, a fine grid over [−lim, lim] and
// random values with a wide spread.
func actInputs(lim float32, r *rand.Rand) []float32 {
	x := append([]float32(nil), specialValues...)
	for v := -lim; v <= lim; v += lim / 4096 {
		x = append(x, v)
	}
	for range 20000 {
		x = append(x, float32(r.NormFloat64()*float64(lim)/4))
	}
	return x
}

func TestExpSub(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := actInputs(110, r)
	for _, p := range actPaths() {
		t.Run(p.name, func(t *testing.T) {
			for _, mx := range []float32{0, 3.5, -20} {
				got := make([]float32, len(x))
				sum := p.expSub(got, x, mx)
				var want, worst float64
				for i, v := range x {
					d := float64(v - mx) // as the kernel rounds it
					e := math.Exp(d)
					want += float64(float32(e))
					u := ulps(got[i], e)
					if u > 2 {
						t.Fatalf("max=%g: exp(%g) = %g, want %g (%.2f ulp)", mx, d, got[i], e, u)
					}
					worst = math.Max(worst, u)
				}
				if !math.IsInf(want, 0) {
					if d := math.Abs(float64(sum) - want); d > 1e-6*want {
						t.Errorf("max=%g: sum = %g, want %g", mx, sum, want)
					}
				} else if !math.IsInf(float64(sum), 1) {
					t.Errorf("max=%g: sum = %g, want +Inf", mx, sum)
				}
				if mx == 0 {
					t.Logf("worst error %.3f ulp", worst)
				}
			}
			for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
				got := []float32{0}
				p.expSub(got, []float32{v}, 0)
				want := math.Exp(float64(v))
				if !(math.IsNaN(want) && math.IsNaN(float64(got[0])) || float64(got[0]) == want) {
					t.Errorf("exp(%g) = %g, want %g", v, got[0], want)
				}
			}
		})
	}
}

// geluRef returns GELU(x) and GELU'(x) in float64, and the sigmoid
// argument w. It uses x·sigmoid(w), which equals the tanh form and does
// not cancel for negative x.
func geluRef(x float64) (y, dy, w float64) {
	a := 2 * math.Sqrt(2/math.Pi)
	w = a * (x + 0.044715*x*x*x)
	e := math.Exp(-math.Abs(w))
	s := 1 / (1 + e)
	if w < 0 {
		s = e / (1 + e)
	}
	pr := e / ((1 + e) * (1 + e)) // s·(1 − s)
	wp := a * (1 + 3*0.044715*x*x)
	y = x * s
	dy = s + x*wp*pr
	if math.IsNaN(dy) { // x·wp overflows where pr is 0
		dy = s
	}
	return y, dy, w
}

func TestGELU(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := actInputs(30, r)
	const eps = 1.0 / (1 << 24)
	for _, p := range actPaths() {
		t.Run(p.name, func(t *testing.T) {
			got := make([]float32, len(x))
			p.geluFwd(got, x)
			var worst float64
			for i, v := range x {
				want, _, w := geluRef(float64(v))
				// A few roundings, plus those of w, which the result
				// inherits for negative x.
				tol := eps*(6+4*math.Min(math.Abs(w), 1e30))*math.Abs(want) + 1e-44
				if d := math.Abs(float64(got[i]) - want); !(d <= tol) || math.IsInf(float64(got[i]), 0) && math.IsInf(want, 0) && float64(got[i]) != want {
					t.Fatalf("GELU(%g) = %g, want %g", v, got[i], want)
				}
				if math.Abs(float64(v)) < 4 {
					worst = math.Max(worst, ulps(got[i], want))
				}
				if v == 0 && math.Signbit(float64(got[i])) != math.Signbit(float64(v)) {
					t.Errorf("GELU(%g) = %g, want the sign kept", v, got[i])
				}
			}
			t.Logf("worst error for |x| < 4: %.2f ulp", worst)
			// In place, and the non-finite inputs.
			y := []float32{float32(math.NaN()), float32(math.Inf(1)), -2, 2}
			p.geluFwd(y, y)
			if !math.IsNaN(float64(y[0])) || !math.IsInf(float64(y[1]), 1) || y[2] >= 0 || y[3] <= 1.9 {
				t.Errorf("GELU(NaN, +Inf, −2, 2) in place = %v", y)
			}
		})
	}
}

func TestGELUBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := actInputs(30, r)
	g := make([]float32, len(x))
	for i := range g {
		g[i] = float32(r.NormFloat64())
	}
	g[0], g[1] = 1, 1
	const eps = 1.0 / (1 << 24)
	for _, p := range actPaths() {
		t.Run(p.name, func(t *testing.T) {
			got := make([]float32, len(x))
			p.geluBwd(got, g, x)
			var worst float64
			for i, v := range x {
				_, dy, w := geluRef(float64(v))
				want := float64(g[i]) * dy
				// The derivative is the sum s + x·w'·s·(1−s): its error
				// scales with the terms, which cancel near x = −0.75.
				scale := math.Abs(float64(g[i])) * (math.Abs(dy) + math.Abs(dy-sigmoid(w)) + sigmoid(w))
				// Below about −10, E = exp(−|w|) is subnormal and is
				// multiplied by up to x·w' ≈ 10³.
				tol := eps*(8+4*math.Min(math.Abs(w), 100))*scale + 1e-41
				if math.Abs(float64(v)) >= 20 {
					tol = 0 // exactly dout or 0
					want = float64(float32(want))
				}
				if d := math.Abs(float64(got[i]) - want); !(d <= tol) {
					t.Fatalf("dout %g · GELU'(%g) = %g, want %g", g[i], v, got[i], want)
				}
				if math.Abs(float64(v)) < 4 && math.Abs(float64(v)+0.75) > 0.1 {
					worst = math.Max(worst, ulps(got[i], want))
				}
			}
			t.Logf("worst error for |x| < 4 away from the zero at −0.75: %.2f ulp", worst)
			// dinp aliasing dout.
			d := append([]float32(nil), g...)
			p.geluBwd(d, d, x)
			for i := range d {
				if d[i] != got[i] && !(math.IsNaN(float64(d[i])) && math.IsNaN(float64(got[i]))) {
					t.Fatalf("in place: element %d = %g, want %g", i, d[i], got[i])
				}
			}
		})
	}
}

func sigmoid(w float64) float64 {
	if w >= 0 {
		return 1 / (1 + math.Exp(-w))
	}
	e := math.Exp(w)
	return e / (1 + e)
}

// TestElementwiseSplit checks that the element-wise kernels give the same
// bits for an element wherever it sits in the slice, as splitting work
// among threads requires, and that they write nothing past the end.
func TestElementwiseSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n = 203
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 3)
	}
	g := randVec(r, n)
	for _, p := range actPaths() {
		kernels := map[string]func(dst, src []float32, lo, hi int){
			"gelu":       func(dst, src []float32, lo, hi int) { p.geluFwd(dst[lo:hi], src[lo:hi]) },
			"geluBwd":    func(dst, src []float32, lo, hi int) { p.geluBwd(dst[lo:hi], g[lo:hi], src[lo:hi]) },
			"geluErf":    func(dst, src []float32, lo, hi int) { p.geluErfFwd(dst[lo:hi], src[lo:hi]) },
			"geluErfBwd": func(dst, src []float32, lo, hi int) { p.geluErfBwd(dst[lo:hi], g[lo:hi], src[lo:hi]) },
			"expSub":     func(dst, src []float32, lo, hi int) { p.expSub(dst[lo:hi], src[lo:hi], 1.5) },
			"scaleTo":    func(dst, src []float32, lo, hi int) { p.scaleTo(dst[lo:hi], src[lo:hi], -0.7) },
		}
		for name, f := range kernels {
			whole := make([]float32, n)
			f(whole, x, 0, n)
			for _, cut := range []int{1, 5, 16, 17, 100, 202} {
				parts := make([]float32, n+1)
				parts[n] = 42
				f(parts, x, 0, cut)
				f(parts, x, cut, n)
				for i := range whole {
					if parts[i] != whole[i] {
						t.Fatalf("%s/%s: split at %d: element %d = %g, want %g", p.name, name, cut, i, parts[i], whole[i])
					}
				}
				if parts[n] != 42 {
					t.Fatalf("%s/%s: wrote past the end", p.name, name)
				}
			}
		}
	}
}

func TestMaxSumScaleTo(t *testing.T) {
	for _, p := range actPaths() {
		r := rand.New(rand.NewPCG(9, 10))
		for _, n := range actLengths {
			x := randVec(r, n)
			want := float32(math.Inf(-1))
			var sum, mag float64
			for _, v := range x {
				want = max(want, v)
				sum += float64(v)
				mag += math.Abs(float64(v))
			}
			if got := p.max(x); got != want {
				t.Errorf("%s: n=%d: Max = %g, want %g", p.name, n, got, want)
			}
			if n > 0 {
				// The largest value at each position in turn.
				for _, at := range []int{0, n / 2, n - 1} {
					y := append([]float32(nil), x...)
					y[at] = 7
					if got := p.max(y); got != 7 {
						t.Errorf("%s: n=%d: Max with 7 at %d = %g", p.name, n, at, got)
					}
				}
			}
			if got := p.sum(x); math.Abs(float64(got)-sum) > float64(n+2)*mag/(1<<24)+1e-30 {
				t.Errorf("%s: n=%d: Sum = %g, want %g", p.name, n, got, sum)
			}
			dst := make([]float32, n+1)
			p.scaleTo(dst[:n], x, 0.3)
			for i, v := range x {
				if dst[i] != 0.3*v {
					t.Fatalf("%s: n=%d: ScaleTo: element %d = %g, want %g", p.name, n, i, dst[i], 0.3*v)
				}
			}
			if dst[n] != 0 {
				t.Fatalf("%s: n=%d: ScaleTo wrote past the end", p.name, n)
			}
		}
	}
}

// lnRef is LayerNorm of one row in float64.
func lnRef(x, w, b []float32, eps float64) (out []float64, mean, rstd float64) {
	c := float64(len(x))
	for _, v := range x {
		mean += float64(v)
	}
	mean /= c
	var ss float64
	for _, v := range x {
		ss += (float64(v) - mean) * (float64(v) - mean)
	}
	rstd = 1 / math.Sqrt(ss/c+eps)
	out = make([]float64, len(x))
	for i, v := range x {
		out[i] = (float64(v)-mean)*rstd*float64(w[i]) + float64(b[i])
	}
	return out, mean, rstd
}

func TestLayerNorm(t *testing.T) {
	for _, p := range actPaths() {
		old := act
		act = p
		r := rand.New(rand.NewPCG(11, 12))
		for _, n := range actLengths[1:] {
			x, w, b := randVec(r, n), randVec(r, n), randVec(r, n)
			for i := range x {
				x[i] += 3 // a mean away from 0
			}
			out := make([]float32, n)
			m, rs := LayerNorm(out, x, w, b, 1e-5)
			want, wm, wrs := lnRef(x, w, b, 1e-5)
			if math.Abs(float64(m)-wm) > 1e-6*math.Abs(wm) || math.Abs(float64(rs)-wrs) > 1e-5*wrs {
				t.Errorf("%s: n=%d: mean, rstd = %g, %g, want %g, %g", p.name, n, m, rs, wm, wrs)
			}
			for i := range out {
				if math.Abs(float64(out[i])-want[i]) > 1e-5 {
					t.Fatalf("%s: n=%d: out[%d] = %g, want %g", p.name, n, i, out[i], want[i])
				}
			}

			// Backward: dx += J·dout, against float64 with the same mean
			// and rstd.
			g := randVec(r, n)
			dx := randVec(r, n)
			dx0 := append([]float32(nil), dx...)
			LayerNormBackward(dx, g, x, w, m, rs)
			var s1, s2 float64
			for i := range g {
				xh := (float64(x[i]) - float64(m)) * float64(rs)
				s1 += float64(g[i]) * float64(w[i])
				s2 += float64(g[i]) * float64(w[i]) * xh
			}
			s1 /= float64(n)
			s2 /= float64(n)
			for i := range g {
				xh := (float64(x[i]) - float64(m)) * float64(rs)
				want := float64(dx0[i]) + float64(rs)*(float64(g[i])*float64(w[i])-s1-xh*s2)
				if math.Abs(float64(dx[i])-want) > 2e-5*float64(rs) {
					t.Fatalf("%s: n=%d: dx[%d] = %g, want %g", p.name, n, i, dx[i], want)
				}
			}

			// Parameter gradients: the same bits as the plain loop.
			dw, db := randVec(r, n), randVec(r, n)
			wdw, wdb := append([]float32(nil), dw...), append([]float32(nil), db...)
			LayerNormParamGrad(dw, db, g, x, m, rs)
			for i, v := range g {
				wdb[i] += v
				wdw[i] += v * (x[i] - m) * rs
				if dw[i] != wdw[i] || db[i] != wdb[i] {
					t.Fatalf("%s: n=%d: dw, db[%d] = %g, %g, want %g, %g", p.name, n, i, dw[i], db[i], wdw[i], wdb[i])
				}
			}
		}
		act = old
	}
}

// TestRowKernelsMatchGo checks that the kernels whose arithmetic is
// element-wise give the same bits on every path as the pure-Go code.
func TestRowKernelsMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, p := range actPaths() {
		for _, n := range actLengths {
			x, w, b, g := randVec(r, n), randVec(r, n), randVec(r, n), randVec(r, n)
			got, want := make([]float32, n), make([]float32, n)
			p.lnAffine(got, x, w, b, 0.25, 1.7)
			lnAffineGo(want, x, w, b, 0.25, 1.7)
			gotM, wantM := append([]float32(nil), g...), append([]float32(nil), g...)
			p.mulSub(gotM, x, 0.3)
			mulSubGo(wantM, x, 0.3)
			d0 := randVec(r, n)
			gotD, wantD := append([]float32(nil), d0...), append([]float32(nil), d0...)
			p.lnBwdApply(gotD, g, x, w, 0.25, 1.7, 0.1, -0.3)
			lnBwdApplyGo(wantD, g, x, w, 0.25, 1.7, 0.1, -0.3)
			for i := range got {
				if got[i] != want[i] || gotD[i] != wantD[i] || gotM[i] != wantM[i] {
					t.Fatalf("%s: n=%d: element %d: lnAffine %g, lnBwdApply %g, mulSub %g, want %g, %g, %g", p.name, n, i, got[i], gotD[i], gotM[i], want[i], wantD[i], wantM[i])
				}
			}
		}
	}
}

// adamwPlain is the AdamW update written out as package optim had it.
func adamwPlain(p, g, m, v []float32, c *AdamWCoef) {
	for i := range p {
		gi := g[i] * c.GradScale
		mi := c.Beta1*m[i] + c.OneMinusBeta1*gi
		vi := c.Beta2*v[i] + c.OneMinusBeta2*gi*gi
		m[i], v[i] = mi, vi
		p[i] = p[i]*c.Decay - c.StepSize*mi/(math32.Sqrt(vi)*c.RBC2+c.Eps)
	}
}

func TestAdamW(t *testing.T) {
	c := &AdamWCoef{
		Beta1: 0.9, Beta2: 0.999, OneMinusBeta1: float32(1 - 0.9), OneMinusBeta2: float32(1 - 0.999),
		Eps: 1e-8, Decay: float32(1 - 1e-3*0.01), StepSize: float32(1e-3 / (1 - 0.9*0.9)),
		RBC2: float32(1 / math.Sqrt(1-0.999*0.999)), GradScale: 0.8,
	}
	for _, p := range actPaths() {
		old := act
		act = p
		r := rand.New(rand.NewPCG(15, 16))
		for _, n := range actLengths {
			pp, g, m, v := randVec(r, n), randVec(r, n), randVec(r, n), randVec(r, n)
			for i := range v {
				v[i] *= v[i]
			}
			if n > 3 {
				g[0], m[0], v[0] = 0, 0, 0 // sqrt(0), eps only
				g[1] = 1e-30
			}
			wp, wm, wv := append([]float32(nil), pp...), append([]float32(nil), m...), append([]float32(nil), v...)
			for range 3 {
				AdamW(pp, g, m, v, c)
				adamwPlain(wp, g, wm, wv, c)
			}
			for i := range pp {
				if pp[i] != wp[i] || m[i] != wm[i] || v[i] != wv[i] {
					t.Fatalf("%s: n=%d: element %d: p, m, v = %g, %g, %g, want %g, %g, %g", p.name, n, i, pp[i], m[i], v[i], wp[i], wm[i], wv[i])
				}
			}
		}
		act = old
	}
}

func TestActLengthMismatch(t *testing.T) {
	a, b := make([]float32, 3), make([]float32, 4)
	c := &AdamWCoef{}
	for name, f := range map[string]func(){
		"GELU":               func() { GELU(a, b) },
		"GELUBackward":       func() { GELUBackward(a, a, b) },
		"ExpSub":             func() { ExpSub(a, b, 0) },
		"ScaleTo":            func() { ScaleTo(a, b, 1) },
		"SoftmaxBackward":    func() { SoftmaxBackward(a, b) },
		"LayerNorm":          func() { LayerNorm(a, a, a, b, 1e-5) },
		"LayerNorm empty":    func() { LayerNorm(nil, nil, nil, nil, 1e-5) },
		"LayerNormBackward":  func() { LayerNormBackward(a, a, b, a, 0, 1) },
		"LayerNormParamGrad": func() { LayerNormParamGrad(a, b, a, a, 0, 1) },
		"AdamW":              func() { AdamW(a, a, a, b, c) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

// geluTanh and geluTanhBackward are the GELU of the first version of
// package nn, through math32.Tanh, to compare speeds with.
func geluTanh(dst, src []float32) {
	const s = 0.7978845608028654
	for i, x := range src {
		dst[i] = 0.5 * x * (1 + math32.Tanh(s*(x+0.044715*x*x*x)))
	}
}

func geluTanhBackward(dinp, dout, inp []float32) {
	const s = 0.7978845608028654
	for i, x := range inp {
		th := math32.Tanh(s * (x + 0.044715*x*x*x))
		local := 0.5*(1+th) + 0.5*x*(1-th*th)*s*(1+3*0.044715*x*x)
		dinp[i] = dout[i] * local
	}
}

func expSubMath32(dst, src []float32, mx float32) float32 {
	var s float32
	for i, x := range src {
		e := math32.Exp(x - mx)
		dst[i] = e
		s += e
	}
	return s
}

// BenchmarkAct measures the element-wise kernels in ns per element on one
// thread, on every path and, as "math32", on the code they replaced in
// package nn (math32.Tanh and math32.Exp); the "go" path of layernorm and
// adamw is that code.
func BenchmarkAct(b *testing.B) {
	type kernel struct {
		name string
		run  func(p actPath, x, y, z []float32)
		old  bool // has a math32 version
	}
	c := &AdamWCoef{Beta1: 0.9, Beta2: 0.999, OneMinusBeta1: 0.1, OneMinusBeta2: 0.001, Eps: 1e-8, Decay: 1, StepSize: 1e-3, RBC2: 1, GradScale: 1}
	kernels := []kernel{
		{"gelu", func(p actPath, x, y, _ []float32) { p.geluFwd(y, x) }, true},
		{"geluBwd", func(p actPath, x, y, z []float32) { p.geluBwd(z, y, x) }, true},
		{"expSub", func(p actPath, x, y, _ []float32) { p.expSub(y, x, 1) }, true},
		{"max", func(p actPath, x, _, _ []float32) { p.max(x) }, false},
		{"adamw", func(p actPath, x, y, z []float32) {
			p.adamw(z, x, y, y, c.Beta1, c.Beta2, c.OneMinusBeta1, c.OneMinusBeta2, c.Eps, c.Decay, c.StepSize, c.RBC2, c.GradScale)
		}, false},
	}
	math32Path := actPath{name: "math32", geluFwd: geluTanh, geluBwd: geluTanhBackward, expSub: expSubMath32}
	for _, k := range kernels {
		paths := actPaths()
		if k.old {
			paths = append(paths, math32Path)
		}
		for _, p := range paths {
			for _, n := range []int{256, 16384} {
				r := rand.New(rand.NewPCG(1, 2))
				x, y, z := make([]float32, n), randVec(r, n), randVec(r, n)
				for i := range x {
					x[i] = float32(r.NormFloat64())
				}
				b.Run(fmt.Sprintf("%s/%s/n=%d", k.name, p.name, n), func(b *testing.B) {
					cpu0 := cpuSeconds()
					for b.Loop() {
						k.run(p, x, y, z)
					}
					reportPerElem(b, n, cpu0)
				})
			}
		}
	}
	for _, p := range actPaths() {
		const rows, n = 64, 256
		r := rand.New(rand.NewPCG(1, 2))
		x, w, bb, out := randVec(r, rows*n), randVec(r, n), randVec(r, n), make([]float32, rows*n)
		b.Run(fmt.Sprintf("layernorm/%s/c=%d", p.name, n), func(b *testing.B) {
			old := act
			act = p
			defer func() { act = old }()
			cpu0 := cpuSeconds()
			for b.Loop() {
				for i := 0; i < rows; i++ {
					m, rs := LayerNorm(out[i*n:(i+1)*n], x[i*n:(i+1)*n], w, bb, 1e-5)
					LayerNormBackward(out[i*n:(i+1)*n], x[i*n:(i+1)*n], x[i*n:(i+1)*n], w, m, rs)
				}
			}
			reportPerElem(b, rows*n, cpu0)
		})
	}
}

// reportPerElem reports ns/elem over wall time and, where the process CPU
// time is known, cpu-ns/elem, which a busy machine disturbs less.
func reportPerElem(b *testing.B, n int, cpu0 float64) {
	elems := float64(b.N) * float64(n)
	b.ReportMetric(b.Elapsed().Seconds()*1e9/elems, "ns/elem")
	if cpu := cpuSeconds() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(cpu*1e9/elems, "cpu-ns/elem")
	}
}

func TestSoftmaxBackward(t *testing.T) {
	for _, p := range actPaths() {
		old := act
		act = p
		r := rand.New(rand.NewPCG(17, 18))
		for _, n := range actLengths {
			logits, dx := randVec(r, n), randVec(r, n)
			probs := make([]float32, n)
			if n > 0 {
				Scale(1/ExpSub(probs, logits, Max(logits)), probs)
			}
			var dot, mag float64
			for i := range probs {
				dot += float64(probs[i]) * float64(dx[i])
				mag += math.Abs(float64(probs[i]) * float64(dx[i]))
			}
			got := append([]float32(nil), dx...)
			SoftmaxBackward(got, probs)
			for i := range got {
				want := float64(probs[i]) * (float64(dx[i]) - dot)
				if d := math.Abs(float64(got[i]) - want); d > 4e-7*float64(probs[i])*(math.Abs(float64(dx[i]))+mag) {
					t.Fatalf("%s: n=%d: dx[%d] = %g, want %g", p.name, n, i, got[i], want)
				}
			}
		}
		act = old
	}
}
