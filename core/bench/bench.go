// Package bench measures the training speed of the engine: whole training
// steps (forward, backward, gradient clipping and AdamW on random tokens,
// as training runs them) on standard model shapes, and each kernel of such
// a step on its own, so that a profile shows where the time goes.
//
// A Result reports the median time of a step, tokens and achieved GFLOP/s
// (by the formula of package flops), the peak resident memory and the heap
// allocations per step, which should be 0 in steady state.
package bench

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"workbench/core/data"
	"workbench/core/flops"
	"workbench/core/kern"
	"workbench/core/model"
	"workbench/core/optim"
)

// Shape is the model and batch shape of one benchmark configuration.
type Shape struct {
	Name   string     // configuration name, as --config spells it
	Arch   model.Arch // empty for GPT; model.BERT trains the MLM objective
	Layers int        // blocks, all executed once per step
	Dim    int        // d_model
	Heads  int
	Seq    int // tokens per sequence
	Batch  int // sequences per step
	Vocab  int
}

// Shapes returns the standard configurations: tiny (the default training
// run), small, the shape of GPT-2 124M at sequence 256, gpt2bpe-tiny,
// the tiny model with GPT-2's 50,257-token vocabulary, whose LM head and
// loss dominate the step, and bert-tiny, the tiny shape as a BERT with the
// byte vocabulary and its four special tokens, trained on the MLM
// objective.
func Shapes() []Shape {
	return []Shape{
		{Name: "tiny", Layers: 6, Dim: 256, Heads: 8, Seq: 128, Batch: 16, Vocab: 256},
		{Name: "small", Layers: 12, Dim: 384, Heads: 6, Seq: 256, Batch: 8, Vocab: 256},
		{Name: "gpt2-124m", Layers: 12, Dim: 768, Heads: 12, Seq: 256, Batch: 4, Vocab: 50257},
		{Name: "gpt2bpe-tiny", Layers: 6, Dim: 256, Heads: 8, Seq: 128, Batch: 16, Vocab: 50257},
		{Name: "bert-tiny", Arch: model.BERT, Layers: 6, Dim: 256, Heads: 8, Seq: 128, Batch: 16, Vocab: data.VocabBytesBERT},
	}
}

// Lookup returns the configurations named by spec: one name of Shapes, a
// comma-separated list of names, or "all".
func Lookup(spec string) ([]Shape, error) {
	all := Shapes()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
	}
	if spec == "all" {
		return all, nil
	}
	var out []Shape
	for _, n := range strings.Split(spec, ",") {
		n = strings.TrimSpace(n)
		i := slices.Index(names, n)
		if i < 0 {
			return nil, fmt.Errorf("unknown configuration %q (want %s or all, or a comma-separated list)", n, strings.Join(names, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}

// ModelConfig returns the model configuration of s.
func (s Shape) ModelConfig() model.Config {
	return model.Config{Arch: s.Arch, Layers: s.Layers, Dim: s.Dim, Heads: s.Heads, Seq: s.Seq, Vocab: s.Vocab, Batch: s.Batch}
}

// HeadRows is the number of positions the output head runs on in one
// step: every position for GPT, the expected number of masked positions
// (15% of the non-special ones) for BERT.
func (s Shape) HeadRows() int {
	if s.Arch == model.BERT {
		return int(math.Round(data.DefaultMaskRate * float64(s.Batch*data.TextLen(s.Seq))))
	}
	return s.Batch * s.Seq
}

// TokensPerStep is the number of tokens one training step consumes.
func (s Shape) TokensPerStep() int { return s.Batch * s.Seq }

// FlopsPerStep is the training FLOPs of one step by the formula of package
// flops (for BERT with the MLM head on HeadRows positions).
func (s Shape) FlopsPerStep() float64 {
	if s.Arch == model.BERT {
		return flops.TrainMLM(s.Batch, s.Seq, s.Layers, s.Dim, s.Vocab, s.HeadRows())
	}
	return flops.Train(s.Batch, s.Seq, s.Layers, s.Dim, s.Vocab)
}

// DefaultSteps returns the warmup and timed step counts used when Options
// leaves them 0: about 2 TFLOP of timed work (between 3 and 20 steps), after
// 2 warmup steps, or 1 for shapes of more than 0.5 TFLOP a step.
func DefaultSteps(s Shape) (warmup, steps int) {
	f := s.FlopsPerStep()
	steps = min(max(int(math.Round(2e12/f)), 3), 20)
	warmup = 2
	if f > 5e11 {
		warmup = 1
	}
	return warmup, steps
}

// Options control a benchmark run.
type Options struct {
	// Warmup is the number of untimed steps before timing, Steps the
	// number of timed steps; 0 means DefaultSteps. Warmup may be -1 for
	// no warmup.
	Warmup, Steps int
	// Kernels enables timing each kernel of the step separately.
	Kernels bool
	// KernelTime is the time spent repeating each kernel (at least
	// KernelMinReps repetitions); 0 means 200ms.
	KernelTime time.Duration
	// Seed seeds the initialisation and the random tokens.
	Seed uint64
	// Log, if not nil, receives one line per phase.
	Log io.Writer
}

// KernelMinReps is the least number of repetitions of each kernel timing.
const KernelMinReps = 3

// Result is the measurement of one configuration.
type Result struct {
	Config  string `json:"config"`
	Threads int    `json:"threads"`
	// Impl names the engine and its Sgemm implementation.
	Impl   string `json:"impl"`
	Layers int    `json:"layers"`
	Dim    int    `json:"dim"`
	Heads  int    `json:"heads"`
	Seq    int    `json:"seq"`
	Batch  int    `json:"batch"`
	Vocab  int    `json:"vocab"`
	Params int    `json:"params"`

	Warmup        int     `json:"warmup"`
	Steps         int     `json:"steps"`
	TokensPerStep int     `json:"tokens_per_step"`
	FlopsPerStep  float64 `json:"flops_per_step"`
	// MsPerStep is the median step time; MsMin and MsMax the extremes.
	MsPerStep  float64 `json:"ms_per_step"`
	MsMin      float64 `json:"ms_min"`
	MsMax      float64 `json:"ms_max"`
	TokensPerS float64 `json:"tokens_per_s"` // TokensPerStep / median step time
	GFLOPS     float64 `json:"gflops"`       // FlopsPerStep / median step time
	// PeakRSSMB is the peak resident memory of the process in MiB, read
	// after the timed steps. Where the operating system allows it, the
	// peak is reset before each configuration is built.
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// CPUs is the process CPU time over wall time during the timed steps:
	// close to Threads when the threads ran undisturbed.
	CPUs float64 `json:"cpus"`
	// AllocsPerStep and BytesPerStep are the heap allocations of the whole
	// process per timed step.
	AllocsPerStep float64 `json:"allocs_per_step"`
	BytesPerStep  float64 `json:"bytes_per_step"`
	Loss          float64 `json:"loss"` // training loss of the last step

	// Kernels holds the per-kernel timings when Options.Kernels is set.
	Kernels KernelSet `json:"kernels,omitempty"`
}

// Run builds a model of shape s and measures its training steps (and its
// kernels when o.Kernels is set) with the current kern thread count and
// Sgemm implementation.
func Run(s Shape, o Options) (Result, error) {
	c := s.ModelConfig()
	if err := c.Validate(); err != nil {
		return Result{}, fmt.Errorf("configuration %s: %v", s.Name, err)
	}
	if o.Warmup < -1 || o.Steps < 0 {
		return Result{}, errors.New("warmup and steps must not be negative")
	}
	dw, ds := DefaultSteps(s)
	if o.Warmup == 0 {
		o.Warmup = dw
	} else if o.Warmup < 0 {
		o.Warmup = 0
	}
	if o.Steps == 0 {
		o.Steps = ds
	}
	if o.KernelTime <= 0 {
		o.KernelTime = 200 * time.Millisecond
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}

	// Return what earlier configurations used so that the peak is this
	// configuration's own.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()

	st, err := NewStepper(s, o.Seed)
	if err != nil {
		return Result{}, err
	}
	r := Result{
		Config: s.Name, Threads: kern.Threads(), Impl: "workbench/" + kern.Impl().Name(),
		Layers: s.Layers, Dim: s.Dim, Heads: s.Heads, Seq: s.Seq, Batch: s.Batch, Vocab: s.Vocab,
		Params: c.NumParams(), Warmup: o.Warmup, Steps: o.Steps,
		TokensPerStep: s.TokensPerStep(), FlopsPerStep: s.FlopsPerStep(),
	}
	logf("%s: %d warmup and %d timed steps, %d threads, %s", s.Name, o.Warmup, o.Steps, r.Threads, r.Impl)
	for range o.Warmup {
		if _, err := st.Step(); err != nil {
			return r, err
		}
	}
	times := make([]float64, o.Steps)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := cpuSeconds()
	wall0 := time.Now()
	for i := range times {
		t0 := time.Now()
		loss, err := st.Step()
		if err != nil {
			return r, err
		}
		times[i] = time.Since(t0).Seconds()
		r.Loss = loss
	}
	wall := time.Since(wall0).Seconds()
	cpu := cpuSeconds() - cpu0
	runtime.ReadMemStats(&m1)
	r.PeakRSSMB = peakRSSMB()
	r.AllocsPerStep = float64(m1.Mallocs-m0.Mallocs) / float64(o.Steps)
	r.BytesPerStep = float64(m1.TotalAlloc-m0.TotalAlloc) / float64(o.Steps)
	if cpu > 0 && wall > 0 {
		r.CPUs = cpu / wall
	}
	med := median(times)
	r.MsPerStep = med * 1e3
	r.MsMin = slices.Min(times) * 1e3
	r.MsMax = slices.Max(times) * 1e3
	r.TokensPerS = float64(r.TokensPerStep) / med
	r.GFLOPS = r.FlopsPerStep / med / 1e9
	logf("%s: %.1f ms/step, %.0f tokens/s, %.1f GFLOP/s", s.Name, r.MsPerStep, r.TokensPerS, r.GFLOPS)
	if o.Kernels {
		logf("%s: timing kernels", s.Name)
		r.Kernels = timeKernels(s, st, o.KernelTime)
	}
	return r, nil
}

// Stepper runs full training steps of one model on random tokens: forward,
// backward, global gradient-norm clipping at 1.0 and AdamW (learning rate
// 1e-3, weight decay 0.01 on matrices and embeddings), as training does.
// A BERT's random byte sequences are built and masked as data.MLM does
// (15%, 80/10/10). After the first steps, Step does not allocate.
type Stepper struct {
	Model *model.Model // the model being trained
	Opt   *optim.AdamW // its optimizer

	shape           Shape
	plan            []int
	tokens, targets []int32
	rng             *rand.Rand
	norm            []float64
}

// NewStepper builds a model of shape s and its optimizer from seed.
func NewStepper(s Shape, seed uint64) (*Stepper, error) {
	m, err := model.New(s.ModelConfig(), seed)
	if err != nil {
		return nil, fmt.Errorf("configuration %s: %v", s.Name, err)
	}
	st := &Stepper{
		Model:   m,
		Opt:     optim.NewAdamW(m.Layout, 0.01),
		shape:   s,
		plan:    model.IdentityPlan(s.Layers),
		tokens:  make([]int32, s.TokensPerStep()),
		targets: make([]int32, s.TokensPerStep()),
		rng:     rand.New(rand.NewPCG(seed, 0x62656e6368)),
	}
	return st, nil
}

// Step runs one training step on a fresh random batch and returns its
// loss.
func (st *Stepper) Step() (float64, error) {
	s, m := st.shape, st.Model
	if s.Arch == model.BERT {
		mlm := data.ByteMLM(data.DefaultMaskRate)
		for b := 0; b < s.Batch; b++ {
			seq, lab := st.tokens[b*s.Seq:(b+1)*s.Seq], st.targets[b*s.Seq:(b+1)*s.Seq]
			for i := 1; i < s.Seq-1; i++ {
				seq[i] = int32(st.rng.IntN(data.BytePAD)) // a byte: the ids below the special tokens
			}
			mlm.Build(seq, seq[1:s.Seq-1])
			mlm.Mask(st.rng, seq, lab, s.Seq)
		}
	} else {
		for i := range st.tokens {
			st.tokens[i] = int32(st.rng.IntN(s.Vocab))
			st.targets[i] = int32(st.rng.IntN(s.Vocab))
		}
	}
	loss, err := m.ForwardBackward(st.plan, st.tokens, st.targets, s.Batch, s.Seq, 1)
	if err != nil {
		return 0, err
	}
	var norm float64
	norm, st.norm = optim.GradNorm(m.Layout, m.Grads.Data, m.Touched, st.norm)
	st.Opt.Step(m.Params.Data, m.Grads.Data, m.Touched, 1e-3, optim.ClipScale(norm, 1))
	m.ZeroGrad()
	return loss, nil
}

// median returns the median of x (the mean of the middle two for an even
// count); it reorders x.
func median(x []float64) float64 {
	slices.Sort(x)
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}
