package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmers lists every implementation to test: the ones this CPU runs, and
// Reference.
func gemmers() []Gemmer { return append(Available(), Reference{}) }

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // extra row stride beyond the row length
}

func (c gemmCase) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s/m%d_n%d_k%d/a%g_b%g/pad%d", t(c.transA), t(c.transB), c.m, c.n, c.k, c.alpha, c.beta, c.pad)
}

// operands builds random A, B and C for c with the strides it asks for.
// With beta == 0, C is filled with NaN, which must not leak into the result.
func (c gemmCase) operands(r *rand.Rand) (a []float32, lda int, b []float32, ldb int, cc []float32, ldc int) {
	ar, ac := c.m, c.k
	if c.transA {
		ar, ac = c.k, c.m
	}
	br, bc := c.k, c.n
	if c.transB {
		br, bc = c.n, c.k
	}
	lda, ldb, ldc = ac+c.pad, bc+c.pad, c.n+c.pad
	fill := func(n int, nan bool) []float32 {
		s := make([]float32, n)
		for i := range s {
			if nan {
				s[i] = float32(math.NaN())
			} else {
				s[i] = r.Float32()*2 - 1
			}
		}
		return s
	}
	a = fill(max(ar*lda, 1), false)
	b = fill(max(br*ldb, 1), false)
	cc = fill(max(c.m*ldc, 1), c.beta == 0)
	return
}

// bound returns, per element of C, a float32 error bound for summing the
// product in any order: (k+2)·ε·Σ|alpha·a·b| + ε·|beta·c|.
func (c gemmCase) bound(a []float32, lda int, b []float32, ldb int, c0 []float32, ldc int) []float64 {
	const eps = 1.0 / (1 << 23)
	out := make([]float64, c.m*c.n)
	for i := 0; i < c.m; i++ {
		for j := 0; j < c.n; j++ {
			var s float64
			for p := 0; p < c.k; p++ {
				var av, bv float32
				if c.transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if c.transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += math.Abs(float64(av) * float64(bv))
			}
			s *= math.Abs(float64(c.alpha))
			var cv float64
			if c.beta != 0 {
				cv = math.Abs(float64(c.beta) * float64(c0[i*ldc+j]))
			}
			out[i*c.n+j] = 2*(float64(c.k)+2)*eps*s + 2*eps*cv + 1e-30
		}
	}
	return out
}

func gemmCases() []gemmCase {
	shapes := [][3]int{
		{1, 1, 1}, {1, 7, 33}, {7, 1, 33}, {33, 7, 1}, {7, 33, 257}, {257, 33, 7},
		{33, 257, 7}, {257, 7, 33}, {33, 33, 33}, {64, 64, 64}, {100, 90, 300},
		{257, 257, 33}, {13, 800, 40}, {50, 37, 600}, {1, 257, 257}, {257, 1, 257},
		{129, 65, 513}, {24, 64, 512}, {40, 1000, 17},
	}
	scalars := [][2]float32{{1, 0}, {1, 1}, {-1.5, 0.5}, {0.25, 0}, {1, -1}}
	var cases []gemmCase
	i := 0
	for _, s := range shapes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, ab := range scalars {
				cases = append(cases, gemmCase{tr[0], tr[1], s[0], s[1], s[2], ab[0], ab[1], []int{0, 3, 16}[i%3]})
				i++
			}
		}
	}
	return cases
}

// pathCase is one Gemmer and whether this CPU runs it.
type pathCase struct {
	g  Gemmer
	ok bool
}

func TestSgemmMatchesReference(t *testing.T) {
	for _, pc := range pathCases() {
		g := pc.g
		t.Run(g.Name(), func(t *testing.T) {
			if !pc.ok {
				t.Skipf("this CPU lacks %s", g.Name())
			}
			r := rand.New(rand.NewPCG(1, 2))
			for _, tc := range gemmCases() {
				a, lda, b, ldb, c, ldc := tc.operands(r)
				want := append([]float32(nil), c...)
				got := append([]float32(nil), c...)
				Reference{}.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
				g.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
				bound := tc.bound(a, lda, b, ldb, c, ldc)
				bad := 0
				for i := 0; i < tc.m; i++ {
					for j := 0; j < ldc; j++ {
						x, y := got[i*ldc+j], want[i*ldc+j]
						if j >= tc.n {
							// Padding beyond the row must be untouched.
							if math.Float32bits(x) != math.Float32bits(c[i*ldc+j]) {
								t.Errorf("%v: C[%d][%d] in padding changed to %g", tc, i, j, x)
								bad++
							}
							continue
						}
						if d := math.Abs(float64(x) - float64(y)); !(d <= bound[i*tc.n+j]) {
							t.Errorf("%v: C[%d][%d] = %g, want %g (bound %g)", tc, i, j, x, y, bound[i*tc.n+j])
							bad++
						}
						if bad > 5 {
							t.FailNow()
						}
					}
				}
			}
		})
	}
}

func TestSgemmDegenerate(t *testing.T) {
	for _, g := range gemmers() {
		t.Run(g.Name(), func(t *testing.T) {
			// k == 0 and alpha == 0 scale C by beta, even over NaN in A.
			c := []float32{1, 2, 3, 4}
			g.Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0.5, c, 2)
			if c[0] != 0.5 || c[3] != 2 {
				t.Errorf("k=0: C = %v, want [0.5 1 1.5 2]", c)
			}
			nan := float32(math.NaN())
			c = []float32{nan, nan, nan, nan}
			g.Sgemm(false, false, 2, 2, 1, 0, []float32{1, 2}, 1, []float32{3, 4}, 2, 0, c, 2)
			for _, v := range c {
				if v != 0 {
					t.Fatalf("alpha=0 beta=0: C = %v, want zeros", c)
				}
			}
			// Empty products do nothing.
			g.Sgemm(true, true, 0, 0, 5, 1, nil, 1, nil, 5, 1, nil, 1)
		})
	}
}

func TestSgemmBadArgs(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"negative", func() { Sgemm(false, false, -1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) }},
		{"short lda", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 2, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		}},
		{"short a", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 5), 3, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		}},
		{"short c", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 3, make([]float32, 6), 2, 0, make([]float32, 3), 2)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			tc.f()
		})
	}
}

// TestSgemmThreadInvariant checks that results are bit-identical for any
// thread count.
func TestSgemmThreadInvariant(t *testing.T) {
	defer SetThreads(Threads())
	shapes := []gemmCase{
		{false, false, 301, 250, 300, 1, 0, 1},
		{false, true, 97, 700, 64, 1.5, 0.5, 0},
		{true, false, 64, 333, 520, 1, 1, 2},
		{true, true, 200, 100, 100, -1, 0, 3},
	}
	for _, g := range Available() {
		for _, tc := range shapes {
			r := rand.New(rand.NewPCG(3, 4))
			a, lda, b, ldb, c, ldc := tc.operands(r)
			var first []float32
			for _, th := range []int{1, 2, 3, 5} {
				SetThreads(th)
				got := append([]float32(nil), c...)
				g.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
				if first == nil {
					first = got
					continue
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
						t.Fatalf("%s %v: threads=%d: C[%d] = %g, threads=1 gave %g", g.Name(), tc, th, i, got[i], first[i])
					}
				}
			}
		}
	}
}

func TestSgemmNoAllocs(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(2)
	for _, g := range Available() {
		tc := gemmCase{false, true, 150, 130, 120, 1, 0, 0}
		a, lda, b, ldb, c, ldc := tc.operands(rand.New(rand.NewPCG(5, 6)))
		f := func() { g.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc) }
		f()
		if n := testing.AllocsPerRun(20, f); n > 0 {
			t.Errorf("%s: %v allocations per call, want 0", g.Name(), n)
		}
	}
}

func TestDefaultIsFastest(t *testing.T) {
	if got, want := Impl().Name(), Available()[0].Name(); got != want {
		t.Errorf("Impl() = %s, want %s", got, want)
	}
}

// headsRanger runs one Sgemm per index, as attention does per head.
type headsRanger struct {
	g       Gemmer
	a, b, c [][]float32
	n       int
}

func (h *headsRanger) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		h.g.Sgemm(false, true, h.n, h.n, h.n, 1, h.a[i], h.n, h.b[i], h.n, 0, h.c[i], h.n)
	}
}

// TestSgemmInsideParallel checks Sgemm called from several goroutines at
// once, each call nested in Parallel.
func TestSgemmInsideParallel(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(2)
	const heads, n = 4, 120
	r := rand.New(rand.NewPCG(13, 14))
	for _, g := range Available() {
		h := &headsRanger{g: g, n: n}
		want := make([][]float32, heads)
		for i := 0; i < heads; i++ {
			h.a = append(h.a, randVec(r, n*n))
			h.b = append(h.b, randVec(r, n*n))
			h.c = append(h.c, make([]float32, n*n))
			want[i] = make([]float32, n*n)
			g.Sgemm(false, true, n, n, n, 1, h.a[i], n, h.b[i], n, 0, want[i], n)
		}
		Parallel(heads, h)
		for i := range want {
			for j := range want[i] {
				if h.c[i][j] != want[i][j] {
					t.Fatalf("%s: head %d: C[%d] = %g, want %g", g.Name(), i, j, h.c[i][j], want[i][j])
				}
			}
		}
	}
}
