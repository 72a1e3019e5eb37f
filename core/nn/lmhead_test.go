package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"workbench/core/kern"
)

// headCase is an LM-head problem: n rows of hidden states of width d, a
// vocabulary of v, computed chunk rows at a time.
type headCase struct {
	name           string
	n, d, v, chunk int
	bias           bool
}

var headCases = []headCase{
	{"one chunk", 7, 5, 11, 0, false},
	{"chunk of 1", 7, 5, 11, 1, true},
	{"uneven chunks", 7, 5, 11, 3, true},
	{"large", 50, 40, 600, 16, false},
}

// headProblem draws hidden states, an embedding, a bias (when asked) and
// targets, one of them ignored.
func headProblem(tc headCase, seed uint64) (hidden, emb, bias []float32, targets []int32) {
	rng := rand.New(rand.NewPCG(seed, uint64(tc.n*tc.v)))
	hidden = randSlice(rng, tc.n*tc.d, 1)
	emb = randSlice(rng, tc.v*tc.d, 0.5)
	if tc.bias {
		bias = randSlice(rng, tc.v, 0.5)
	}
	targets = make([]int32, tc.n)
	for i := range targets {
		targets[i] = int32(rng.IntN(tc.v))
	}
	targets[tc.n/2] = IgnoreIndex
	return hidden, emb, bias, targets
}

// headGrads runs the head forward and backward with the given scale, as
// Forward and Backward or, with onePass, as ForwardBackward, and returns
// the losses and the gradients (dbias nil without a bias).
func headGrads(tc headCase, hidden, emb, bias []float32, targets []int32, scale float32, onePass bool) (losses, dh, demb, dbias []float32) {
	h := NewLMHead(tc.n, tc.v, tc.chunk)
	losses = make([]float32, tc.n)
	dh, demb = make([]float32, len(hidden)), make([]float32, len(emb))
	if bias != nil {
		dbias = make([]float32, len(bias))
	}
	if onePass {
		h.ForwardBackward(losses, dh, demb, dbias, hidden, emb, bias, targets, scale, tc.n, tc.d)
		return losses, dh, demb, dbias
	}
	h.Forward(losses, hidden, emb, bias, targets, tc.n, tc.d)
	h.Backward(dh, demb, dbias, hidden, emb, bias, targets, scale, tc.n, tc.d)
	return losses, dh, demb, dbias
}

// passes names the two ways of running the head.
var passes = []struct {
	name    string
	onePass bool
}{{"Forward+Backward", false}, {"ForwardBackward", true}}

func TestLMHeadGrad(t *testing.T) {
	for _, tc := range headCases {
		for _, pass := range passes {
			t.Run(tc.name+"/"+pass.name, func(t *testing.T) {
				hidden, emb, bias, targets := headProblem(tc, 1)
				h := NewLMHead(tc.n, tc.v, tc.chunk)
				losses := make([]float32, tc.n)
				loss := func() float64 {
					h.Forward(losses, hidden, emb, bias, targets, tc.n, tc.d)
					var s float64
					for _, l := range losses {
						s += float64(l)
					}
					return 0.5 * s
				}
				_, dh, demb, dbias := headGrads(tc, hidden, emb, bias, targets, 0.5, pass.onePass)
				rng := rand.New(rand.NewPCG(2, uint64(tc.n)))
				checkGrad(t, "dhidden", rng, hidden, dh, loss)
				checkGrad(t, "demb", rng, emb, demb, loss)
				if bias != nil {
					checkGrad(t, "dbias", rng, bias, dbias, loss)
				}
				ig := tc.n / 2
				if l := losses[ig]; l != 0 {
					t.Errorf("ignored row has loss %g", l)
				}
				if g := dh[ig*tc.d : (ig+1)*tc.d]; slices.ContainsFunc(g, func(x float32) bool { return x != 0 }) {
					t.Errorf("ignored row has gradient %v", g)
				}
			})
		}
	}
}

// TestLMHeadMatchesUnfused compares the fused head with the unfused
// computation: the full logits matrix, SoftmaxCrossEntropy, and the two
// products of the backward pass.
func TestLMHeadMatchesUnfused(t *testing.T) {
	for _, tc := range headCases {
		for _, pass := range passes {
			t.Run(tc.name+"/"+pass.name, func(t *testing.T) {
				n, d, v := tc.n, tc.d, tc.v
				hidden, emb, bias, targets := headProblem(tc, 3)
				const scale = 0.25
				losses, dh, demb, dbias := headGrads(tc, hidden, emb, bias, targets, scale, pass.onePass)

				logits := make([]float32, n*v)
				LinearForward(logits, hidden, transpose(emb, v, d), bias, n, d, v)
				wantLosses := make([]float32, n)
				SoftmaxCrossEntropyForward(wantLosses, logits, targets, n, v)
				SoftmaxCrossEntropyBackward(logits, targets, scale, n, v)
				wantDh, wantDemb := make([]float32, n*d), make([]float32, v*d)
				kern.Sgemm(false, false, n, d, v, 1, logits, v, emb, d, 0, wantDh, d)
				kern.Sgemm(true, false, v, d, n, 1, logits, v, hidden, d, 0, wantDemb, d)
				closeTo(t, "losses", losses, wantLosses, 1e-6)
				closeTo(t, "dhidden", dh, wantDh, 1e-6)
				closeTo(t, "demb", demb, wantDemb, 1e-6)
				if bias != nil {
					wantDbias := make([]float32, v)
					LinearBackward(nil, nil, wantDbias, logits, nil, nil, n, 0, v)
					closeTo(t, "dbias", dbias, wantDbias, 1e-6)
				}
			})
		}
	}
}

// TestLMHeadThreadsAndRepeats checks that results are bit-identical for
// any thread count, and that a second Backward (which recomputes every
// chunk) equals the first (which reuses the chunk Forward left behind).
func TestLMHeadThreadsAndRepeats(t *testing.T) {
	defer kern.SetThreads(kern.Threads())
	tc := headCases[len(headCases)-1]
	hidden, emb, bias, targets := headProblem(tc, 4)
	names := []string{"losses", "dhidden", "demb", "one-pass losses", "one-pass dhidden", "one-pass demb"}
	var first [][]float32
	for _, threads := range []int{1, 2, 3} {
		kern.SetThreads(threads)
		losses, dh, demb, _ := headGrads(tc, hidden, emb, bias, targets, 1, false)
		losses1, dh1, demb1, _ := headGrads(tc, hidden, emb, bias, targets, 1, true)
		got := [][]float32{losses, dh, demb, losses1, dh1, demb1}
		h := NewLMHead(tc.n, tc.v, tc.chunk)
		h.Forward(make([]float32, tc.n), hidden, emb, bias, targets, tc.n, tc.d)
		h.Backward(nil, nil, nil, hidden, emb, bias, targets, 1, tc.n, tc.d)
		again := make([]float32, len(dh))
		h.Backward(again, nil, nil, hidden, emb, bias, targets, 1, tc.n, tc.d)
		if !slices.Equal(again, dh) {
			t.Errorf("%d threads: a second Backward differs from the first", threads)
		}
		if first == nil {
			first = got
			continue
		}
		for i, name := range names {
			if !slices.Equal(got[i], first[i]) {
				t.Errorf("%s with %d threads differs from 1 thread", name, threads)
			}
		}
	}
}

func TestNewLMHeadChunkRows(t *testing.T) {
	for _, tc := range []struct{ rows, v, chunk, want int }{
		{2048, 256, 0, 2048},
		{2048, 50257, 0, 512},
		{1024, 50257, 0, 512},
		{1000, 50257, 0, 500},
		{10, 1 << 26, 0, 1},
		{10, 5, 4, 4},
		{10, 5, 40, 10},
	} {
		if got := NewLMHead(tc.rows, tc.v, tc.chunk).ChunkRows(); got != tc.want {
			t.Errorf("NewLMHead(%d, %d, %d).ChunkRows() = %d, want %d", tc.rows, tc.v, tc.chunk, got, tc.want)
		}
	}
}

func TestLMHeadDoesNotAllocate(t *testing.T) {
	tc := headCases[len(headCases)-1]
	hidden, emb, _, targets := headProblem(tc, 5)
	h := NewLMHead(tc.n, tc.v, tc.chunk)
	losses, dh, demb := make([]float32, tc.n), make([]float32, len(hidden)), make([]float32, len(emb))
	step := func() {
		h.Forward(losses, hidden, emb, nil, targets, tc.n, tc.d)
		h.Backward(dh, demb, nil, hidden, emb, nil, targets, 1, tc.n, tc.d)
		h.ForwardBackward(losses, dh, demb, nil, hidden, emb, nil, targets, 1, tc.n, tc.d)
	}
	step()
	if a := testing.AllocsPerRun(5, step); a != 0 {
		t.Errorf("%g allocations per forward and backward, want 0", a)
	}
}

// transpose returns the [cols, rows] transpose of m[rows, cols].
func transpose(m []float32, rows, cols int) []float32 {
	t := make([]float32, len(m))
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			t[j*rows+i] = m[i*cols+j]
		}
	}
	return t
}

// closeTo fails t unless got and want agree to tol relative to the largest
// magnitude of want.
func closeTo(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	var scale float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*math.Max(scale, 1e-30) {
			t.Fatalf("%s[%d] = %g, want %g (difference %.3g, largest |want| %.3g)", name, i, got[i], want[i], d, scale)
		}
	}
}

// BenchmarkLMHead times the forward and backward pass of the LM head of
// the gpt2bpe-tiny benchmark shape (2048 rows, d=256, GPT-2's vocabulary
// of 50,257) for several chunk sizes, the first the default, and the
// unfused computation on the whole logits matrix (411 MB).
func BenchmarkLMHead(b *testing.B) {
	const n, d, v = 2048, 256, 50257
	rng := rand.New(rand.NewPCG(1, 1))
	hidden, emb := randSlice(rng, n*d, 1), randSlice(rng, v*d, 0.02)
	targets := make([]int32, n)
	for i := range targets {
		targets[i] = int32(rng.IntN(v))
	}
	losses, dh, demb := make([]float32, n), make([]float32, n*d), make([]float32, v*d)
	for _, chunk := range []int{0, 128, 256} {
		h := NewLMHead(n, v, chunk)
		for _, pass := range passes {
			b.Run(fmt.Sprintf("chunk=%d/%s", h.ChunkRows(), pass.name), func(b *testing.B) {
				for b.Loop() {
					if pass.onePass {
						h.ForwardBackward(losses, dh, demb, nil, hidden, emb, nil, targets, 1, n, d)
						continue
					}
					h.Forward(losses, hidden, emb, nil, targets, n, d)
					h.Backward(dh, demb, nil, hidden, emb, nil, targets, 1, n, d)
				}
				b.ReportMetric(6*n*d*v*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
	b.Run("unfused", func(b *testing.B) {
		logits := make([]float32, n*v)
		for b.Loop() {
			kern.Sgemm(false, true, n, v, d, 1, hidden, d, emb, d, 0, logits, v)
			SoftmaxCrossEntropyForward(losses, logits, targets, n, v)
			SoftmaxCrossEntropyBackward(logits, targets, 1, n, v)
			kern.Sgemm(false, false, n, d, v, 1, logits, v, emb, d, 0, dh, d)
			kern.Sgemm(true, false, v, d, n, 1, logits, v, hidden, d, 1, demb, d)
		}
		b.ReportMetric(6*n*d*v*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
