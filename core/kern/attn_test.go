package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// attnRef computes causal attention of one head and its gradients in
// float64 (q, k, v with row stride ld, o and do with row stride ldo).
func attnRef(q, k, v, do []float32, t, hs, ld, ldo int, scale float64) (o, p, dq, dk, dv []float64) {
	o, p = make([]float64, t*hs), make([]float64, t*t)
	dq, dk, dv = make([]float64, t*hs), make([]float64, t*hs), make([]float64, t*hs)
	for i := 0; i < t; i++ {
		mx := math.Inf(-1)
		for j := 0; j <= i; j++ {
			var s float64
			for x := 0; x < hs; x++ {
				s += float64(q[i*ld+x]) * float64(k[j*ld+x])
			}
			p[i*t+j] = s * scale
			mx = math.Max(mx, p[i*t+j])
		}
		var sum float64
		for j := 0; j <= i; j++ {
			p[i*t+j] = math.Exp(p[i*t+j] - mx)
			sum += p[i*t+j]
		}
		for j := 0; j <= i; j++ {
			p[i*t+j] /= sum
			for x := 0; x < hs; x++ {
				o[i*hs+x] += p[i*t+j] * float64(v[j*ld+x])
			}
		}
	}
	if do == nil {
		return
	}
	for i := 0; i < t; i++ {
		dp := make([]float64, i+1)
		var dot float64
		for j := 0; j <= i; j++ {
			for x := 0; x < hs; x++ {
				dp[j] += float64(do[i*ldo+x]) * float64(v[j*ld+x])
				dv[j*hs+x] += p[i*t+j] * float64(do[i*ldo+x])
			}
			dot += p[i*t+j] * dp[j]
		}
		for j := 0; j <= i; j++ {
			dsij := p[i*t+j] * (dp[j] - dot) * scale
			for x := 0; x < hs; x++ {
				dq[i*hs+x] += dsij * float64(k[j*ld+x])
				dk[j*hs+x] += dsij * float64(q[i*ld+x])
			}
		}
	}
	return
}

func TestCausalAttention(t *testing.T) {
	defer SetImpl(Impl())
	shapes := []struct{ t, hs int }{{1, 1}, {2, 3}, {5, 8}, {12, 16}, {13, 32}, {31, 17}, {40, 32}, {64, 64}, {100, 48}, {128, 32}}
	for _, pc := range pathCases() {
		if !pc.ok {
			continue
		}
		SetImpl(pc.g)
		for _, sh := range shapes {
			t.Run(fmt.Sprintf("%s/t=%d/hs=%d", pc.g.Name(), sh.t, sh.hs), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(sh.t), uint64(sh.hs)))
				T, hs := sh.t, sh.hs
				ld, ldo := 3*hs+5, hs+3 // strides wider than a row, as in [t, 3c]
				qkv := randVec(r, T*ld)
				for i := range qkv {
					qkv[i] *= 2 // peaked softmax rows
				}
				q, k, v := qkv, qkv[hs:], qkv[2*hs:]
				do := randVec(r, T*ldo)
				scale := float32(1 / math.Sqrt(float64(hs)))
				o, p := make([]float32, T*ldo), make([]float32, T*T)
				for i := range p {
					p[i] = float32(math.NaN()) // all of it must be written
				}
				CausalAttention(o, p, q, k, v, T, hs, ld, ldo, scale)
				dqkv := make([]float32, T*ld)
				for i := range dqkv {
					dqkv[i] = float32(math.NaN())
				}
				ds := make([]float32, T*T)
				CausalAttentionBackward(dqkv, dqkv[hs:], dqkv[2*hs:], ds, do, q, k, v, p, T, hs, ld, ldo, scale)
				wo, wp, wdq, wdk, wdv := attnRef(q, k, v, do, T, hs, ld, ldo, float64(scale))
				for i := 0; i < T; i++ {
					for j := 0; j < T; j++ {
						if d := math.Abs(float64(p[i*T+j]) - wp[i*T+j]); !(d <= 1e-6) || j > i && p[i*T+j] != 0 {
							t.Fatalf("p[%d,%d] = %g, want %g", i, j, p[i*T+j], wp[i*T+j])
						}
					}
					for x := 0; x < hs; x++ {
						for _, c := range []struct {
							name string
							got  float32
							want float64
						}{
							{"o", o[i*ldo+x], wo[i*hs+x]},
							{"dq", dqkv[i*ld+x], wdq[i*hs+x]},
							{"dk", dqkv[i*ld+hs+x], wdk[i*hs+x]},
							{"dv", dqkv[i*ld+2*hs+x], wdv[i*hs+x]},
						} {
							if d := math.Abs(float64(c.got) - c.want); !(d <= 1e-5*(1+math.Abs(c.want))) {
								t.Fatalf("%s[%d,%d] = %g, want %g", c.name, i, x, c.got, c.want)
							}
						}
					}
					// The gaps between the rows are left alone.
					for x := hs; x < ldo && i*ldo+x < len(o); x++ {
						if o[i*ldo+x] != 0 {
							t.Fatalf("o[%d] between rows written", i*ldo+x)
						}
					}
					for x := 3 * hs; x < ld; x++ {
						if !math.IsNaN(float64(dqkv[i*ld+x])) {
							t.Fatalf("dqkv[%d] between rows written", i*ld+x)
						}
					}
				}
			})
		}
	}
}

// TestCausalAttentionThreads checks that heads computed concurrently give
// the same bits as heads computed one after the other.
func TestCausalAttentionThreads(t *testing.T) {
	const heads, T, hs = 8, 40, 16
	r := rand.New(rand.NewPCG(1, 2))
	ld := heads * 3 * hs
	qkv := randVec(r, T*ld)
	run := func(threads int) []float32 {
		defer SetThreads(Threads())
		SetThreads(threads)
		o := make([]float32, T*heads*hs)
		p := make([]float32, heads*T*T)
		Parallel(heads, rangerFunc(func(lo, hi int) {
			for h := lo; h < hi; h++ {
				CausalAttention(o[h*hs:], p[h*T*T:], qkv[h*hs:], qkv[heads*hs+h*hs:], qkv[2*heads*hs+h*hs:], T, hs, ld, heads*hs, 0.25)
			}
		}))
		return o
	}
	a, b := run(1), run(4)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("element %d: %g with 1 thread, %g with 4", i, a[i], b[i])
		}
	}
}

type rangerFunc func(lo, hi int)

func (f rangerFunc) Range(lo, hi int) { f(lo, hi) }

func TestCausalAttentionBadArgs(t *testing.T) {
	s := make([]float32, 100)
	for name, f := range map[string]func(){
		"short p":   func() { CausalAttention(s, s[:15], s, s, s, 4, 2, 6, 2, 1) },
		"short q":   func() { CausalAttention(s, s, s[:10], s, s, 4, 2, 6, 2, 1) },
		"stride":    func() { CausalAttention(s, s, s, s, s, 4, 8, 6, 8, 1) },
		"short dk":  func() { CausalAttentionBackward(s, s[:3], s, s, s, s, s, s, s, 4, 2, 6, 2, 1) },
		"negative":  func() { CausalAttentionBackward(s, s, s, s, s, s, s, s, s, -1, 2, 6, 2, 1) },
		"short ds ": func() { CausalAttentionBackward(s, s, s, s[:15], s, s, s, s, s, 4, 2, 6, 2, 1) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

// BenchmarkCausalAttention measures one head of the default model's
// attention (t=128, hs=32, rows of [t, 3·256]) on one thread.
func BenchmarkCausalAttention(b *testing.B) {
	const T, hs, c = 128, 32, 256
	r := rand.New(rand.NewPCG(1, 2))
	qkv, do := randVec(r, T*3*c), randVec(r, T*c)
	o, p, ds, dqkv := make([]float32, T*c), make([]float32, T*T), make([]float32, T*T), make([]float32, T*3*c)
	flops := 2 * 2 * float64(T*T*hs) // as if the full T×T were computed
	b.Run("fwd", func(b *testing.B) {
		cpu0 := cpuSeconds()
		for b.Loop() {
			CausalAttention(o, p, qkv, qkv[c:], qkv[2*c:], T, hs, 3*c, c, 0.17)
		}
		reportFlops(b, flops, cpu0)
	})
	b.Run("bwd", func(b *testing.B) {
		cpu0 := cpuSeconds()
		for b.Loop() {
			CausalAttentionBackward(dqkv, dqkv[c:], dqkv[2*c:], ds, do, qkv, qkv[c:], qkv[2*c:], p, T, hs, 3*c, c, 0.17)
		}
		reportFlops(b, 2*flops, cpu0)
	})
}
