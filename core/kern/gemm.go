package kern

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

var impl Gemmer = Reference{}

// Impl returns the Gemmer that Sgemm uses.
func Impl() Gemmer { return impl }

// SetImpl makes g the Gemmer behind Sgemm. It is meant for tests and
// benchmarks; it is not safe to call while kernels run.
func SetImpl(g Gemmer) { impl = g }
