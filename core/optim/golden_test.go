package optim

import (
	"math"
	"strconv"
	"testing"

	"workbench/core/model"
	"workbench/core/nn"
	"workbench/core/safetensors"
)

// TestGoldenAdamW replays the optimizer fixtures of tools/golden/gen.py
// (GPT) and gen_bert.py (BERT, one padded sequence): two clipped AdamW
// steps of torch.optim.AdamW on a shared plan, and one step on a plan that
// leaves block 1 unused (torch skips it entirely).
func TestGoldenAdamW(t *testing.T) {
	for _, tc := range []struct {
		name, weights, ref, targets string
		c                           model.Config
		lens                        []int
	}{
		{"gpt", "gpt_golden", "gpt_golden_adamw", "targets",
			model.Config{Layers: 2, Dim: 32, Heads: 4, Seq: 16, Vocab: 64, Batch: 3, MaxDepth: 3}, nil},
		{"bert", "bert_golden", "bert_golden_adamw", "labels",
			model.Config{Arch: model.BERT, Layers: 2, Dim: 32, Heads: 4, Seq: 16, Vocab: 64, Batch: 3, MaxDepth: 3}, []int{16, 16, 11}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			goldenAdamW(t, "../model/testdata/"+tc.weights+".safetensors", "../model/testdata/"+tc.ref+".safetensors", tc.targets, tc.c, tc.lens)
		})
	}
}

func goldenAdamW(t *testing.T, weights, refPath, targetName string, c model.Config, lens []int) {
	init, err := safetensors.ReadFile(weights)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := safetensors.ReadFile(refPath)
	if err != nil {
		t.Fatal(err)
	}
	meta := func(k string) float64 {
		v, err := strconv.ParseFloat(ref.Metadata[k], 64)
		if err != nil {
			t.Fatalf("metadata %s: %v", k, err)
		}
		return v
	}
	get := func(f *safetensors.File, name string) []float32 {
		tn, ok := f.Tensor(name)
		if !ok {
			t.Fatalf("fixture has no tensor %s", name)
		}
		v, err := tn.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ints := func(name string) []int32 {
		tn, _ := init.Tensor(name)
		v, _ := tn.Int32s()
		for i := range v {
			if v[i] == -100 { // Hugging Face's ignored label
				v[i] = nn.IgnoreIndex
			}
		}
		return v
	}
	tokens, targets := ints("tokens"), ints(targetName)
	scale, lr, maxNorm := float32(meta("loss_scale")), meta("lr"), meta("max_norm")

	run := func(plan []int, steps int, prefix func(step int) string, wantNorms []float32) {
		m, err := model.New(c, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.LoadWeights(init); err != nil {
			t.Fatal(err)
		}
		o := NewAdamW(m.Layout, meta("weight_decay"))
		for s := 1; s <= steps; s++ {
			if _, err := m.ForwardPadded(plan, tokens, targets, lens, c.Batch, c.Seq); err != nil {
				t.Fatal(err)
			}
			m.Backward(scale)
			norm, _ := GradNorm(m.Layout, m.Grads.Data, m.Touched, nil)
			if w := float64(wantNorms[s-1]); math.Abs(norm-w) > 1e-4*w {
				t.Errorf("plan %v step %d: grad norm %g, want %g", plan, s, norm, w)
			}
			o.Step(m.Params.Data, m.Grads.Data, m.Touched, lr, ClipScale(norm, maxNorm))
			m.ZeroGrad()
			var worst float64
			for _, tn := range m.Layout.Tensors {
				want := get(ref, prefix(s)+tn.Name)
				got := m.Params.Data[tn.Offset : tn.Offset+tn.Size]
				for i := range want {
					worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
				}
			}
			if worst > 1e-5 {
				t.Errorf("plan %v step %d: weights differ from PyTorch by up to %g", plan, s, worst)
			}
		}
	}
	run([]int{0, 0, 1}, 2, func(s int) string { return "step" + strconv.Itoa(s) + "." }, get(ref, "grad_norm"))
	run([]int{0, 0}, 1, func(int) string { return "unused.step1." }, get(ref, "unused.grad_norm"))
}
