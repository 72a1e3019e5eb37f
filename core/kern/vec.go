package kern

import "fmt"

// Dot returns the sum of x[i]·y[i]. x and y must have the same length.
// The summation order depends on the CPU path but not on the thread count.
func Dot(x, y []float32) float32 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kern: Dot: len(x)=%d, len(y)=%d, want equal lengths", len(x), len(y)))
	}
	return dotImpl(x, y)
}

// Axpy adds alpha·x[i] to y[i]. x and y must have the same length.
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kern: Axpy: len(x)=%d, len(y)=%d, want equal lengths", len(x), len(y)))
	}
	axpyImpl(alpha, x, y)
}

// Scale multiplies every x[i] by alpha.
func Scale(alpha float32, x []float32) {
	scaleImpl(alpha, x)
}

// dotGo is the pure-Go Dot: eight partial sums, so that the additions
// overlap, combined pairwise at the end.
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		xx := x[i : i+8 : i+8]
		yy := y[i : i+8 : i+8]
		s0 += xx[0] * yy[0]
		s1 += xx[1] * yy[1]
		s2 += xx[2] * yy[2]
		s3 += xx[3] * yy[3]
		s4 += xx[4] * yy[4]
		s5 += xx[5] * yy[5]
		s6 += xx[6] * yy[6]
		s7 += xx[7] * yy[7]
	}
	s := ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
	for ; i < len(x); i++ {
		s += x[i] * y[i]
	}
	return s
}

// axpyGo is the pure-Go Axpy.
func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xx := x[i : i+4 : i+4]
		yy := y[i : i+4 : i+4]
		yy[0] += alpha * xx[0]
		yy[1] += alpha * xx[1]
		yy[2] += alpha * xx[2]
		yy[3] += alpha * xx[3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// scaleGo is the pure-Go Scale.
func scaleGo(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// vecPath is one implementation of the vector kernels.
type vecPath struct {
	name  string
	dot   func(x, y []float32) float32
	axpy  func(alpha float32, x, y []float32)
	scale func(alpha float32, x []float32)
}
