package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"workbench/core/kern"
	"workbench/core/nn"
)

// TestHeadChunksMatchUnfused runs a model whose LM head computes its
// logits in chunks of several sizes, by Forward and Backward and by
// ForwardBackward, and compares the loss and the gradient into the final
// LayerNorm with the unfused computation (the whole logits matrix,
// SoftmaxCrossEntropy and the products of its backward pass), and every
// gradient with those of Forward and Backward with the head in one chunk.
// Some targets are ignored; with a frozen embedding the head computes no
// embedding gradient.
func TestHeadChunksMatchUnfused(t *testing.T) {
	c := Config{Layers: 2, Dim: 8, Heads: 2, Seq: 5, Vocab: 37, Batch: 3}
	b, s := c.Batch, c.Seq
	bt, d, v := b*s, c.Dim, c.Vocab
	rng := rand.New(rand.NewPCG(5, 5))
	tokens, targets := randTokens(rng, bt, v), randTokens(rng, bt, v)
	targets[2], targets[9] = nn.IgnoreIndex, nn.IgnoreIndex
	plan := []int{1, 0}
	const scale = 0.5

	for _, frozen := range []bool{false, true} {
		var want []float32 // gradients with the head in one chunk
		for _, run := range []struct {
			chunk   int
			onePass bool
		}{{bt, false}, {bt, true}, {1, false}, {4, true}, {7, false}, {7, true}} {
			chunk := run.chunk
			t.Run(fmt.Sprintf("frozen=%v/chunk=%d/onePass=%v", frozen, chunk, run.onePass), func(t *testing.T) {
				m, err := New(c, 1)
				if err != nil {
					t.Fatal(err)
				}
				perturb(m, rand.New(rand.NewPCG(6, 6)))
				m.acts.head = nn.NewLMHead(bt, v, chunk)
				m.Frozen[EmbedGroup] = frozen
				var loss float64
				if run.onePass {
					loss, err = m.ForwardBackward(plan, tokens, targets, b, s, scale)
				} else {
					loss, err = m.Forward(plan, tokens, targets, b, s)
					m.Backward(scale)
				}
				if err != nil {
					t.Fatal(err)
				}

				// The unfused head on the model's final LayerNorm output.
				a := &m.acts
				logits, losses := make([]float32, bt*v), make([]float32, bt)
				kern.Sgemm(false, true, bt, v, d, 1, a.lnf, d, m.Params.WTE, d, 0, logits, v)
				nn.SoftmaxCrossEntropyForward(losses, logits, targets, bt, v)
				var sum float64
				for _, l := range losses {
					sum += float64(l)
				}
				count := bt - 2
				if want := sum / float64(count); math.Abs(loss-want) > 1e-6*want {
					t.Errorf("loss %.8f, unfused %.8f", loss, want)
				}
				nn.SoftmaxCrossEntropyBackward(logits, targets, scale/float32(count), bt, v)
				dlnf := make([]float32, bt*d)
				kern.Sgemm(false, false, bt, d, v, 1, logits, v, m.Params.WTE, d, 0, dlnf, d)
				dlnfW, dlnfB := make([]float32, d), make([]float32, d)
				nn.LayerNormBackward(make([]float32, bt*d), dlnfW, dlnfB, dlnf, a.res[len(plan)], m.Params.LNFW, a.lnfMean, a.lnfStd, bt, d)
				gradsClose(t, "ln_f.weight", m.Grads.LNFW, dlnfW, 1e-6)
				gradsClose(t, "ln_f.bias", m.Grads.LNFB, dlnfB, 1e-6)

				if frozen {
					for i, g := range m.Grads.WTE {
						if g != 0 {
							t.Fatalf("frozen embedding has gradient wte[%d] = %g", i, g)
						}
					}
				}
				if want == nil {
					want = append([]float32(nil), m.Grads.Data...)
					return
				}
				for _, tn := range m.Layout.Tensors {
					gradsClose(t, tn.Name, m.Grads.Data[tn.Offset:tn.Offset+tn.Size], want[tn.Offset:tn.Offset+tn.Size], 1e-5)
				}
			})
		}
	}
}

// TestHeadMemoryIsChunked checks that a model with GPT-2's vocabulary
// holds the logits of a chunk of rows, not of the whole batch.
func TestHeadMemoryIsChunked(t *testing.T) {
	c := Config{Layers: 1, Dim: 8, Heads: 1, Seq: 128, Vocab: 50257, Batch: 16}
	m, err := New(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	if rows := m.acts.head.ChunkRows(); rows*c.Vocab > nn.LMHeadChunkFloats || rows >= c.Batch*c.Seq {
		t.Errorf("LM head computes %d rows at a time (%d floats of logits), want at most %d floats",
			rows, rows*c.Vocab, nn.LMHeadChunkFloats)
	}
}

// gradsClose fails t unless got and want agree to tol relative to the
// largest magnitude of want.
func gradsClose(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	var big float64
	for _, w := range want {
		big = math.Max(big, math.Abs(float64(w)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*big {
			t.Fatalf("%s[%d] = %g, want %g (largest |want| %.3g)", name, i, got[i], want[i], big)
		}
	}
}
