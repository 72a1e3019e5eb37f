package script

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"workbench/core/grow"
	"workbench/plugins/expanders/interpolate"
	"workbench/plugins/expanders/stack"
	"workbench/plugins/samplers/fixed"
	"workbench/plugins/samplers/full"
	"workbench/plugins/samplers/lvps"
	"workbench/plugins/samplers/lvpsk"
	"workbench/plugins/samplers/uniform"
	shareinterpolate "workbench/plugins/sharemaps/interpolate"
	sharestack "workbench/plugins/sharemaps/stack"
)

// samplerCases pairs each shipped sampler configuration with its native
// implementation; set applies the configuration's parameters natively and
// returns a function restoring them.
var samplerCases = []struct {
	ref    string
	native grow.Sampler
	set    func() (restore func())
}{
	{"lvps", lvps.Sample, nil},
	{"lvpsk", lvpsk.Sample, nil},
	{"lvpsk:k=0", lvpsk.Sample, setFloat(&lvpsk.K, 0)},
	{"lvpsk:K=2.5", lvpsk.Sample, setFloat(&lvpsk.K, 2.5)},
	{"lvpsk:k=40", lvpsk.Sample, setFloat(&lvpsk.K, 40)},
	{"uniform", uniform.Sample, nil},
	{"full", full.Sample, nil},
	{"fixed", fixed.Sample, nil},
	{"fixed:depth=5", fixed.Sample, setInt(&fixed.Depth, 5)},
}

func setFloat(p *float64, v float64) func() func() {
	return func() func() {
		old := *p
		*p = v
		return func() { *p = old }
	}
}

func setInt(p *int, v int) func() func() {
	return func() func() {
		old := *p
		*p = v
		return func() { *p = old }
	}
}

// depthGrid returns the (N, L) pairs the differential tests cover.
func depthGrid() [][2]int {
	var g [][2]int
	for _, l := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 24, 48} {
		for n := 1; n <= l; n++ {
			g = append(g, [2]int{n, l})
		}
	}
	return g
}

// TestSamplersMatchNative runs every shipped sampler natively and
// interpreted with the same RNG seeds and requires identical depths; where
// the native depth is invalid the interpreted call must report an error.
func TestSamplersMatchNative(t *testing.T) {
	for _, c := range samplerCases {
		t.Run(c.ref, func(t *testing.T) {
			p, err := LoadSampler(c.ref)
			if err != nil {
				t.Fatal(err)
			}
			if c.set != nil {
				defer c.set()()
			}
			for _, nl := range depthGrid() {
				for seed := uint64(1); seed <= 2; seed++ {
					rn := rand.New(rand.NewPCG(seed, uint64(nl[0]*100+nl[1])))
					ri := rand.New(rand.NewPCG(seed, uint64(nl[0]*100+nl[1])))
					for micro := 0; micro < 40; micro++ {
						s := grow.SampleState{Step: int(seed), Micro: micro, Real: nl[0], Target: nl[1]}
						s.Rand = rn
						want := c.native(s)
						s.Rand = ri
						got, err := p.Sample(s)
						if bad := grow.CheckDepth(want, nl[0], nl[1]); bad != nil {
							if err == nil {
								t.Fatalf("N=%d L=%d: native depth %d is invalid but interpreted gave %d without error", nl[0], nl[1], want, got)
							}
							continue
						}
						if err != nil || got != want {
							t.Fatalf("N=%d L=%d draw %d: interpreted %d, %v; native %d", nl[0], nl[1], micro, got, err, want)
						}
					}
				}
			}
		})
	}
}

// TestMapsMatchNative compares the shipped share map and expanders,
// natively and interpreted, over a grid of sizes.
func TestMapsMatchNative(t *testing.T) {
	share, err := LoadShareMap("interpolate")
	if err != nil {
		t.Fatal(err)
	}
	interp, err := LoadExpander("interpolate")
	if err != nil {
		t.Fatal(err)
	}
	stk, err := LoadExpander("stack")
	if err != nil {
		t.Fatal(err)
	}
	shareStk, err := LoadShareMap("stack")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		native func(a, b int) []int
		interp func(a, b int) ([]int, error)
	}{
		{"sharemaps/interpolate", shareinterpolate.Share, share.Share},
		{"sharemaps/stack", sharestack.Share, shareStk.Share},
		{"expanders/interpolate", interpolate.Expand, interp.Expand},
		{"expanders/stack", stack.Expand, stk.Expand},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for a := 1; a <= 16; a++ {
				for b := 1; b <= 40; b++ {
					want := c.native(a, b)
					got, err := c.interp(a, b)
					if err != nil || !slices.Equal(got, want) {
						t.Fatalf("(%d, %d): interpreted %v, %v; native %v", a, b, got, err, want)
					}
				}
			}
		})
	}
}

// TestMapExamples checks the documented examples of the shipped maps.
func TestMapExamples(t *testing.T) {
	share, err := LoadShareMap("interpolate")
	if err != nil {
		t.Fatal(err)
	}
	interp, err := LoadExpander("interpolate")
	if err != nil {
		t.Fatal(err)
	}
	stk, err := LoadExpander("stack")
	if err != nil {
		t.Fatal(err)
	}
	shareStk, err := LoadShareMap("stack")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    func(a, b int) ([]int, error)
		a, b int
		want []int
	}{
		{"share interpolate 3→7", share.Share, 3, 7, []int{0, 0, 0, 1, 1, 2, 2}},
		{"share interpolate 4→4", share.Share, 4, 4, []int{0, 1, 2, 3}},
		{"share stack 3→6", shareStk.Share, 3, 6, []int{0, 1, 2, 0, 1, 2}},
		{"share stack 4→6", shareStk.Share, 4, 6, []int{0, 1, 2, 3, 2, 3}},
		{"expand interpolate 1→3", interp.Expand, 1, 3, []int{0, 0, 0}},
		{"expand interpolate 3→6", interp.Expand, 3, 6, []int{0, 0, 1, 1, 2, 2}},
		{"expand interpolate 6→12", interp.Expand, 6, 12, []int{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}},
		{"expand stack 3→6", stk.Expand, 3, 6, []int{0, 1, 2, 0, 1, 2}},
		{"expand stack 4→6", stk.Expand, 4, 6, []int{0, 1, 2, 3, 2, 3}},
		{"expand stack 1→3", stk.Expand, 1, 3, []int{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.f(tt.a, tt.b)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestSamplerExamples checks the deterministic samplers.
func TestSamplerExamples(t *testing.T) {
	tests := []struct {
		ref        string
		n, l, want int
	}{
		{"full", 3, 12, 12},
		{"fixed", 3, 12, 3},
		{"fixed:depth=4", 3, 12, 4},
		{"fixed:Depth=12", 3, 12, 12},
		{"lvps", 12, 12, 12},
		{"lvpsk", 5, 5, 5},
		{"uniform", 7, 7, 7},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/N=%d/L=%d", tt.ref, tt.n, tt.l), func(t *testing.T) {
			p, err := LoadSampler(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5; i++ {
				got, err := p.Sample(grow.SampleState{Real: tt.n, Target: tt.l, Rand: r})
				if err != nil || got != tt.want {
					t.Fatalf("got %d, %v; want %d", got, err, tt.want)
				}
			}
		})
	}
}

// officialLVPS is the official LVPS pmf at L = 12, from the reference
// implementation, indexed by depth.
var officialLVPS = map[int]map[int]float64{
	1: {1: .7356, 2: .1051, 3: .0525, 4: .0315, 5: .0210, 6: .0150, 7: .0113, 8: .0088, 9: .0070, 10: .0057, 11: .0048, 12: .0017},
	3: {3: .6368, 4: .1042, 5: .0695, 6: .0496, 7: .0372, 8: .0289, 9: .0232, 10: .0189, 11: .0158, 12: .0158},
	6: {6: .6476, 7: .0857, 8: .0667, 9: .0533, 10: .0436, 11: .0364, 12: .0667},
}

// lvpsPMF is the exact pmf of the lvps sampler: y = m/(x+n) decreases in
// x, so P(y >= c) = P(x <= m/c − n) for x uniform on [xMin, 1).
func lvpsPMF(n, l int) []float64 {
	p := make([]float64, l+1)
	if n == l {
		p[l] = 1
		return p
	}
	const xMin, end = 1e-6, 0.6
	ratio := float64(l) / float64(n)
	begin := ratio + 0.4
	nn := (begin*xMin - end) / (end - begin)
	m := end * (nn + 1)
	atLeast := func(c float64) float64 {
		return math.Min(1, math.Max(0, (m/c-nn-xMin)/(1-xMin)))
	}
	p[l] = atLeast(ratio)
	for d := n; d < l; d++ {
		hi := 1.0
		if d > n {
			hi = atLeast(float64(d) / float64(n))
		}
		lo := atLeast(float64(d+1) / float64(n))
		if d+1 == l {
			lo = p[l]
		}
		p[d] = hi - lo
	}
	return p
}

// lvpskPMF is the exact pmf of the lvpsk sampler.
func lvpskPMF(n, l int, k float64) []float64 {
	p := make([]float64, l+1)
	if n == l {
		p[l] = 1
		return p
	}
	total := 0.0
	for d := n; d <= l; d++ {
		p[d] = 1 / (1 + k*float64(d-n)/float64(l-n))
		total += p[d]
	}
	for d := range p {
		p[d] /= total
	}
	return p
}

// empiricalPMF draws the depth count times from an interpreted sampler.
func empiricalPMF(t *testing.T, p *Sampler, n, l, count int) []float64 {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), uint64(l)))
	hist := make([]float64, l+1)
	for i := 0; i < count; i++ {
		d, err := p.Sample(grow.SampleState{Micro: i, Real: n, Target: l, Rand: r})
		if err != nil {
			t.Fatal(err)
		}
		hist[d]++
	}
	for d := range hist {
		hist[d] /= float64(count)
	}
	return hist
}

// TestLVPSMatchesOfficialPMF checks the exact pmf of lvps against the
// official table, then the interpreted plugin's frequencies over 200k
// draws.
func TestLVPSMatchesOfficialPMF(t *testing.T) {
	p, err := LoadSampler("lvps")
	if err != nil {
		t.Fatal(err)
	}
	const l = 12
	for _, n := range []int{1, 3, 6} {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			exact := lvpsPMF(n, l)
			emp := empiricalPMF(t, p, n, l, 200_000)
			for d := 0; d <= l; d++ {
				want := officialLVPS[n][d]
				if math.Abs(exact[d]-want) > 5e-5 {
					t.Errorf("depth %d: exact pmf %.5f, official %.4f", d, exact[d], want)
				}
				if math.Abs(emp[d]-want) > 0.005 {
					t.Errorf("depth %d: frequency %.4f, official %.4f", d, emp[d], want)
				}
			}
		})
	}
}

// TestLVPSKPMF checks the frequencies of lvpsk against its formula; K = 0
// must be uniform.
func TestLVPSKPMF(t *testing.T) {
	for _, k := range []float64{0, 10} {
		p, err := LoadSampler(fmt.Sprintf("lvpsk:k=%g", k))
		if err != nil {
			t.Fatal(err)
		}
		for _, nl := range [][2]int{{1, 12}, {3, 12}, {6, 12}, {2, 3}} {
			n, l := nl[0], nl[1]
			t.Run(fmt.Sprintf("K=%g/N=%d/L=%d", k, n, l), func(t *testing.T) {
				want := lvpskPMF(n, l, k)
				emp := empiricalPMF(t, p, n, l, 30_000)
				for d := 0; d <= l; d++ {
					if k == 0 && d >= n && want[d] != 1/float64(l-n+1) {
						t.Fatalf("K=0 pmf is not uniform: %v", want)
					}
					if math.Abs(emp[d]-want[d]) > 0.01 {
						t.Errorf("depth %d: frequency %.4f, want %.4f", d, emp[d], want[d])
					}
				}
			})
		}
	}
}

// TestUniformPMF checks the frequencies of the uniform sampler.
func TestUniformPMF(t *testing.T) {
	p, err := LoadSampler("uniform")
	if err != nil {
		t.Fatal(err)
	}
	emp := empiricalPMF(t, p, 3, 12, 30_000)
	for d := 3; d <= 12; d++ {
		if math.Abs(emp[d]-0.1) > 0.01 {
			t.Errorf("depth %d: frequency %.4f, want 0.1", d, emp[d])
		}
	}
}

// bestK is the K of lvpsk closest to the official LVPS at L = 12: it
// minimises the total-variation distance averaged over N = 1, 3 and 6.
// The lvpsk plugin's doc comment quotes it.
const bestK = 39.97

// tv is the total-variation distance between two pmfs.
func tv(p, q []float64) float64 {
	s := 0.0
	for i := range p {
		s += math.Abs(p[i] - q[i])
	}
	return s / 2
}

// TestBestK searches K on a grid and checks the documented best K.
func TestBestK(t *testing.T) {
	const l = 12
	ns := []int{1, 3, 6}
	meanTV := func(k float64) float64 {
		s := 0.0
		for _, n := range ns {
			s += tv(lvpsPMF(n, l), lvpskPMF(n, l, k))
		}
		return s / float64(len(ns))
	}
	argmin := func(f func(float64) float64, lo, hi, step float64) float64 {
		best, bestV := lo, math.Inf(1)
		for k := lo; k <= hi; k += step {
			if v := f(k); v < bestV {
				best, bestV = k, v
			}
		}
		return best
	}
	k := argmin(meanTV, 0, 200, 0.01)
	k = argmin(meanTV, k-0.01, k+0.01, 1e-5)
	t.Logf("best K %.3f: mean TV %.4f (K=10: %.4f, K=0: %.4f)", k, meanTV(k), meanTV(10), meanTV(0))
	for _, n := range ns {
		f := func(k float64) float64 { return tv(lvpsPMF(n, l), lvpskPMF(n, l, k)) }
		kn := argmin(f, 0, 200, 0.01)
		t.Logf("N=%d: best K %.2f, TV %.4f; TV at best K %.4f", n, kn, f(kn), f(k))
	}
	if math.Abs(k-bestK) > 0.01 {
		t.Errorf("best K is %.4f, documented %.2f", k, bestK)
	}
}
