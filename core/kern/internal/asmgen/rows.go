package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// accFMA adds a·b to acc, leaving out the lanes past the end of a tail.
func (s *vx) accFMA(a, b, acc VecVirtual) {
	switch {
	case !s.masked:
		VFMADD231PS(a, b, acc)
	case s.avx512():
		VFMADD231PS(a, b, s.k, acc)
	default:
		VANDPS(s.mv, a, a)
		VFMADD231PS(a, b, acc)
	}
}

// expSub emits dst[i] = exp(src[i] − max), returning the sum.
func expSub(s *vx) {
	name := s.text("expSub", "func(dst, src []float32, max float32) float32",
		"sets dst[i] = exp(src[i] − max) over len(src) and returns their sum; dst is at least as long as src and may be src.")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("src").Len(), GP64())
	mx := s.bcast("max")
	e := s.expConsts()
	accs := s.newAccs(2)
	s.loop(name, n, []Register{dst, src}, 2, func(u, d int) {
		x := s.load(mem(src, d))
		VSUBPS(mx, x, x)
		p := s.exp(e, x)
		s.store(p, mem(dst, d))
		s.accAdd(p, accs[u])
	})
	r := s.sumAccs(accs)
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()
}

// vmax emits the maximum of x (−Inf for an empty x).
func vmax(s *vx) {
	name := s.text("max", "func(x []float32) float32",
		"returns the largest x[i], or −Inf for an empty x.")
	x := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	negInf := s.kf(float32(math.Inf(-1)))
	accs := []VecVirtual{s.vec(), s.vec()}
	for _, a := range accs {
		VMOVUPS(negInf, a)
	}
	s.loop(name, n, []Register{x}, 2, func(u, d int) {
		v := s.load(mem(x, d))
		switch {
		case !s.masked:
			VMAXPS(v, accs[u], accs[u])
		case s.avx512():
			VMAXPS(v, accs[u], s.k, accs[u])
		default:
			VBLENDVPS(s.mv, v, s.inReg(negInf), v)
			VMAXPS(v, accs[u], accs[u])
		}
	})
	a := accs[0]
	VMAXPS(accs[1], a, a)
	if s.avx512() {
		hi := YMM()
		VEXTRACTF64X4(U8(1), a, hi)
		VMAXPS(hi, a.AsY(), a.AsY())
	}
	r := a.AsX()
	t := XMM()
	VEXTRACTF128(U8(1), a.AsY(), t)
	VMAXPS(t, r, r)
	VPERMILPS(U8(0x4e), r, t)
	VMAXPS(t, r, r)
	VPERMILPS(U8(0xb1), r, t)
	VMAXPS(t, r, r)
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()
}

// scaleTo emits dst[i] = alpha·src[i].
func scaleTo(s *vx) {
	name := s.text("scaleTo", "func(dst, src []float32, alpha float32)",
		"sets dst[i] = alpha·src[i] over len(src); dst is at least as long as src.")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("src").Len(), GP64())
	al := s.bcast("alpha")
	s.loop(name, n, []Register{dst, src}, 4, func(_, d int) {
		v := s.load(mem(src, d))
		VMULPS(al, v, v)
		s.store(v, mem(dst, d))
	})
	VZEROUPPER()
	RET()
}

// sum emits the sum of x.
func sum(s *vx) {
	name := s.text("sum", "func(x []float32) float32", "returns the sum of the x[i].")
	x := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	accs := s.newAccs(4)
	s.loop(name, n, []Register{x}, 4, func(u, d int) {
		s.accAdd(s.load(mem(x, d)), accs[u])
	})
	r := s.sumAccs(accs)
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()
}

// sumSqDev emits Σ (x[i] − m)².
func sumSqDev(s *vx) {
	name := s.text("sumSqDev", "func(x []float32, m float32) float32", "returns the sum of (x[i] − m)².")
	x := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	m := s.bcast("m")
	accs := s.newAccs(4)
	s.loop(name, n, []Register{x}, 4, func(u, d int) {
		v := s.load(mem(x, d))
		VSUBPS(m, v, v)
		s.accFMA(v, v, accs[u])
	})
	r := s.sumAccs(accs)
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()
}

// lnAffine emits out[i] = (x[i] − m)·rs·w[i] + b[i], rounding each
// operation in that order.
func lnAffine(s *vx) {
	name := s.text("lnAffine", "func(out, x, w, b []float32, m, rs float32)",
		"sets out[i] = (x[i] − m)·rs·w[i] + b[i] over len(x); out, w and b are at least as long as x.")
	out := Load(Param("out").Base(), GP64())
	x := Load(Param("x").Base(), GP64())
	w := Load(Param("w").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	m, rs := s.bcast("m"), s.bcast("rs")
	s.loop(name, n, []Register{out, x, w, b}, 2, func(_, d int) {
		v := s.load(mem(x, d))
		VSUBPS(m, v, v)
		VMULPS(rs, v, v)
		VMULPS(s.load(mem(w, d)), v, v)
		VADDPS(s.load(mem(b, d)), v, v)
		s.store(v, mem(out, d))
	})
	VZEROUPPER()
	RET()
}

// lnBwdSums emits the two sums of the LayerNorm input gradient:
// Σ g[i]·w[i] and Σ g[i]·w[i]·(x[i] − m)·rs.
func lnBwdSums(s *vx) {
	name := s.text("lnBwdSums", "func(g, x, w []float32, m, rs float32) (s1, s2 float32)",
		"returns the sums over len(g) of g[i]·w[i] and of g[i]·w[i]·(x[i] − m)·rs; x and w are at least as long as g.")
	g := Load(Param("g").Base(), GP64())
	x := Load(Param("x").Base(), GP64())
	w := Load(Param("w").Base(), GP64())
	n := Load(Param("g").Len(), GP64())
	m, rs := s.bcast("m"), s.bcast("rs")
	acc1, acc2 := s.newAccs(2), s.newAccs(2)
	s.loop(name, n, []Register{g, x, w}, 2, func(u, d int) {
		t := s.load(mem(g, d))
		VMULPS(s.load(mem(w, d)), t, t)
		v := s.load(mem(x, d))
		VSUBPS(m, v, v)
		VMULPS(t, v, v)
		VMULPS(rs, v, v)
		s.accAdd(t, acc1[u])
		s.accAdd(v, acc2[u])
	})
	VADDPS(acc1[1], acc1[0], acc1[0])
	VADDPS(acc2[1], acc2[0], acc2[0])
	r1 := s.hsum(acc1[0])
	r2 := s.hsum(acc2[0])
	VZEROUPPER()
	Store(r1, ReturnIndex(0))
	Store(r2, ReturnIndex(1))
	RET()
}

// lnBwdApply emits d[i] += rs·(g[i]·w[i] − s1 − (x[i] − m)·rs·s2),
// rounding each operation in that order.
func lnBwdApply(s *vx) {
	name := s.text("lnBwdApply", "func(d, g, x, w []float32, m, rs, s1, s2 float32)",
		"adds rs·(g[i]·w[i] − s1 − (x[i] − m)·rs·s2) to d[i] over len(g); d, x and w are at least as long as g.")
	dp := Load(Param("d").Base(), GP64())
	g := Load(Param("g").Base(), GP64())
	x := Load(Param("x").Base(), GP64())
	w := Load(Param("w").Base(), GP64())
	n := Load(Param("g").Len(), GP64())
	m, rs, s1, s2 := s.bcast("m"), s.bcast("rs"), s.bcast("s1"), s.bcast("s2")
	s.loop(name, n, []Register{dp, g, x, w}, 2, func(_, d int) {
		xh := s.load(mem(x, d))
		VSUBPS(m, xh, xh)
		VMULPS(rs, xh, xh)
		t := s.load(mem(g, d))
		VMULPS(s.load(mem(w, d)), t, t)
		VSUBPS(s1, t, t)
		VMULPS(s2, xh, xh)
		VSUBPS(xh, t, t)
		VMULPS(rs, t, t)
		VADDPS(s.load(mem(dp, d)), t, t)
		s.store(t, mem(dp, d))
	})
	VZEROUPPER()
	RET()
}

// lnParam emits the LayerNorm parameter gradients of one row:
// db[i] += g[i]; dw[i] += g[i]·(x[i] − m)·rs.
func lnParam(s *vx) {
	name := s.text("lnParam", "func(dw, db, g, x []float32, m, rs float32)",
		"adds g[i] to db[i] and g[i]·(x[i] − m)·rs to dw[i] over len(g); dw, db and x are at least as long as g.")
	dw := Load(Param("dw").Base(), GP64())
	db := Load(Param("db").Base(), GP64())
	g := Load(Param("g").Base(), GP64())
	x := Load(Param("x").Base(), GP64())
	n := Load(Param("g").Len(), GP64())
	m, rs := s.bcast("m"), s.bcast("rs")
	s.loop(name, n, []Register{dw, db, g, x}, 2, func(_, d int) {
		gv := s.load(mem(g, d))
		b := s.load(mem(db, d))
		VADDPS(gv, b, b)
		s.store(b, mem(db, d))
		v := s.load(mem(x, d))
		VSUBPS(m, v, v)
		VMULPS(v, gv, gv)
		VMULPS(rs, gv, gv)
		VADDPS(s.load(mem(dw, d)), gv, gv)
		s.store(gv, mem(dw, d))
	})
	VZEROUPPER()
	RET()
}

// adamw emits the AdamW update of package optim, rounding every operation
// as its Go code does:
//
//	gi = g·gscale
//	m = b1·m + omb1·gi
//	v = b2·v + omb2·gi·gi
//	p = p·decay − step·m/(sqrt(v)·rbc2 + eps)
func adamw(s *vx) {
	name := s.text("adamw", "func(p, g, m, v []float32, b1, b2, omb1, omb2, eps, decay, step, rbc2, gscale float32)",
		"applies one AdamW update to p, m and v from the gradient g over len(p); g, m and v are at least as long as p.")
	pp := Load(Param("p").Base(), GP64())
	gp := Load(Param("g").Base(), GP64())
	mp := Load(Param("m").Base(), GP64())
	vp := Load(Param("v").Base(), GP64())
	n := Load(Param("p").Len(), GP64())
	c := map[string]VecVirtual{}
	for _, name := range []string{"b1", "b2", "omb1", "omb2", "eps", "decay", "step", "rbc2", "gscale"} {
		c[name] = s.bcast(name)
	}
	s.loop(name, n, []Register{pp, gp, mp, vp}, 2, func(_, d int) {
		gi := s.load(mem(gp, d))
		VMULPS(c["gscale"], gi, gi)
		mi := s.load(mem(mp, d))
		VMULPS(c["b1"], mi, mi)
		t := s.vec()
		VMULPS(c["omb1"], gi, t)
		VADDPS(t, mi, mi)
		s.store(mi, mem(mp, d))
		vi := s.load(mem(vp, d))
		VMULPS(c["b2"], vi, vi)
		VMULPS(c["omb2"], gi, t)
		VMULPS(gi, t, t)
		VADDPS(t, vi, vi)
		s.store(vi, mem(vp, d))
		VSQRTPS(vi, vi)
		VMULPS(c["rbc2"], vi, vi)
		VADDPS(c["eps"], vi, vi)
		VMULPS(c["step"], mi, mi)
		VDIVPS(vi, mi, mi)
		p := s.load(mem(pp, d))
		VMULPS(c["decay"], p, p)
		VSUBPS(mi, p, p)
		s.store(p, mem(pp, d))
	})
	VZEROUPPER()
	RET()
}

// mulSub emits d[i] = p[i]·(d[i] − c), the last step of a softmax
// gradient.
func mulSub(s *vx) {
	name := s.text("mulSub", "func(d, p []float32, c float32)",
		"sets d[i] = p[i]·(d[i] − c) over len(d); p is at least as long as d.")
	dp := Load(Param("d").Base(), GP64())
	pp := Load(Param("p").Base(), GP64())
	n := Load(Param("d").Len(), GP64())
	c := s.bcast("c")
	s.loop(name, n, []Register{dp, pp}, 4, func(_, d int) {
		v := s.load(mem(dp, d))
		VSUBPS(c, v, v)
		VMULPS(s.load(mem(pp, d)), v, v)
		s.store(v, mem(dp, d))
	})
	VZEROUPPER()
	RET()
}
