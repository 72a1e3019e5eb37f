package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// vx is the vector instruction set an element-wise kernel is emitted for:
// AVX-512 (16 lanes, constants in registers, opmask tails) or AVX2 with FMA
// (8 lanes, constants read from memory, VMASKMOVPS tails). Every element,
// the last few included, goes through the same vector arithmetic, so a
// result never depends on where its element sits in the slice.
type vx struct {
	suffix string
	lanes  int
	// masked is set while the partial vector at the end is emitted; k or
	// mv then selects its lanes.
	masked bool
	k      OpmaskVirtual
	mv     VecVirtual
	// regs holds the AVX-512 constants of the current function.
	regs map[uint32]VecVirtual
}

// isas are the instruction sets of the element-wise kernels, fastest first.
var isas = []*vx{{suffix: "AVX512", lanes: 16}, {suffix: "AVX2", lanes: 8}}

// iotaTab holds the uint32 values 0…15; main sets it.
var iotaTab Mem

func (s *vx) avx512() bool    { return s.lanes == 16 }
func (s *vx) vec() VecVirtual { return newVec(s.lanes) }

// text starts a function of signature sig and resets the constants.
func (s *vx) text(base, sig, doc string) string {
	name := base + s.suffix
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(name + " " + doc)
	s.regs = map[uint32]VecVirtual{}
	return name
}

// constTabs are the read-only tables of the constants, 16 copies of each.
var constTabs = map[uint32]Mem{}

func constTab(bits uint32) Mem {
	if m, ok := constTabs[bits]; ok {
		return m
	}
	m := GLOBL(fmt.Sprintf("const%08x", bits), RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(bits))
	}
	constTabs[bits] = m
	return m
}

// kbits returns a vector operand holding bits in every lane: a register
// loaded here (AVX-512; call it before the loop) or a memory operand
// (AVX2).
func (s *vx) kbits(bits uint32) Op {
	m := constTab(bits)
	if !s.avx512() {
		return m
	}
	if r, ok := s.regs[bits]; ok {
		return r
	}
	r := s.vec()
	VBROADCASTSS(m, r)
	s.regs[bits] = r
	return r
}

// kf is kbits for a float32 value.
func (s *vx) kf(v float32) Op { return s.kbits(math.Float32bits(v)) }

// inReg returns op in a register, loading it if it is a memory operand.
func (s *vx) inReg(op Op) VecVirtual {
	if r, ok := op.(VecVirtual); ok {
		return r
	}
	r := s.vec()
	VMOVUPS(op, r)
	return r
}

// bcast broadcasts the float32 argument name into a register.
func (s *vx) bcast(name string) VecVirtual {
	r := s.vec()
	VBROADCASTSS(paramAddr(name), r)
	return r
}

func (s *vx) zero(v VecVirtual) {
	if s.avx512() {
		VPXORD(v, v, v)
	} else {
		VXORPS(v, v, v)
	}
}

// and sets dst = a AND b, bitwise (VANDPS on ZMM needs AVX512DQ).
func (s *vx) and(a Op, b, dst VecVirtual) {
	if s.avx512() {
		VPANDD(a, b, dst)
	} else {
		VANDPS(a, b, dst)
	}
}

// load reads one vector (zeros in the lanes past the end of a tail).
func (s *vx) load(m Mem) VecVirtual {
	v := s.vec()
	switch {
	case !s.masked:
		VMOVUPS(m, v)
	case s.avx512():
		VMOVUPS_Z(m, s.k, v)
	default:
		VMASKMOVPS(m, s.mv, v)
	}
	return v
}

// store writes one vector, or the lanes of the tail.
func (s *vx) store(v VecVirtual, m Mem) {
	switch {
	case !s.masked:
		VMOVUPS(v, m)
	case s.avx512():
		VMOVUPS(v, s.k, m)
	default:
		VMASKMOVPS(v, s.mv, m)
	}
}

// accAdd adds v to acc, leaving out the lanes past the end of a tail.
func (s *vx) accAdd(v, acc VecVirtual) {
	switch {
	case !s.masked:
		VADDPS(v, acc, acc)
	case s.avx512():
		VADDPS(v, acc, s.k, acc)
	default:
		VANDPS(s.mv, v, v)
		VADDPS(v, acc, acc)
	}
}

// setMask selects the first n (1 ≤ n < lanes) lanes for the tail.
func (s *vx) setMask(n Register) {
	nv := s.vec()
	x := XMM()
	VMOVQ(n, x)
	VPBROADCASTD(x, nv)
	if s.avx512() {
		s.k = K()
		VPCMPGTD(iotaTab, nv, s.k)
	} else {
		s.mv = YMM()
		VPCMPGTD(iotaTab, nv, s.mv)
	}
}

// loop emits a loop over the n elements of slices whose current element
// pointers are ptrs. body(u, disp) emits the code for vector u of a step,
// whose elements are at byte offset disp from each pointer. A step covers
// unroll vectors while enough elements remain, then one; the last
// n mod lanes elements run body once more with s.masked set.
func (s *vx) loop(name string, n Register, ptrs []Register, unroll int, body func(u, disp int)) {
	advance := func(elems int) {
		for _, p := range ptrs {
			ADDQ(U32(4*elems), p)
		}
		SUBQ(U32(elems), n)
	}
	if unroll > 1 {
		block := unroll * s.lanes
		Label(name + "_loop")
		CMPQ(n, U32(block))
		JL(LabelRef(name + "_one"))
		for u := 0; u < unroll; u++ {
			body(u, 4*s.lanes*u)
		}
		advance(block)
		JMP(LabelRef(name + "_loop"))
	}
	Label(name + "_one")
	CMPQ(n, U32(s.lanes))
	JL(LabelRef(name + "_tail"))
	body(0, 0)
	advance(s.lanes)
	JMP(LabelRef(name + "_one"))

	Label(name + "_tail")
	TESTQ(n, n)
	JE(LabelRef(name + "_done"))
	s.setMask(n)
	s.masked = true
	body(0, 0)
	s.masked = false
	Label(name + "_done")
}

// hsum returns an XMM register whose lowest lane is the sum of the lanes
// of v (v is clobbered), added pairwise.
func (s *vx) hsum(v VecVirtual) Register {
	if s.avx512() {
		hi := YMM()
		VEXTRACTF64X4(U8(1), v, hi)
		VADDPS(hi, v.AsY(), v.AsY())
	}
	r := v.AsX()
	hx := XMM()
	VEXTRACTF128(U8(1), v.AsY(), hx)
	VADDPS(hx, r, r)
	VHADDPS(r, r, r)
	VHADDPS(r, r, r)
	return r
}

// sumAccs adds accs pairwise into accs[0] and returns its horizontal sum.
func (s *vx) sumAccs(accs []VecVirtual) Register {
	for w := 1; w < len(accs); w *= 2 {
		for i := 0; i+w < len(accs); i += 2 * w {
			VADDPS(accs[i+w], accs[i], accs[i])
		}
	}
	return s.hsum(accs[0])
}

// newAccs returns n zeroed accumulators.
func (s *vx) newAccs(n int) []VecVirtual {
	a := make([]VecVirtual, n)
	for i := range a {
		a[i] = s.vec()
		s.zero(a[i])
	}
	return a
}

// mem is the operand at byte offset disp from p.
func mem(p Register, disp int) Mem { return Mem{Base: p, Disp: disp} }

// Constants of the exponential. exp(x) = 2ⁿ·exp(r) with n = round(x/ln2)
// and r = x − n·ln2, |r| ≤ ln2/2; ln2 is split in a part with 9
// significant bits, so that n·ln2Hi and x − n·ln2Hi are exact, and the
// rest. exp(r) is a degree-6 polynomial, 1 + r + c2·r² + … + c6·r⁶, fitted
// to a relative error of 3e-9 on [−ln2/2, ln2/2]. x is first clamped to
// [expLo, expHi]: below, the result rounds to 0, above it overflows.
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

// expConsts are the constants of one exponential, loaded before the loop.
type expConsts struct {
	lo, hi, log2e, magic, ln2Hi, ln2Lo, one Op
	c                                       [5]Op // c2 … c6
	bias                                    Op    // AVX2: 127 as an integer
}

func (s *vx) expConsts() *expConsts {
	e := &expConsts{
		lo: s.kf(expLo), hi: s.kf(expHi), log2e: s.kf(expLog2e), magic: s.kf(expMagic),
		ln2Hi: s.kf(expLn2Hi), ln2Lo: s.kf(expLn2Lo), one: s.kf(1),
		c: [5]Op{s.kf(expC2), s.kf(expC3), s.kf(expC4), s.kf(expC5), s.kf(expC6)},
	}
	if !s.avx512() {
		e.bias = s.kbits(127)
	}
	return e
}

// exp returns a register holding exp(x); x is clobbered. A NaN lane stays
// NaN.
func (s *vx) exp(e *expConsts, x VecVirtual) VecVirtual {
	// Clamp, with x as the second source so that NaN passes through.
	VMAXPS(x, s.inReg(e.lo), x)
	VMINPS(x, s.inReg(e.hi), x)
	t := s.vec()
	VMOVUPS(e.magic, t)
	VFMADD231PS(e.log2e, x, t) // t = magic + round(x·log2e)
	n := s.vec()
	VSUBPS(e.magic, t, n)
	VFNMADD231PS(e.ln2Hi, n, x) // x − n·ln2Hi, exact
	VFNMADD231PS(e.ln2Lo, n, x)
	p := s.vec()
	VMOVUPS(e.c[4], p)
	for i := 3; i >= 0; i-- {
		VFMADD213PS(e.c[i], x, p)
	}
	VFMADD213PS(e.one, x, p)
	VFMADD213PS(e.one, x, p)
	if s.avx512() {
		VSCALEFPS(n, p, p)
		return p
	}
	// 2ⁿ as two factors 2^(n>>1) and 2^(n−n>>1), so that results near
	// overflow and in the subnormal range are right; the first product is
	// exact.
	VPSUBD(e.magic, t, t) // n as an integer
	h := s.vec()
	VPSRAD(U8(1), t, h)
	VPSUBD(h, t, t)
	VPADDD(e.bias, h, h)
	VPSLLD(U8(23), h, h)
	VPADDD(e.bias, t, t)
	VPSLLD(U8(23), t, t)
	VMULPS(h, p, p)
	VMULPS(t, p, p)
	return p
}

// GELU constants: w = 2·sqrt(2/π)·(x + 0.044715·x³) = x·(geluA + geluB·x²);
// GELU(x) = x·sigmoid(w).
const (
	geluA = 1.5957691216057308 // 2·sqrt(2/π)
	geluB = geluA * 0.044715
	// geluClamp bounds x in the derivative: beyond it the derivative is 0
	// or 1 in float32, and x³ stays finite.
	geluClamp = 20
)

// geluConsts are the constants of the GELU kernels.
type geluConsts struct {
	e                    *expConsts
	a, b, b3, sign, zero Op
	lo, hi               Op // the clamp of the derivative
}

func (s *vx) geluConsts(backward bool) *geluConsts {
	g := &geluConsts{
		e: s.expConsts(), a: s.kf(geluA), b: s.kf(geluB),
		sign: s.kbits(0x80000000), zero: s.kf(0),
	}
	if backward {
		g.b3 = s.kf(3 * geluB)
		g.lo, g.hi = s.kf(-geluClamp), s.kf(geluClamp)
	}
	return g
}

// geluE returns E = exp(−|w|) for w = x·(A + B·x²), and x·x.
func (s *vx) geluE(g *geluConsts, x VecVirtual) (xx, E VecVirtual) {
	xx = s.vec()
	VMULPS(x, x, xx)
	w := s.vec()
	VMOVUPS(g.b, w)
	VFMADD213PS(g.a, xx, w)
	VMULPS(x, w, w)
	if s.avx512() {
		VPORD(g.sign, w, w)
	} else {
		VORPS(g.sign, w, w)
	}
	return xx, s.exp(g.e, w)
}

// geluNum returns 1 where x ≥ 0 and E where x < 0: sigmoid(w) is
// num/(1+E) for either sign of w without overflow.
func (s *vx) geluNum(g *geluConsts, x, E VecVirtual) VecVirtual {
	num := s.vec()
	if s.avx512() {
		neg := K()
		VCMPPS(U8(1), g.zero, x, neg) // x < 0
		VBLENDMPS(E, g.e.one, neg, num)
	} else {
		VBLENDVPS(x, E, s.inReg(g.e.one), num)
	}
	return num
}

// geluForward emits dst[i] = x·sigmoid(w(x)), x = src[i], the tanh GELU:
// 0.5·x·(1 + tanh(w/2)) = x·sigmoid(w).
func geluForward(s *vx) {
	name := s.text("geluFwd", "func(dst, src []float32)",
		"sets dst[i] to the tanh-approximation GELU of src[i] over len(src); dst is at least as long.")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("src").Len(), GP64())
	g := s.geluConsts(false)
	s.loop(name, n, []Register{dst, src}, 2, func(_, d int) {
		x := s.load(mem(src, d))
		_, E := s.geluE(g, x)
		num := s.geluNum(g, x, E)
		VADDPS(g.e.one, E, E)
		VDIVPS(E, num, num)
		VMULPS(num, x, x)
		s.store(x, mem(dst, d))
	})
	VZEROUPPER()
	RET()
}

// geluBackward emits dinp[i] = dout[i]·GELU'(x), x = inp[i]:
// GELU'(x) = s + x·w'(x)·s·(1−s) with s = sigmoid(w), and s·(1−s) =
// E/(1+E)².
func geluBackward(s *vx) {
	name := s.text("geluBwd", "func(dinp, dout, inp []float32)",
		"sets dinp[i] to dout[i] times the derivative of the tanh-approximation GELU at inp[i] over len(inp); dinp may alias dout.")
	dinp := Load(Param("dinp").Base(), GP64())
	dout := Load(Param("dout").Base(), GP64())
	inp := Load(Param("inp").Base(), GP64())
	n := Load(Param("inp").Len(), GP64())
	g := s.geluConsts(true)
	s.loop(name, n, []Register{dinp, dout, inp}, 2, func(_, d int) {
		x := s.load(mem(inp, d))
		VMAXPS(x, s.inReg(g.lo), x)
		VMINPS(x, s.inReg(g.hi), x)
		xx, E := s.geluE(g, x)
		xq := s.vec()
		VMOVUPS(g.b3, xq)
		VFMADD213PS(g.a, xx, xq) // w'(x) = A + 3B·x²
		VMULPS(x, xq, xq)
		num := s.geluNum(g, x, E)
		r := s.vec()
		VADDPS(g.e.one, E, r)
		VDIVPS(r, s.inReg(g.e.one), r) // 1/(1+E)
		VMULPS(r, num, num)            // sigmoid(w)
		VMULPS(r, E, E)
		VMULPS(r, E, E)         // E/(1+E)²
		VFMADD213PS(num, xq, E) // s + x·w'·E/(1+E)²
		VMULPS(s.load(mem(dout, d)), E, E)
		s.store(E, mem(dinp, d))
	})
	VZEROUPPER()
	RET()
}
