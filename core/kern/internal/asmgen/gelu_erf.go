package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Constants of the exact GELU, 0.5·x·(1 + erf(x/√2)), shared with
// core/kern/gelu_erf.go: erf(z) = z·P(z²)/Q(z²) for |z| ≤ erfClamp, the
// float32 rational approximation of Eigen and XLA, with P of degree 6
// (erfA[0] the leading coefficient) and Q of degree 4.
var (
	erfA = [...]float32{
		-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
		-5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
		-1.60960333262415e-02,
	}
	erfB = [...]float32{
		-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
		-7.37332916720468e-03, -1.42647390514189e-02,
	}
)

const (
	erfClamp   = 4
	invSqrt2   = 0.70710678118654752
	invSqrt2Pi = 0.39894228040143268 // 1/√(2π)
)

// kmem is a memory operand holding v in every lane on either instruction
// set. The erf kernels read their polynomial coefficients from memory on
// both, so that the exponential's constants and the temporaries of the
// backward pass fit in the AVX-512 registers.
func (s *vx) kmem(v float32) Mem { return constTab(math.Float32bits(v)) }

// erf returns a register holding erf(z); z is clobbered (clamped).
func (s *vx) erf(z VecVirtual) VecVirtual {
	VMAXPS(z, s.inReg(s.kmem(-erfClamp)), z) // z second: NaN passes
	VMINPS(z, s.inReg(s.kmem(erfClamp)), z)
	z2 := s.vec()
	VMULPS(z, z, z2)
	p := s.vec()
	VMOVUPS(s.kmem(erfA[0]), p)
	for _, c := range erfA[1:] {
		VFMADD213PS(s.kmem(c), z2, p) // p = p·z² + c
	}
	q := s.vec()
	VMOVUPS(s.kmem(erfB[0]), q)
	for _, c := range erfB[1:] {
		VFMADD213PS(s.kmem(c), z2, q)
	}
	VMULPS(z, p, p)
	VDIVPS(q, p, p) // z·P/Q
	return p
}

// geluErfForward emits dst[i] = h + h·erf(x/√2), h = 0.5·x, x = src[i].
func geluErfForward(s *vx) {
	name := s.text("geluErfFwd", "func(dst, src []float32)",
		"sets dst[i] to the exact (erf) GELU of src[i] over len(src); dst is at least as long.")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("src").Len(), GP64())
	half, rs2 := s.kf(0.5), s.kf(invSqrt2)
	s.loop(name, n, []Register{dst, src}, 2, func(_, d int) {
		x := s.load(mem(src, d))
		z := s.vec()
		VMULPS(rs2, x, z)
		e := s.erf(z)
		VMULPS(half, x, x)
		VFMADD213PS(x, x, e) // h·erf + h
		s.store(e, mem(dst, d))
	})
	VZEROUPPER()
	RET()
}

// geluErfBackward emits dinp[i] = dout[i]·(Φ(x) + x·φ(x)), x = inp[i]
// clamped to ±geluClamp, with Φ(x) = 0.5 + 0.5·erf(x/√2) and φ(x) =
// exp(−x²/2)/√(2π).
func geluErfBackward(s *vx) {
	name := s.text("geluErfBwd", "func(dinp, dout, inp []float32)",
		"sets dinp[i] to dout[i] times the derivative of the exact (erf) GELU at inp[i] over len(inp); dinp may alias dout.")
	dinp := Load(Param("dinp").Base(), GP64())
	dout := Load(Param("dout").Base(), GP64())
	inp := Load(Param("inp").Base(), GP64())
	n := Load(Param("inp").Len(), GP64())
	e := s.expConsts()
	half, mhalf, rs2, rs2pi := s.kf(0.5), s.kf(-0.5), s.kf(invSqrt2), s.kf(invSqrt2Pi)
	lo, hi := s.kf(-geluClamp), s.kf(geluClamp)
	s.loop(name, n, []Register{dinp, dout, inp}, 2, func(_, d int) {
		x := s.load(mem(inp, d))
		VMAXPS(x, s.inReg(lo), x)
		VMINPS(x, s.inReg(hi), x)
		z := s.vec()
		VMULPS(rs2, x, z)
		cdf := s.erf(z)
		VFMADD213PS(half, s.inReg(half), cdf) // 0.5·erf + 0.5
		g := s.vec()
		VMULPS(x, x, g)
		VMULPS(mhalf, g, g)
		pdf := s.exp(e, g)
		VMULPS(rs2pi, x, x)
		VFMADD213PS(cdf, x, pdf) // x/√(2π)·exp(−x²/2) + Φ
		VMULPS(s.load(mem(dout, d)), pdf, pdf)
		s.store(pdf, mem(dinp, d))
	})
	VZEROUPPER()
	RET()
}
