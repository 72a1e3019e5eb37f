package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

var vecLengths = []int{0, 1, 7, 15, 16, 17, 31, 33, 63, 64, 65, 100, 257, 1000, 4099}

func randVec(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	return x
}

func TestDot(t *testing.T) {
	for _, p := range vecPaths() {
		r := rand.New(rand.NewPCG(7, 8))
		for _, n := range vecLengths {
			x, y := randVec(r, n), randVec(r, n)
			var want, mag float64
			for i := range x {
				want += float64(x[i]) * float64(y[i])
				mag += math.Abs(float64(x[i]) * float64(y[i]))
			}
			got := p.dot(x, y)
			if d := math.Abs(float64(got) - want); d > float64(n+2)*mag/(1<<23)+1e-30 {
				t.Errorf("%s: n=%d: Dot = %g, want %g", p.name, n, got, want)
			}
		}
	}
}

func TestAxpy(t *testing.T) {
	for _, p := range vecPaths() {
		r := rand.New(rand.NewPCG(9, 10))
		for _, n := range vecLengths {
			x, y := randVec(r, n+3), randVec(r, n+3)
			got := append([]float32(nil), y...)
			p.axpy(-1.25, x[:n], got[:n])
			for i := range got {
				want := y[i]
				if i < n {
					want = float32(float64(y[i]) - 1.25*float64(x[i]))
				}
				if d := math.Abs(float64(got[i] - want)); d > 2*math.Abs(float64(want))/(1<<23)+1e-7 {
					t.Fatalf("%s: n=%d: y[%d] = %g, want %g", p.name, n, i, got[i], want)
				}
			}
		}
	}
}

func TestScale(t *testing.T) {
	for _, p := range vecPaths() {
		r := rand.New(rand.NewPCG(11, 12))
		for _, n := range vecLengths {
			x := randVec(r, n+3)
			got := append([]float32(nil), x...)
			p.scale(0.3, got[:n])
			for i := range got {
				want := x[i]
				if i < n {
					want = 0.3 * x[i]
				}
				if got[i] != want {
					t.Fatalf("%s: n=%d: x[%d] = %g, want %g", p.name, n, i, got[i], want)
				}
			}
		}
	}
}

func TestVecLengthMismatch(t *testing.T) {
	for name, f := range map[string]func(){
		"Dot":  func() { Dot(make([]float32, 3), make([]float32, 4)) },
		"Axpy": func() { Axpy(1, make([]float32, 3), make([]float32, 2)) },
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

func BenchmarkVec(b *testing.B) {
	for _, p := range vecPaths() {
		for _, n := range []int{64, 256, 4096} {
			x, y := randVec(rand.New(rand.NewPCG(1, 2)), n), randVec(rand.New(rand.NewPCG(3, 4)), n)
			b.Run(fmt.Sprintf("Dot/%s/n=%d", p.name, n), func(b *testing.B) {
				var s float32
				for b.Loop() {
					s += p.dot(x, y)
				}
				b.ReportMetric(2*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			b.Run(fmt.Sprintf("Axpy/%s/n=%d", p.name, n), func(b *testing.B) {
				for b.Loop() {
					p.axpy(1e-3, x, y)
				}
				b.ReportMetric(2*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			b.Run(fmt.Sprintf("Scale/%s/n=%d", p.name, n), func(b *testing.B) {
				for b.Loop() {
					p.scale(1, x)
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
