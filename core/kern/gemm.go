package kern

import "fmt"

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices,
// where op(X) is X or Xᵀ as transA and transB say. op(A) is m×k, op(B) is
// k×n and C is m×n; lda, ldb and ldc are the row strides of the stored
// matrices. With beta == 0, C is overwritten without being read, so it may
// hold garbage (even NaN).
//
// The work is split over Threads() goroutines by blocks of C, so the result
// does not depend on the thread count: every element of C is summed in the
// same order.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	impl.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Gemmer is an implementation of Sgemm. The model calls kernels only through
// the package-level functions, so a faster Gemmer replaces a slower one
// without touching the model.
type Gemmer interface {
	Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	// Name identifies the implementation in benchmarks and logs.
	Name() string
}

var impl = best()

// Impl returns the Gemmer that Sgemm uses.
func Impl() Gemmer { return impl }

// SetImpl makes g the Gemmer behind Sgemm. It is meant for tests and
// benchmarks; it is not safe to call while kernels run.
func SetImpl(g Gemmer) { impl = g }

// Available lists the Gemmers that run on this CPU, fastest first. The
// first one is what Sgemm uses unless SetImpl says otherwise; Reference is
// not listed.
func Available() []Gemmer { return available() }

// Blocked is the packed, cache-blocked Sgemm in pure Go, used where no
// assembly kernel fits the CPU. Its tile loop is the same as the assembly
// paths'; only the micro-kernel differs.
type Blocked struct{}

// Name implements Gemmer.
func (Blocked) Name() string { return "go" }

// Sgemm implements Gemmer.
func (Blocked) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	run(goDriver, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

var goDriver = &driver{
	name: "go", mr: 2, nr: 4, kc: 256, nb: 512,
	kern: kernGo2x4, dot: dotGo, axpy: axpyGo,
}

// smallMax is the m·n·k below which packing costs more than it saves; such
// products run through a direct loop. Packing is cheap next to the
// assembly kernels' speed: from 16×16×16 on they beat the direct loop.
const smallMax = 1 << 9

// run checks the arguments of an Sgemm call and runs it on d, taking the
// shortcuts for empty, degenerate and tiny products.
func run(d *driver, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if gemv(d, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	if m*n*k < smallMax {
		smallGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	d.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// checkArgs panics with a clear message when the shapes, strides or slice
// lengths of an Sgemm call do not fit together.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kern: Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	check := func(name string, rows, cols int, s []float32, ld int) {
		if ld < max(cols, 1) {
			panic(fmt.Sprintf("kern: Sgemm: ld%s=%d, want at least %d (columns of stored %s)", name, ld, max(cols, 1), name))
		}
		if rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("kern: Sgemm: len(%s)=%d, want at least %d for %d×%d with stride %d", name, len(s), (rows-1)*ld+cols, rows, cols, ld))
		}
	}
	if transA {
		check("a", k, m, a, lda)
	} else {
		check("a", m, k, a, lda)
	}
	if transB {
		check("b", n, k, b, ldb)
	} else {
		check("b", k, n, b, ldb)
	}
	check("c", m, n, c, ldc)
}

// scaleC sets C = beta·C, or C = 0 when beta == 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// smallGemm is the direct loop for products too small to pack.
func smallGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		if transB {
			for j := range crow {
				brow := b[j*ldb : j*ldb+k]
				var s float32
				if transA {
					for p, bv := range brow {
						s += a[p*lda+i] * bv
					}
				} else {
					arow := a[i*lda : i*lda+k]
					for p, bv := range brow {
						s += arow[p] * bv
					}
				}
				if beta == 0 {
					crow[j] = alpha * s
				} else {
					crow[j] = float32(alpha*s) + float32(beta*crow[j])
				}
			}
			continue
		}
		if beta == 0 {
			clear(crow)
		} else if beta != 1 {
			for j := range crow {
				crow[j] *= beta
			}
		}
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			brow := b[p*ldb : p*ldb+n]
			for j, bv := range brow {
				crow[j] += av * bv
			}
		}
	}
}

// gemv computes products with a single row or column of C through the
// vector kernels, which read each element of the matrix once instead of
// packing it. It reports false for the shapes it does not handle.
func gemv(d *driver, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	switch {
	case m == 1 && !transB:
		// c = beta·c + Σ_p alpha·a[p]·B[p,:]
		crow := c[:n]
		scaleC(1, n, beta, crow, n)
		for p := 0; p < k; p++ {
			av := a[p]
			if transA {
				av = a[p*lda]
			}
			d.axpy(alpha*av, b[p*ldb:p*ldb+n], crow)
		}
		return true
	case m == 1 && transB && (!transA || lda == 1):
		// c[j] = alpha·(a·B[j,:]) + beta·c[j]
		arow := a[:k]
		for j := 0; j < n; j++ {
			s := alpha * d.dot(arow, b[j*ldb:j*ldb+k])
			if beta == 0 {
				c[j] = s
			} else {
				c[j] = s + float32(beta*c[j])
			}
		}
		return true
	case n == 1 && !transA && (transB || ldb == 1):
		// c[i] = alpha·(A[i,:]·b) + beta·c[i]
		bcol := b[:k]
		for i := 0; i < m; i++ {
			s := alpha * d.dot(a[i*lda:i*lda+k], bcol)
			if beta == 0 {
				c[i*ldc] = s
			} else {
				c[i*ldc] = s + float32(beta*c[i*ldc])
			}
		}
		return true
	}
	return false
}
