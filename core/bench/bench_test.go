package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"workbench/core/data"
	"workbench/core/flops"
	"workbench/core/model"
)

// mini is a miniature configuration that runs in milliseconds.
var mini = Shape{Name: "mini", Layers: 2, Dim: 32, Heads: 2, Seq: 16, Batch: 2, Vocab: 64}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		want    []string
		wantErr string
	}{
		{"tiny", []string{"tiny"}, ""},
		{"gpt2-124m", []string{"gpt2-124m"}, ""},
		{"gpt2bpe-tiny", []string{"gpt2bpe-tiny"}, ""},
		{"all", []string{"tiny", "small", "gpt2-124m", "gpt2bpe-tiny", "bert-tiny"}, ""},
		{"bert-tiny", []string{"bert-tiny"}, ""},
		{"small, tiny", []string{"small", "tiny"}, ""},
		{"huge", nil, `unknown configuration "huge"`},
		{"", nil, `unknown configuration ""`},
		{"tiny,", nil, `unknown configuration ""`},
	} {
		got, err := Lookup(tc.spec)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Lookup(%q) error %v, want %q", tc.spec, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Lookup(%q): %v", tc.spec, err)
			continue
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Name)
		}
		if fmt.Sprint(names) != fmt.Sprint(tc.want) {
			t.Errorf("Lookup(%q) = %v, want %v", tc.spec, names, tc.want)
		}
	}
}

func TestShapes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params int
		warmup int
		steps  int
	}{
		{"tiny", 4_837_376, 2, 20},
		{"small", 21_490_944, 2, 7},
		{"gpt2-124m", 123_849_984, 1, 3},
		{"gpt2bpe-tiny", 17_637_632, 2, 9},
		{"bert-tiny", 4_905_476, 2, 20},
	} {
		s, err := Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := s[0].ModelConfig().Validate(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if p := s[0].ModelConfig().NumParams(); p != tc.params {
			t.Errorf("%s: %d parameters, want %d", tc.name, p, tc.params)
		}
		if w, n := DefaultSteps(s[0]); w != tc.warmup || n != tc.steps {
			t.Errorf("%s: DefaultSteps = %d, %d, want %d, %d", tc.name, w, n, tc.warmup, tc.steps)
		}
	}
}

func TestGemmCallsCoverStep(t *testing.T) {
	// The products of a step, attention and the LM head aside, must add up
	// to the block term of the FLOPs formula: 6·B·T·L·12·d².
	s := Shapes()[1]
	var sum float64
	for _, g := range gemmCalls(s) {
		sum += 2 * float64(g.m) * float64(g.n) * float64(g.k) * float64(g.calls)
	}
	bt, d := float64(s.Batch*s.Seq), float64(s.Dim)
	want := 6 * bt * float64(s.Layers) * 12 * d * d
	if sum != want {
		t.Errorf("products of a step: %g FLOPs, want %g", sum, want)
	}
}

func TestRunMini(t *testing.T) {
	r, err := Run(mini, Options{Warmup: 1, Steps: 3, Kernels: true, KernelTime: time.Millisecond, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name string
		x    float64
	}{
		{"ms_per_step", r.MsPerStep}, {"tokens_per_s", r.TokensPerS}, {"gflops", r.GFLOPS}, {"loss", r.Loss},
	} {
		if !(v.x > 0) || math.IsInf(v.x, 0) {
			t.Errorf("%s = %g, want a positive number", v.name, v.x)
		}
	}
	if r.Steps != 3 || r.Warmup != 1 || r.TokensPerStep != 32 || r.Threads < 1 || r.Config != "mini" {
		t.Errorf("result header %+v", r)
	}
	if r.MsMin > r.MsPerStep || r.MsPerStep > r.MsMax {
		t.Errorf("median %g outside [%g, %g]", r.MsPerStep, r.MsMin, r.MsMax)
	}
	if len(r.Kernels) != len(gemmCalls(mini))+12 {
		t.Errorf("%d kernels timed", len(r.Kernels))
	}
	for _, k := range r.Kernels {
		if k.Ms <= 0 || k.Calls < 1 || k.Reps < KernelMinReps || k.MsPerStep != float64(k.Calls)*k.Ms {
			t.Errorf("kernel %+v", k)
		}
		if flop := strings.HasPrefix(k.Name, "gemm.") || strings.HasPrefix(k.Name, "attention.") || k.Name == "lmhead"; flop != (k.GFLOPS > 0) {
			t.Errorf("kernel %s: GFLOP/s %g", k.Name, k.GFLOPS)
		}
	}

	// The JSON line has the fields the comparison script reads, and the
	// kernels round-trip in order.
	line, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(line, &fields); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config", "threads", "tokens_per_s", "ms_per_step", "gflops", "peak_rss_mb", "allocs_per_step", "kernels"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("JSON has no %q: %s", f, line)
		}
	}
	var back Result
	if err := json.Unmarshal(line, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Kernels) != len(r.Kernels) || back.Kernels[0] != r.Kernels[0] || back.Kernels[len(r.Kernels)-1] != r.Kernels[len(r.Kernels)-1] {
		t.Errorf("kernels did not round-trip: %v", back.Kernels)
	}
}

// TestRunMiniBERT runs the MLM steps and kernel timings of a miniature
// BERT: every step scores some masked positions and allocates nothing.
func TestRunMiniBERT(t *testing.T) {
	s := mini
	s.Name, s.Arch, s.Seq, s.Vocab = "mini-bert", model.BERT, 40, data.VocabBytesBERT
	r, err := Run(s, Options{Warmup: 2, Steps: 3, Kernels: true, KernelTime: time.Millisecond, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !(r.Loss > 0) || r.FlopsPerStep != flops.TrainMLM(2, 40, 2, 32, data.VocabBytesBERT, s.HeadRows()) {
		t.Errorf("loss %g, %g FLOPs per step", r.Loss, r.FlopsPerStep)
	}
	st, err := NewStepper(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	st.Step()
	if a := testing.AllocsPerRun(3, func() { st.Step() }); a != 0 {
		t.Errorf("a BERT step allocates %g times", a)
	}
	if s.HeadRows() != 11 { // 15% of 2·38
		t.Errorf("HeadRows = %d, want 11", s.HeadRows())
	}
	if len(r.Kernels) != len(gemmCalls(s))+13 {
		t.Errorf("%d kernels timed", len(r.Kernels))
	}
}

func TestRunErrors(t *testing.T) {
	for _, tc := range []struct {
		s    Shape
		o    Options
		want string
	}{
		{Shape{Name: "odd", Layers: 1, Dim: 10, Heads: 3, Seq: 4, Batch: 1, Vocab: 8}, Options{}, "configuration odd: dim 10 is not divisible by heads 3"},
		{mini, Options{Steps: -1}, "must not be negative"},
	} {
		if _, err := Run(tc.s, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%v) error %v, want %q", tc.s, err, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		x    []float64
		want float64
	}{
		{[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tc.x); got != tc.want {
			t.Errorf("median = %g, want %g", got, tc.want)
		}
	}
}

// BenchmarkTrainStep measures full training steps of the tiny
// configuration with the default thread count.
func BenchmarkTrainStep(b *testing.B) { benchmarkStep(b, "tiny") }

// BenchmarkTrainStepBERT is BenchmarkTrainStep for bert-tiny.
func BenchmarkTrainStepBERT(b *testing.B) { benchmarkStep(b, "bert-tiny") }

// benchmarkStep times training steps of the named shape after two
// untimed ones.
func benchmarkStep(b *testing.B, name string) {
	shapes, err := Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	s := shapes[0]
	st, err := NewStepper(s, 1)
	if err != nil {
		b.Fatal(err)
	}
	for range 2 {
		st.Step()
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Step(); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(s.TokensPerStep())/sec, "tokens/s")
	b.ReportMetric(s.FlopsPerStep()/sec/1e9, "GFLOP/s")
}

func ExampleLookup() {
	shapes, _ := Lookup("tiny,gpt2-124m")
	for _, s := range shapes {
		fmt.Printf("%s: %d layers, d=%d, %d tokens a step, %.3g FLOPs a step\n", s.Name, s.Layers, s.Dim, s.TokensPerStep(), s.FlopsPerStep())
	}
	// Output:
	// tiny: 6 layers, d=256, 2048 tokens a step, 6.36e+10 FLOPs a step
	// gpt2-124m: 12 layers, d=768, 1024 tokens a step, 7.88e+11 FLOPs a step
}
