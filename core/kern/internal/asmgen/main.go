// Command asmgen generates the amd64 assembly of package kern: the AVX-512
// and AVX2+FMA GEMM micro-kernels, the panel packing helpers, the vector
// kernels (Dot, Axpy, Scale) and the element-wise and row kernels of
// training (the tanh and exact GELU, softmax exponentials, LayerNorm rows, AdamW).
//
// It lives in its own module so that the code generator is not a
// dependency of the project. Run it through go generate in core/kern.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// kernelSig is the Go signature shared by every GEMM micro-kernel.
const kernelSig = "func(kc int, a, b, c []float32, ldc int, alpha, beta float32)"

// stridedSig is the signature of the micro-kernels that read A unpacked,
// row i of the panel starting lda elements after row i-1.
const stridedSig = "func(kc int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32)"

func main() {
	ConstraintExpr("amd64")

	gemmKernel("kernAVX512x12x32", 12, 2, 16, 4, false)
	gemmKernel("kernAVX512x12x32s", 12, 2, 16, 4, true)
	gemmKernel("kernAVX2x6x16", 6, 2, 8, 4, false)
	gemmKernel("kernAVX2x6x16s", 6, 2, 8, 4, true)

	for _, w := range []int{32, 16, 12, 6} {
		packRows(w)
	}
	iota := GLOBL("iota32", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(i))
	}
	gatherPanel("gatherAVX512x32", 32, 16, iota)
	gatherPanel("gatherAVX2x16", 16, 8, iota)

	for _, isa := range []struct {
		suffix string
		lanes  int
	}{{"AVX512", 16}, {"AVX2", 8}} {
		dot("dot"+isa.suffix, isa.lanes)
		axpy("axpy"+isa.suffix, isa.lanes)
		scale("scale"+isa.suffix, isa.lanes)
	}

	iotaTab = iota
	for _, s := range isas {
		for _, emit := range []func(*vx){
			geluForward, geluBackward, geluErfForward, geluErfBackward, expSub, vmax, scaleTo,
			sum, sumSqDev, lnAffine, lnBwdSums, lnBwdApply, lnParam, adamw, mulSub,
		} {
			emit(s)
		}
	}

	Generate()
}

// packRows emits packRowsW, which copies rows rows of w values from src,
// row r starting at src[r·lds], into the consecutive rows of dst. It uses
// AVX moves only.
func packRows(w int) {
	name := fmt.Sprintf("packRows%d", w)
	TEXT(name, NOSPLIT, "func(dst, src []float32, lds, rows int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s copies rows rows of %d values from src, row r at src[r·lds], into consecutive rows of dst.", name, w))
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	lds := Load(Param("lds"), GP64())
	SHLQ(U8(2), lds)
	rows := Load(Param("rows"), GP64())
	Label(name + "_loop")
	TESTQ(rows, rows)
	JE(LabelRef(name + "_done"))
	off := 0
	for rest := w; rest > 0; {
		switch {
		case rest >= 8:
			y := YMM()
			VMOVUPS(Mem{Base: src, Disp: 4 * off}, y)
			VMOVUPS(y, Mem{Base: dst, Disp: 4 * off})
			off, rest = off+8, rest-8
		case rest >= 4:
			x := XMM()
			VMOVUPS(Mem{Base: src, Disp: 4 * off}, x)
			VMOVUPS(x, Mem{Base: dst, Disp: 4 * off})
			off, rest = off+4, rest-4
		default:
			r := GP64()
			MOVQ(Mem{Base: src, Disp: 4 * off}, r)
			MOVQ(r, Mem{Base: dst, Disp: 4 * off})
			off, rest = off+2, rest-2
		}
	}
	ADDQ(lds, src)
	ADDQ(U32(4*w), dst)
	DECQ(rows)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// gemmKernel emits a micro-kernel computing an mr×(nv·lanes) tile of
//
//	C = alpha·A·B + beta·C   (beta == 0: C is not read)
//
// from a packed A panel (kc steps of mr values) and a packed B panel (kc
// steps of nv·lanes values). lanes is 16 for ZMM registers and 8 for YMM.
// The k loop is unrolled unroll times. With strided, A is read in place:
// row i of the panel starts at a + i·lda and its k values are consecutive.
func gemmKernel(name string, mr, nv, lanes, unroll int, strided bool) {
	if strided {
		TEXT(name, NOSPLIT, stridedSig)
		Pragma("noescape")
		Doc(fmt.Sprintf("%s computes a %d×%d tile of C = alpha·A·B + beta·C from rows of A and a packed B panel.", name, mr, nv*lanes))
	} else {
		TEXT(name, NOSPLIT, kernelSig)
		Pragma("noescape")
		Doc(fmt.Sprintf("%s computes a %d×%d tile of C = alpha·A·B + beta·C from packed panels.", name, mr, nv*lanes))
	}

	vec := func() VecVirtual { return newVec(lanes) }
	nr := nv * lanes
	if prefetchC {
		// Start bringing the C tile in while the k loop runs.
		pc := Load(Param("c").Base(), GP64())
		pl := Load(Param("ldc"), GP64())
		SHLQ(U8(2), pl)
		for i := 0; i < mr; i++ {
			PREFETCHT0(Mem{Base: pc})
			PREFETCHT0(Mem{Base: pc, Disp: 4*nr - 4})
			if i < mr-1 {
				ADDQ(pl, pc)
			}
		}
	}
	kc := Load(Param("kc"), GP64())
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())

	// aAddr is the address of A[i][u] of the current k step. Rows of a
	// strided A are reached from one base every three rows, plus 0, 1 or 2
	// row strides.
	var bases []Register
	var lda Register
	if strided {
		lda = Load(Param("lda"), GP64())
		SHLQ(U8(2), lda)
		bases = append(bases, a)
		for i := 3; i < mr; i += 3 {
			r := GP64()
			LEAQ(Mem{Base: bases[len(bases)-1], Index: lda, Scale: 2}, r)
			ADDQ(lda, r)
			bases = append(bases, r)
		}
	}
	aAddr := func(i, u int) Mem {
		if !strided {
			return Mem{Base: a, Disp: 4 * (u*mr + i)}
		}
		m := Mem{Base: bases[i/3], Disp: 4 * u}
		if i%3 != 0 {
			m.Index, m.Scale = lda, uint8(i%3)
		}
		return m
	}
	advanceA := func(steps int) {
		if !strided {
			ADDQ(U32(4*steps*mr), a)
			return
		}
		for _, r := range bases {
			ADDQ(U32(4*steps), r)
		}
	}

	acc := make([][]VecVirtual, mr)
	for i := range acc {
		acc[i] = make([]VecVirtual, nv)
		for v := range acc[i] {
			acc[i][v] = vec()
			if lanes == 16 {
				VPXORD(acc[i][v], acc[i][v], acc[i][v])
			} else {
				VXORPS(acc[i][v], acc[i][v], acc[i][v])
			}
		}
	}
	bv := make([]VecVirtual, nv)
	for v := range bv {
		bv[v] = vec()
	}
	t := vec()

	step := func(u int) {
		for v := 0; v < nv; v++ {
			VMOVUPS(Mem{Base: b, Disp: 4 * (u*nr + v*lanes)}, bv[v])
		}
		for i := 0; i < mr; i++ {
			VBROADCASTSS(aAddr(i, u), t)
			for v := 0; v < nv; v++ {
				VFMADD231PS(bv[v], t, acc[i][v])
			}
		}
	}

	Comment("Main loop, unrolled.")
	Label(name + "_loop")
	CMPQ(kc, U32(unroll))
	JL(LabelRef(name + "_tail"))
	for u := 0; u < unroll; u++ {
		step(u)
	}
	advanceA(unroll)
	ADDQ(U32(4*unroll*nr), b)
	SUBQ(U32(unroll), kc)
	JMP(LabelRef(name + "_loop"))

	Comment("Remaining k steps.")
	Label(name + "_tail")
	TESTQ(kc, kc)
	JE(LabelRef(name + "_store"))
	step(0)
	advanceA(1)
	ADDQ(U32(4*nr), b)
	DECQ(kc)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_store")
	c := Load(Param("c").Base(), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	alpha := vec()
	VBROADCASTSS(paramAddr("alpha"), alpha)
	// beta is ±0 exactly when its bits without the sign are zero.
	bits := GP32()
	MOVL(paramAddr("beta"), bits)
	ANDL(U32(0x7fffffff), bits)
	JNE(LabelRef(name + "_beta"))

	Comment("beta == 0: C = alpha·acc, C is not read.")
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			VMULPS(alpha, acc[i][v], acc[i][v])
			VMOVUPS(acc[i][v], Mem{Base: c, Disp: 4 * v * lanes})
		}
		if i < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()

	Comment("C = alpha·acc + beta·C, rounding each product as Go code does.")
	Label(name + "_beta")
	beta := vec()
	VBROADCASTSS(paramAddr("beta"), beta)
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			m := Mem{Base: c, Disp: 4 * v * lanes}
			VMULPS(m, beta, t)
			VMULPS(alpha, acc[i][v], acc[i][v])
			VADDPS(t, acc[i][v], acc[i][v])
			VMOVUPS(acc[i][v], m)
		}
		if i < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// paramAddr is the stack address of a scalar argument.
func paramAddr(name string) Mem {
	p, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return p.Addr
}

// gatherPanel emits a function packing w rows of a matrix, row j starting
// at src[j·lds], as kc steps of w values: dst[p·w+j] = src[j·lds+p]. It
// gathers lanes values at a time (16: AVX-512, 8: AVX2). The caller keeps
// w·lds below 2³¹.
func gatherPanel(name string, w, lanes int, iota Mem) {
	TEXT(name, NOSPLIT, "func(dst, src []float32, lds, kc int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s packs %d rows of a matrix, row j at src[j·lds], as kc steps of %d values.", name, w, w))
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	lds := Load(Param("lds"), GP64())
	kc := Load(Param("kc"), GP64())

	vec := func() VecVirtual { return newVec(lanes) }
	// idx holds j·lds for the lanes rows of one gather.
	idx := vec()
	x := XMM()
	VMOVQ(lds, x)
	VPBROADCASTD(x, idx)
	VPMULLD(iota, idx, idx)
	// bases[g] is the first row of gather g.
	nb := w / lanes
	bases := []Register{src}
	step := GP64()
	MOVQ(lds, step)
	SHLQ(U8(2+log2(lanes)), step)
	for g := 1; g < nb; g++ {
		r := GP64()
		LEAQ(Mem{Base: bases[g-1], Index: step, Scale: 1}, r)
		bases = append(bases, r)
	}
	Label(name + "_loop")
	TESTQ(kc, kc)
	JE(LabelRef(name + "_done"))
	for g := 0; g < nb; g++ {
		v := vec()
		m := Mem{Base: bases[g], Index: idx, Scale: 4}
		if lanes == 16 {
			k := K()
			KXNORW(k, k, k)
			VGATHERDPS(m, k, v)
		} else {
			mask := vec()
			VPCMPEQD(mask, mask, mask)
			VGATHERDPS(mask, m, v)
		}
		VMOVUPS(v, Mem{Base: dst, Disp: 4 * lanes * g})
	}
	for _, r := range bases {
		ADDQ(U8(4), r)
	}
	ADDQ(U32(4*w), dst)
	DECQ(kc)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func log2(n int) int {
	l := 0
	for n > 1 {
		n >>= 1
		l++
	}
	return l
}

// prefetchC makes the GEMM micro-kernels prefetch their C tile.
var prefetchC = true

// vecUnroll is how many vector registers the vector kernels use a step.
const vecUnroll = 4

// newVec returns a virtual vector register of lanes float32 values.
func newVec(lanes int) VecVirtual {
	if lanes == 16 {
		return ZMM()
	}
	return YMM()
}

// dot emits name(x, y []float32) float32 = Σ x[i]·y[i] over len(x); the
// caller makes sure len(y) >= len(x).
func dot(name string, lanes int) {
	TEXT(name, NOSPLIT, "func(x, y []float32) float32")
	Pragma("noescape")
	Doc(name + " returns the sum of x[i]·y[i] over len(x); y is at least as long as x.")
	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	acc := make([]VecVirtual, vecUnroll)
	for i := range acc {
		acc[i] = newVec(lanes)
		if lanes == 16 {
			VPXORD(acc[i], acc[i], acc[i])
		} else {
			VXORPS(acc[i], acc[i], acc[i])
		}
	}
	block := vecUnroll * lanes
	Label(name + "_loop")
	CMPQ(n, U32(block))
	JL(LabelRef(name + "_one"))
	for i := range acc {
		v := newVec(lanes)
		VMOVUPS(Mem{Base: x, Disp: 4 * lanes * i}, v)
		VFMADD231PS(Mem{Base: y, Disp: 4 * lanes * i}, v, acc[i])
	}
	ADDQ(U32(4*block), x)
	ADDQ(U32(4*block), y)
	SUBQ(U32(block), n)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_one")
	CMPQ(n, U32(lanes))
	JL(LabelRef(name + "_reduce"))
	v := newVec(lanes)
	VMOVUPS(Mem{Base: x}, v)
	VFMADD231PS(Mem{Base: y}, v, acc[0])
	ADDQ(U32(4*lanes), x)
	ADDQ(U32(4*lanes), y)
	SUBQ(U32(lanes), n)
	JMP(LabelRef(name + "_one"))

	Label(name + "_reduce")
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	if lanes == 16 {
		hi := YMM()
		VEXTRACTF64X4(U8(1), acc[0], hi)
		VADDPS(hi, acc[0].AsY(), acc[0].AsY())
	}
	r := acc[0].AsX()
	hx := XMM()
	VEXTRACTF128(U8(1), acc[0].AsY(), hx)
	VADDPS(hx, r, r)
	VHADDPS(r, r, r)
	VHADDPS(r, r, r)

	Comment("Remaining elements one at a time.")
	Label(name + "_tail")
	TESTQ(n, n)
	JE(LabelRef(name + "_done"))
	t := XMM()
	VMOVSS(Mem{Base: x}, t)
	VFMADD231SS(Mem{Base: y}, t, r)
	ADDQ(U8(4), x)
	ADDQ(U8(4), y)
	DECQ(n)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_done")
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()
}

// axpy emits name(alpha float32, x, y []float32): y[i] += alpha·x[i] over
// len(x); the caller makes sure len(y) >= len(x).
func axpy(name string, lanes int) {
	TEXT(name, NOSPLIT, "func(alpha float32, x, y []float32)")
	Pragma("noescape")
	Doc(name + " adds alpha·x[i] to y[i] over len(x); y is at least as long as x.")
	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	al := newVec(lanes)
	VBROADCASTSS(paramAddr("alpha"), al)
	block := vecUnroll * lanes
	Label(name + "_loop")
	CMPQ(n, U32(block))
	JL(LabelRef(name + "_one"))
	vs := make([]VecVirtual, vecUnroll)
	for i := range vs {
		vs[i] = newVec(lanes)
		VMOVUPS(Mem{Base: y, Disp: 4 * lanes * i}, vs[i])
		VFMADD231PS(Mem{Base: x, Disp: 4 * lanes * i}, al, vs[i])
	}
	for i := range vs {
		VMOVUPS(vs[i], Mem{Base: y, Disp: 4 * lanes * i})
	}
	ADDQ(U32(4*block), x)
	ADDQ(U32(4*block), y)
	SUBQ(U32(block), n)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_one")
	CMPQ(n, U32(lanes))
	JL(LabelRef(name + "_tail"))
	VMOVUPS(Mem{Base: y}, vs[0])
	VFMADD231PS(Mem{Base: x}, al, vs[0])
	VMOVUPS(vs[0], Mem{Base: y})
	ADDQ(U32(4*lanes), x)
	ADDQ(U32(4*lanes), y)
	SUBQ(U32(lanes), n)
	JMP(LabelRef(name + "_one"))

	Label(name + "_tail")
	TESTQ(n, n)
	JE(LabelRef(name + "_done"))
	t := XMM()
	VMOVSS(Mem{Base: y}, t)
	VFMADD231SS(Mem{Base: x}, al.AsX(), t)
	VMOVSS(t, Mem{Base: y})
	ADDQ(U8(4), x)
	ADDQ(U8(4), y)
	DECQ(n)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// scale emits name(alpha float32, x []float32): x[i] *= alpha.
func scale(name string, lanes int) {
	TEXT(name, NOSPLIT, "func(alpha float32, x []float32)")
	Pragma("noescape")
	Doc(name + " multiplies every x[i] by alpha.")
	x := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	al := newVec(lanes)
	VBROADCASTSS(paramAddr("alpha"), al)
	block := vecUnroll * lanes
	Label(name + "_loop")
	CMPQ(n, U32(block))
	JL(LabelRef(name + "_one"))
	for i := 0; i < vecUnroll; i++ {
		v := newVec(lanes)
		VMULPS(Mem{Base: x, Disp: 4 * lanes * i}, al, v)
		VMOVUPS(v, Mem{Base: x, Disp: 4 * lanes * i})
	}
	ADDQ(U32(4*block), x)
	SUBQ(U32(block), n)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_one")
	CMPQ(n, U32(lanes))
	JL(LabelRef(name + "_tail"))
	v := newVec(lanes)
	VMULPS(Mem{Base: x}, al, v)
	VMOVUPS(v, Mem{Base: x})
	ADDQ(U32(4*lanes), x)
	SUBQ(U32(lanes), n)
	JMP(LabelRef(name + "_one"))

	Label(name + "_tail")
	TESTQ(n, n)
	JE(LabelRef(name + "_done"))
	t := XMM()
	VMULSS(Mem{Base: x}, al.AsX(), t)
	VMOVSS(t, Mem{Base: x})
	ADDQ(U8(4), x)
	DECQ(n)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}
