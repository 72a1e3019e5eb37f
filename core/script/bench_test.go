package script

import (
	"math/rand/v2"
	"testing"

	"workbench/core/grow"
	"workbench/plugins/expanders/interpolate"
	"workbench/plugins/expanders/stack"
	shareinterpolate "workbench/plugins/sharemaps/interpolate"
)

// BenchmarkSample measures one call of each shipped sampler configuration,
// interpreted (through Sampler.Sample, with validation) and native, at
// N = 3, L = 12.
func BenchmarkSample(b *testing.B) {
	for _, c := range samplerCases {
		p, err := LoadSampler(c.ref)
		if err != nil {
			b.Fatal(err)
		}
		s := grow.SampleState{Real: 3, Target: 12, Rand: rand.New(rand.NewPCG(1, 2))}
		b.Run("interpreted/"+c.ref, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := p.Sample(s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("native/"+c.ref, func(b *testing.B) {
			if c.set != nil {
				defer c.set()()
			}
			for i := 0; i < b.N; i++ {
				c.native(s)
			}
		})
	}
}

// BenchmarkMap measures one call of each shipped share map and expander,
// interpreted and native, at sizes typical of a 12-layer model.
func BenchmarkMap(b *testing.B) {
	share, err := LoadShareMap("interpolate")
	if err != nil {
		b.Fatal(err)
	}
	ipl, err := LoadExpander("interpolate")
	if err != nil {
		b.Fatal(err)
	}
	stk, err := LoadExpander("stack")
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name   string
		a, c   int
		interp func(a, b int) ([]int, error)
		native func(a, b int) []int
	}{
		{"sharemaps/interpolate/3x12", 3, 12, share.Share, shareinterpolate.Share},
		{"expanders/interpolate/6to12", 6, 12, ipl.Expand, interpolate.Expand},
		{"expanders/stack/6to12", 6, 12, stk.Expand, stack.Expand},
	}
	for _, c := range cases {
		b.Run("interpreted/"+c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := c.interp(c.a, c.c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("native/"+c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c.native(c.a, c.c)
			}
		})
	}
}

// BenchmarkLoad measures loading a shipped plugin: parsing, checking,
// compiling and initialising it.
func BenchmarkLoad(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := LoadSampler("lvpsk:k=10"); err != nil {
			b.Fatal(err)
		}
	}
}
