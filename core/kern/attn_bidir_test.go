package kern

import (
	"math"
	"testing"
)

// TestAttentionMatchesReference compares bidirectional attention with
// padding, and its gradients, with a direct float64 computation, over
// sizes that cover partial micro-kernel panels.
func TestAttentionMatchesReference(t *testing.T) {
	for _, tc := range []struct{ t, n, hs int }{{1, 1, 3}, {5, 5, 4}, {19, 11, 8}, {40, 33, 16}, {70, 1, 5}} {
		T, n, hs := tc.t, tc.n, tc.hs
		ld, ldo := 3*hs+1, hs+2
		r := uint64(7)
		rnd := func() float32 {
			r = r*6364136223846793005 + 1442695040888963407
			return float32(int64(r>>33)%2001-1000) / 700
		}
		fill := func(n int) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = rnd()
			}
			return s
		}
		qkv, do := fill(T*ld), fill(T*ldo)
		q, k, v := qkv, qkv[hs:], qkv[2*hs:]
		o, p := make([]float32, T*ldo), fill(T*T)
		scale := float32(1 / math.Sqrt(float64(hs)))
		Attention(o, p, q, k, v, T, n, hs, ld, ldo, scale)
		dqkv, ds := fill(T*ld), make([]float32, T*T)
		dq, dk, dv := dqkv, dqkv[hs:], dqkv[2*hs:]
		AttentionBackward(dq, dk, dv, ds, do, q, k, v, p, T, n, hs, ld, ldo, scale)
		// float64 reference
		P := make([]float64, T*T)
		for i := 0; i < T; i++ {
			mx := math.Inf(-1)
			for j := 0; j < n; j++ {
				var s float64
				for e := 0; e < hs; e++ {
					s += float64(q[i*ld+e]) * float64(k[j*ld+e])
				}
				P[i*T+j] = s * float64(scale)
				mx = math.Max(mx, P[i*T+j])
			}
			var sum float64
			for j := 0; j < n; j++ {
				P[i*T+j] = math.Exp(P[i*T+j] - mx)
				sum += P[i*T+j]
			}
			for j := 0; j < n; j++ {
				P[i*T+j] /= sum
			}
		}
		near := func(what string, got float32, want float64) {
			t.Helper()
			if math.Abs(float64(got)-want) > 2e-5*math.Max(1, math.Abs(want)) {
				t.Fatalf("t=%d n=%d: %s = %g, want %g", T, n, what, got, want)
			}
		}
		for i := 0; i < T; i++ {
			for j := 0; j < T; j++ {
				near("p", p[i*T+j], P[i*T+j])
			}
			for e := 0; e < hs; e++ {
				var s float64
				for j := 0; j < n; j++ {
					s += P[i*T+j] * float64(v[j*ld+e])
				}
				near("o", o[i*ldo+e], s)
			}
		}
		dP := make([]float64, T*T)
		for i := 0; i < T; i++ {
			var dot float64
			for j := 0; j < n; j++ {
				var s float64
				for e := 0; e < hs; e++ {
					s += float64(do[i*ldo+e]) * float64(v[j*ld+e])
				}
				dP[i*T+j] = s
				dot += s * P[i*T+j]
			}
			for j := 0; j < n; j++ {
				dP[i*T+j] = P[i*T+j] * (dP[i*T+j] - dot) * float64(scale)
			}
		}
		for i := 0; i < T; i++ {
			for e := 0; e < hs; e++ {
				var sq, sk, sv float64
				for j := 0; j < T; j++ {
					if j < n {
						sq += dP[i*T+j] * float64(k[j*ld+e])
					}
					if i < n {
						sk += dP[j*T+i] * float64(q[j*ld+e])
						sv += P[j*T+i] * float64(do[j*ldo+e])
					}
				}
				near("dq", dq[i*ld+e], sq)
				near("dk", dk[i*ld+e], sk)
				near("dv", dv[i*ld+e], sv)
			}
		}
	}
}
