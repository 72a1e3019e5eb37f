package model

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"workbench/core/nn"
	"workbench/core/safetensors"
)

// BERTGolden is a BERT fixture written by tools/golden/gen_bert.py: the
// model with its weights loaded, the batch and its padding.
type bertGolden struct {
	m              *Model
	f              *safetensors.File
	plan, lens     []int
	tokens, labels []int32
}

func ints(s string) []int {
	var v []int
	for _, f := range strings.Split(s, ",") {
		n, _ := strconv.Atoi(f)
		v = append(v, n)
	}
	return v
}

// loadBERTGolden builds the model of a BERT fixture; weights come from
// weightsPath (the fixture itself, or another one for the AdamW replay).
func loadBERTGolden(t *testing.T, path string) bertGolden {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	meta := func(k string) int {
		v, err := strconv.Atoi(f.Metadata[k])
		if err != nil {
			t.Fatalf("%s: metadata %s: %v", path, k, err)
		}
		return v
	}
	g := bertGolden{f: f, plan: ints(f.Metadata["plan"]), lens: ints(f.Metadata["lens"])}
	c := Config{Arch: BERT, Layers: meta("num_hidden_layers"), Dim: meta("hidden_size"), Heads: meta("num_attention_heads"),
		Seq: meta("max_position_embeddings"), Vocab: meta("vocab_size"), Batch: meta("batch"), MaxDepth: len(g.plan)}
	if g.m, err = New(c, 0); err != nil {
		t.Fatal(err)
	}
	if err := g.m.LoadWeights(f); err != nil {
		t.Fatal(err)
	}
	get := func(name string) []int32 {
		tn, _ := f.Tensor(name)
		v, err := tn.Int32s()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	g.tokens, g.labels = get("tokens"), get("labels")
	for i, l := range g.labels {
		if l == -100 {
			g.labels[i] = nn.IgnoreIndex
		}
	}
	return g
}

// TestBERTGoldenPyTorch matches the loss and every gradient of an
// independent float64 PyTorch BertForMaskedLM with a shared plan and a
// padded sequence.
func TestBERTGoldenPyTorch(t *testing.T) {
	for _, name := range []string{"bert_golden", "bert_golden_strong"} {
		t.Run(name, func(t *testing.T) {
			g := loadBERTGolden(t, "testdata/"+name+".safetensors")
			c := g.m.Config
			loss, err := g.m.ForwardPadded(g.plan, g.tokens, g.labels, g.lens, c.Batch, c.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if want := float64(floats(t, g.f, "loss")[0]); math.Abs(loss-want) > 1e-5 {
				t.Errorf("loss %.8f, want %.8f", loss, want)
			}
			g.m.Backward(1)
			var worst float64
			for _, tn := range g.m.Layout.Tensors {
				want := floats(t, g.f, "grad."+tn.Name)
				got := g.m.Grads.Data[tn.Offset : tn.Offset+tn.Size]
				for i := range want {
					d := math.Abs(float64(got[i] - want[i]))
					worst = math.Max(worst, d)
					if d > 2e-6 {
						t.Fatalf("grad %s[%d] = %g, want %g", tn.Name, i, got[i], want[i])
					}
				}
			}
			t.Logf("loss %.8f, max gradient difference %.2g", loss, worst)
		})
	}
}
