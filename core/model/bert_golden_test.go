package model

import (
	"strconv"
	"strings"
	"testing"

	"workbench/core/nn"
	"workbench/core/safetensors"
)

// bertGolden is a BERT fixture written by tools/golden/gen_bert.py: the
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

// loadBERTGolden builds the model of a BERT fixture with its weights.
func loadBERTGolden(t *testing.T, path string) bertGolden {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	meta := func(k string) int { return metaInt(t, f, k) }
	g := bertGolden{f: f, plan: ints(f.Metadata["plan"]), lens: ints(f.Metadata["lens"])}
	c := Config{Arch: BERT, Layers: meta("num_hidden_layers"), Dim: meta("hidden_size"), Heads: meta("num_attention_heads"),
		Seq: meta("max_position_embeddings"), Vocab: meta("vocab_size"), Batch: meta("batch"), MaxDepth: len(g.plan)}
	if g.m, err = New(c, 0); err != nil {
		t.Fatal(err)
	}
	if err := g.m.LoadWeights(f); err != nil {
		t.Fatal(err)
	}
	g.tokens, g.labels = fixtureInts(t, f, "tokens"), fixtureInts(t, f, "labels")
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
			matchGolden(t, g.m, g.f, loss)
		})
	}
}
