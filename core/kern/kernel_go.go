package kern

// kernGo2x4 is the pure-Go micro-kernel. A 2×4 tile keeps its eight
// accumulators and the six operands of a k step in registers; larger tiles
// spill on amd64 and run slower.
func kernGo2x4(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	a = a[:kc*2]
	b = b[:kc*4]
	for p := 0; p < kc; p++ {
		aa := a[p*2 : p*2+2 : p*2+2]
		bb := b[p*4 : p*4+4 : p*4+4]
		a0, a1 := aa[0], aa[1]
		b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	storeRow4(c[:4], c00, c01, c02, c03, alpha, beta)
	storeRow4(c[ldc:ldc+4], c10, c11, c12, c13, alpha, beta)
}

// storeRow4 sets c = alpha·x + beta·c for four values (c = alpha·x when
// beta == 0), rounding each product as the assembly kernels do.
func storeRow4(c []float32, x0, x1, x2, x3, alpha, beta float32) {
	c = c[:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*x0, alpha*x1, alpha*x2, alpha*x3
		return
	}
	c[0] = float32(alpha*x0) + float32(beta*c[0])
	c[1] = float32(alpha*x1) + float32(beta*c[1])
	c[2] = float32(alpha*x2) + float32(beta*c[2])
	c[3] = float32(alpha*x3) + float32(beta*c[3])
}
