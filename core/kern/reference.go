package kern

// Reference is the plain-Go Sgemm: simple, portable and the yardstick every
// faster implementation is tested against. It parallelises over rows of C.
type Reference struct{}

// Name implements Gemmer.
func (Reference) Name() string { return "reference" }

// Sgemm implements Gemmer.
func (Reference) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	t := refTask{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc}
	if m*n*k < 1<<15 {
		t.Range(0, m)
		return
	}
	Parallel(m, &t)
}

type refTask struct {
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
}

func (t *refTask) Range(lo, hi int) {
	n, k := t.n, t.k
	for i := lo; i < hi; i++ {
		crow := t.c[i*t.ldc : i*t.ldc+n]
		if t.beta == 0 {
			for j := range crow {
				crow[j] = 0
			}
		} else if t.beta != 1 {
			for j := range crow {
				crow[j] *= t.beta
			}
		}
		for p := 0; p < k; p++ {
			var av float32
			if t.transA {
				av = t.a[p*t.lda+i]
			} else {
				av = t.a[i*t.lda+p]
			}
			av *= t.alpha
			if av == 0 {
				continue
			}
			if t.transB {
				for j := range crow {
					crow[j] += av * t.b[j*t.ldb+p]
				}
			} else {
				brow := t.b[p*t.ldb : p*t.ldb+n]
				for j, bv := range brow {
					crow[j] += av * bv
				}
			}
		}
	}
}
