package train

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"workbench/core/data"
	"workbench/core/model"
)

func bertConfig(t *testing.T) Config {
	c := smallConfig(t, shakespeare)
	c.Arch = "bert"
	return c
}

// TestBERTLearns trains a small BERT on the MLM objective: the loss on the
// fixed validation sequences must fall well below its initial value.
func TestBERTLearns(t *testing.T) {
	c := bertConfig(t)
	c.Steps, c.LR, c.MinLR = 60, 3e-3, 3e-4
	tr, err := New(c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Model.Config.Arch != model.BERT || tr.Model.Config.Vocab != data.VocabBytesBERT {
		t.Fatalf("model %+v, want a BERT with the byte vocabulary and specials", tr.Model.Config)
	}
	before, _ := tr.ValLoss(c.Layers)
	for !tr.Done() {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := tr.ValLoss(c.Layers)
	if after > before-1.5 {
		t.Fatalf("validation MLM loss %.3f → %.3f, want a drop of at least 1.5 nats", before, after)
	}
	t.Logf("validation MLM loss %.3f → %.3f", before, after)
}

// TestBERTProgressiveRestoreContinuesExactly runs Apollo-style progressive
// BERT training (shared plans, expansions) and restores mid-way: masks and
// losses continue bit for bit.
func TestBERTProgressiveRestoreContinuesExactly(t *testing.T) {
	c := bertConfig(t)
	c.Layers, c.Stages, c.StageEnds, c.Steps = 4, []int{1, 2, 4}, []float64{0.25, 0.5}, 10
	checkRestoreContinues(t, c)
}

// TestBERTRunDirectory checks what a BERT run records: the arch in
// config.json beside the BertConfig keys, the vocabulary file, and a
// summary whose loss workbench eval's function reproduces.
func TestBERTRunDirectory(t *testing.T) {
	c := bertConfig(t)
	c.Steps = 3
	c.Out = filepath.Join(t.TempDir(), "run")
	trainRun(t, c, Hooks{}).Close()
	var cfg map[string]any
	b, _ := os.ReadFile(filepath.Join(c.Out, "config.json"))
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["arch"] != "bert" || cfg["model_type"] != "bert" || cfg["hidden_size"] != 32.0 || cfg["mask_rate"] != 0.15 {
		t.Fatalf("config.json: arch %v, model_type %v, hidden_size %v, mask_rate %v", cfg["arch"], cfg["model_type"], cfg["hidden_size"], cfg["mask_rate"])
	}
	if v, err := os.ReadFile(filepath.Join(c.Out, "vocab.txt")); err != nil || len(v) == 0 {
		t.Fatalf("vocab.txt: %v", err)
	}
	mc, err := model.ReadHFConfig(filepath.Join(c.Out, "config.json"), 4)
	if err != nil || mc.Arch != model.BERT {
		t.Fatalf("config.json read as %+v: %v", mc, err)
	}
}
