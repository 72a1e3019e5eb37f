package script

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"workbench/core/grow"
	"workbench/plugins/expanders/midas"
	"workbench/plugins/plans/layerdrop"
	"workbench/plugins/plans/pld"
	"workbench/plugins/plans/raptr"
)

// planCases pairs each shipped plan configuration with its native
// implementation, as samplerCases does.
var planCases = []struct {
	ref    string
	native grow.PlanFunc
	set    func() (restore func())
}{
	{"raptr", raptr.Plan, nil},
	{"raptr:lengths=2/3,ends=0.5", raptr.Plan, setStrings(&raptr.Lengths, "2/3", &raptr.Ends, "0.5")},
	{"pld", pld.Plan, nil},
	{"pld:thetamin=0.2,gamma=0.05", pld.Plan, func() func() {
		r1, r2 := setFloat(&pld.ThetaMin, 0.2)(), setFloat(&pld.Gamma, 0.05)()
		return func() { r1(); r2() }
	}},
	{"pld:horizon=1000", pld.Plan, setFloat(&pld.Horizon, 1000)},
	{"layerdrop", layerdrop.Plan, nil},
	{"layerdrop:rate=0.6", layerdrop.Plan, setFloat(&layerdrop.Rate, 0.6)},
}

func setStrings(p *string, v string, q *string, w string) func() func() {
	return func() func() {
		op, oq := *p, *q
		*p, *q = v, w
		return func() { *p, *q = op, oq }
	}
}

// TestPlansMatchNative runs every shipped plan natively and interpreted
// over a grid of depths, steps and progress with the same seeds, and
// requires identical plans and generator states.
func TestPlansMatchNative(t *testing.T) {
	for _, c := range planCases {
		t.Run(c.ref, func(t *testing.T) {
			p, err := LoadPlan(c.ref)
			if err != nil {
				t.Fatal(err)
			}
			if c.set != nil {
				defer c.set()()
			}
			for _, nl := range depthGrid() {
				pn := rand.NewPCG(uint64(nl[0]), uint64(nl[1]))
				pi := rand.NewPCG(uint64(nl[0]), uint64(nl[1]))
				rn, ri := rand.New(pn), rand.New(pi)
				for k := 0; k < 12; k++ {
					s := grow.SampleState{Step: 97 * k, Micro: k % 2, Progress: float64(k) / 12, Real: nl[0], Target: nl[1]}
					s.Rand = rn
					want := c.native(s)
					s.Rand = ri
					got, err := p.Plan(s)
					if err != nil || !slices.Equal(got, want) || *pn != *pi {
						t.Fatalf("N=%d L=%d k=%d: interpreted %v, %v; native %v", nl[0], nl[1], k, got, err, want)
					}
				}
			}
		})
	}
}

// TestRaPTrLengthsPerStage checks the path length RaPTr samples in each
// stage, that the first and last layers are always in it, that the order
// is kept, and that the middle layers are taken uniformly.
func TestRaPTrLengthsPerStage(t *testing.T) {
	// The frequencies are taken from the compiled plugin, which
	// TestPlansMatchNative shows to agree with the interpreted one; one
	// interpreted draw per case checks the parameters' parsing.
	tests := []struct {
		lengths, ends string
		n             int
		progress      []float64
		want          []int
	}{
		// Default: L/2, 2L/3, 5L/6, L in four equal quarters.
		{"", "", 12, []float64{0, 0.2, 0.25, 0.5, 0.74, 0.75, 0.99}, []int{6, 6, 8, 10, 10, 12, 12}},
		{"", "", 6, []float64{0, 0.3, 0.6, 0.9}, []int{3, 4, 5, 6}},
		{"4/8/12", "0.1/0.8", 12, []float64{0.05, 0.1, 0.5, 0.8, 1}, []int{4, 8, 8, 12, 12}},
		{"20", "", 12, []float64{0.5}, []int{12}},
		{"", "", 1, []float64{0}, []int{1}},
	}
	for _, tt := range tests {
		ref := "raptr:lengths=" + tt.lengths + ",ends=" + tt.ends
		p, err := LoadPlan(ref)
		if err != nil {
			t.Fatal(err)
		}
		restore := setStrings(&raptr.Lengths, tt.lengths, &raptr.Ends, tt.ends)()
		r := rand.New(rand.NewPCG(1, 2))
		for i, prog := range tt.progress {
			s := grow.SampleState{Progress: prog, Real: tt.n, Target: tt.n, Rand: r}
			if plan, err := p.Plan(s); err != nil || len(plan) != tt.want[i] {
				t.Fatalf("%s N=%d progress %g: interpreted plan %v, %v; want length %d", ref, tt.n, prog, plan, err, tt.want[i])
			}
			counts := make([]int, tt.n)
			const draws = 20000
			for k := 0; k < draws; k++ {
				plan := raptr.Plan(s)
				if len(plan) != tt.want[i] || plan[0] != 0 || plan[len(plan)-1] != tt.n-1 {
					t.Fatalf("%s N=%d progress %g: plan %v, want length %d from 0 to %d", ref, tt.n, prog, plan, tt.want[i], tt.n-1)
				}
				for j := 1; j < len(plan); j++ {
					if plan[j] <= plan[j-1] {
						t.Fatalf("%s: plan %v out of order", ref, plan)
					}
				}
				for _, b := range plan {
					counts[b]++
				}
			}
			// Each middle layer is in the path with probability
			// (k-2)/(N-2).
			if tt.n > 2 {
				want := float64(tt.want[i]-2) / float64(tt.n-2)
				for b := 1; b < tt.n-1; b++ {
					if got := float64(counts[b]) / draws; math.Abs(got-want) > 0.015 {
						t.Errorf("%s progress %g: layer %d in %.3f of paths, want %.3f", ref, prog, b, got, want)
					}
				}
			}
		}
		restore()
	}
	p, err := LoadPlan("raptr:lengths=1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Plan(grow.SampleState{Real: 4, Target: 4, Rand: rand.New(rand.NewPCG(1, 1))}); err == nil {
		t.Error("a path of length 1 with 4 layers gave no error")
	}
}

// TestPLDKeepRate checks the frequency with which PLD keeps each layer
// against its formula: theta(t) = (1-thetamin)·exp(-gamma·t) + thetamin,
// layer i of N kept with 1 - (i/N)(1-theta), conditioned on keeping at
// least one layer.
func TestPLDKeepRate(t *testing.T) {
	// Frequencies from the compiled plugin (see TestPlansMatchNative).
	const n, draws = 6, 100000
	for _, step := range []int{0, 500, 2000, 20000} {
		theta := 0.5*math.Exp(-0.001*float64(step)) + 0.5
		keep := make([]float64, n)
		none := 1.0
		for i := range keep {
			keep[i] = 1 - float64(i+1)/n*(1-theta)
			none *= 1 - keep[i]
		}
		r := rand.New(rand.NewPCG(uint64(step), 3))
		counts := make([]int, n)
		for k := 0; k < draws; k++ {
			for _, b := range pld.Plan(grow.SampleState{Step: step, Real: n, Target: n, Rand: r}) {
				counts[b]++
			}
		}
		for i := range keep {
			want := keep[i] / (1 - none)
			if got := float64(counts[i]) / draws; math.Abs(got-want) > 0.005 {
				t.Errorf("step %d (theta %.4f): layer %d kept %.4f, formula %.4f", step, theta, i+1, got, want)
			}
		}
	}
	// With a horizon, t is the progress times the horizon.
	if got, want := pld.Theta(grow.SampleState{Step: 3, Progress: 0.5}), 1.0-0.5*(1-math.Exp(-0.001*3)); math.Abs(got-want) > 1e-15 {
		t.Errorf("Theta at step 3 = %g, want %g", got, want)
	}
	defer setFloat(&pld.Horizon, 4000)()()
	if got, want := pld.Theta(grow.SampleState{Step: 3, Progress: 0.5}), 0.5*math.Exp(-2)+0.5; math.Abs(got-want) > 1e-15 {
		t.Errorf("Theta at progress 0.5 of horizon 4000 = %g, want %g", got, want)
	}
}

// TestLayerDropRate checks that layerdrop keeps each layer at 1 - rate
// (conditioned on keeping one).
func TestLayerDropRate(t *testing.T) {
	p, err := LoadPlan("layerdrop:rate=0.3")
	if err != nil {
		t.Fatal(err)
	}
	const n, draws = 5, 30000
	r := rand.New(rand.NewPCG(5, 5))
	counts := make([]int, n)
	for k := 0; k < draws; k++ {
		plan, err := p.Plan(grow.SampleState{Real: n, Target: n, Rand: r})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range plan {
			counts[b]++
		}
	}
	want := 0.7 / (1 - math.Pow(0.3, n))
	for i, c := range counts {
		if got := float64(c) / draws; math.Abs(got-want) > 0.01 {
			t.Errorf("layer %d kept %.4f, want %.4f", i, got, want)
		}
	}
}

// TestMIDASCopyMap checks MIDAS's copy map: the middle block of the grown
// size is duplicated in place, and larger jumps stack whole copies first;
// interpreted and native agree over a grid.
func TestMIDASCopyMap(t *testing.T) {
	e, err := LoadExpander("midas")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		old, new int
		want     []int
	}{
		{6, 8, []int{0, 1, 2, 3, 2, 3, 4, 5}},
		{6, 12, []int{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}},
		{6, 7, []int{0, 1, 2, 2, 3, 4, 5}},
		{4, 6, []int{0, 1, 2, 1, 2, 3}},
		{3, 4, []int{0, 1, 1, 2}},
		{1, 4, []int{0, 0, 0, 0}},
		{2, 7, []int{0, 1, 0, 1, 0, 0, 1}},
		{6, 24, []int{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		got, err := e.Expand(tt.old, tt.new)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("midas %d→%d: %v, %v; want %v", tt.old, tt.new, got, err, tt.want)
		}
	}
	for a := 1; a <= 16; a++ {
		for b := a + 1; b <= 40; b++ {
			want := midas.Expand(a, b)
			got, err := e.Expand(a, b)
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("(%d, %d): interpreted %v, %v; native %v", a, b, got, err, want)
			}
		}
	}
}

// TestPlanErrorsNameThePlugin checks the error of a plan plugin that
// panics on a bad parameter.
func TestPlanErrorsNameThePlugin(t *testing.T) {
	p, err := LoadPlan("pld:thetamin=2")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Plan(grow.SampleState{Real: 3, Target: 3, Rand: rand.New(rand.NewPCG(1, 1))})
	if err == nil || !strings.Contains(err.Error(), "plugins/plans/pld/pld.go") || !strings.Contains(err.Error(), "thetamin") {
		t.Errorf("got %v", err)
	}
}

// BenchmarkPlan measures one call of each shipped plan configuration,
// interpreted (through Plan.Plan, with validation) and native, on a
// 12-layer model half-way through training.
func BenchmarkPlan(b *testing.B) {
	for _, c := range planCases {
		p, err := LoadPlan(c.ref)
		if err != nil {
			b.Fatal(err)
		}
		s := grow.SampleState{Step: 300, Progress: 0.5, Real: 12, Target: 12, Rand: rand.New(rand.NewPCG(1, 2))}
		b.Run("interpreted/"+c.ref, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := p.Plan(s); err != nil {
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
