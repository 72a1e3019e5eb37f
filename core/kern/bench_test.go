package kern

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are square products and the training shapes of the default
// model (hidden 256, MLP 1024, 768 = 3·hidden for QKV, 2048 tokens a batch,
// vocabulary 256).
var benchShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
	beta           float32
}{
	{"NN_256", false, false, 256, 256, 256, 0},
	{"NN_512", false, false, 512, 512, 512, 0},
	{"NN_1024", false, false, 1024, 1024, 1024, 0},
	{"NN_2048x768x256", false, false, 2048, 768, 256, 0},
	{"NT_2048x256x768", false, true, 2048, 256, 768, 0},
	{"TN_256x768x2048", true, false, 256, 768, 2048, 1},
	{"NN_2048x1024x256", false, false, 2048, 1024, 256, 0},
	{"NT_2048x256x1024", false, true, 2048, 256, 1024, 0},
	{"NT_2048x256x256", false, true, 2048, 256, 256, 0},
}

func BenchmarkSgemm(b *testing.B) {
	defer SetThreads(Threads())
	for _, g := range Available() {
		for _, s := range benchShapes {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/threads=%d", g.Name(), s.name, th), func(b *testing.B) {
					SetThreads(th)
					tc := gemmCase{s.transA, s.transB, s.m, s.n, s.k, 1, s.beta, 0}
					a, lda, bb, ldb, c, ldc := tc.operands(rand.New(rand.NewPCG(1, 1)))
					if s.beta != 0 {
						clear(c)
					}
					g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, s.beta, c, ldc)
					cpu0 := cpuSeconds()
					for b.Loop() {
						g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, s.beta, c, ldc)
					}
					reportFlops(b, 2*float64(s.m*s.n*s.k), cpu0)
				})
			}
		}
	}
}

// reportFlops reports the rate of a benchmark doing flops per iteration:
// GFLOP/s over wall time and, where the process CPU time is known,
// GFLOP/cpu-s over the CPU time all threads used and cpus, the CPUs the
// process kept busy on average. On a machine busy with other work the
// second still shows the kernel's speed, and the third whether the threads
// ran at the same time.
func reportFlops(b *testing.B, flops, cpu0 float64) {
	total := flops * float64(b.N) / 1e9
	wall := b.Elapsed().Seconds()
	b.ReportMetric(total/wall, "GFLOP/s")
	if cpu := cpuSeconds() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(total/cpu, "GFLOP/cpu-s")
		b.ReportMetric(cpu/wall, "cpus")
	}
}

// BenchmarkSgemmSmall covers the small shapes where packing and thread
// dispatch must not dominate, and the single-row products of generation.
func BenchmarkSgemmSmall(b *testing.B) {
	shapes := []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"NN_8", false, false, 8, 8, 8},
		{"NN_16", false, false, 16, 16, 16},
		{"NN_32", false, false, 32, 32, 32},
		{"NT_32", false, true, 32, 32, 32},
		{"NN_48", false, false, 48, 48, 48},
		{"NN_64", false, false, 64, 64, 64},
		{"NT_64", false, true, 64, 64, 64},
		{"NN_128", false, false, 128, 128, 128},
		{"NN_1x768x256", false, false, 1, 768, 256},
		{"NT_1x256x768", false, true, 1, 256, 768},
		{"NT_256x256x64", false, true, 256, 256, 64},
		{"NN_256x64x256", false, false, 256, 64, 256},
	}
	for _, g := range append(Available(), Reference{}) {
		for _, s := range shapes {
			b.Run(g.Name()+"/"+s.name, func(b *testing.B) {
				tc := gemmCase{s.transA, s.transB, s.m, s.n, s.k, 1, 0, 0}
				a, lda, bb, ldb, c, ldc := tc.operands(rand.New(rand.NewPCG(1, 1)))
				g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, ldc)
				cpu0 := cpuSeconds()
				for b.Loop() {
					g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, ldc)
				}
				reportFlops(b, 2*float64(s.m*s.n*s.k), cpu0)
			})
		}
	}
}
