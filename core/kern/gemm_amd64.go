package kern

import "golang.org/x/sys/cpu"

//go:generate go run -C internal/asmgen . -out ../../kern_amd64.s -stubs ../../kern_stub_amd64.go -pkg kern

var (
	// hasAVX2 and hasAVX512 say which assembly paths the CPU and the
	// operating system support; the AVX-512 path also uses AVX2 code.
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = cpu.X86.HasAVX512F && hasAVX2
)

// AVX512 is the blocked Sgemm with a 12×32 AVX-512 micro-kernel. On a CPU
// without AVX-512 it runs the best path the CPU has instead.
type AVX512 struct{}

// Name implements Gemmer.
func (AVX512) Name() string { return "avx512" }

// Sgemm implements Gemmer.
func (AVX512) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	d := avx512Driver
	if !hasAVX512 {
		d = bestDriver()
	}
	run(d, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// AVX2 is the blocked Sgemm with a 6×16 AVX2+FMA micro-kernel. On a CPU
// without AVX2 and FMA it runs the pure-Go path instead.
type AVX2 struct{}

// Name implements Gemmer.
func (AVX2) Name() string { return "avx2" }

// Sgemm implements Gemmer.
func (AVX2) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	d := avx2Driver
	if !hasAVX2 {
		d = goDriver
	}
	run(d, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

var (
	avx512Driver = &driver{
		name: "avx512", mr: 12, nr: 32, kc: 384, nb: 384,
		kern: kernAVX512x12x32, kernS: kernAVX512x12x32s,
		copyA: packRows12, copyB: packRows32, gatherB: gatherAVX512x32,
		dot: dotAVX512, axpy: axpyAVX512,
	}
	avx2Driver = &driver{
		name: "avx2", mr: 6, nr: 16, kc: 256, nb: 384,
		kern: kernAVX2x6x16, kernS: kernAVX2x6x16s,
		copyA: packRows6, copyB: packRows16, gatherB: gatherAVX2x16,
		dot: dotAVX2, axpy: axpyAVX2,
	}
)

func bestDriver() *driver {
	switch {
	case hasAVX512:
		return avx512Driver
	case hasAVX2:
		return avx2Driver
	}
	return goDriver
}

func available() []Gemmer {
	var g []Gemmer
	if hasAVX512 {
		g = append(g, AVX512{})
	}
	if hasAVX2 {
		g = append(g, AVX2{})
	}
	return append(g, Blocked{})
}

func best() Gemmer { return available()[0] }
