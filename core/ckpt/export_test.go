package ckpt_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"workbench/core/ckpt"
	"workbench/core/data"
	"workbench/core/model"
	"workbench/core/safetensors"
	"workbench/core/tokenize"
	"workbench/core/train"
)

// TestExportRoundTrip exports a checkpoint taken mid-progressive (2 real
// layers of 4) as a Hugging Face GPT-2, imports it again, and checks that
// the imported model has the loss the run measured at full depth through
// the share map; then starts a run from it with Init.
func TestExportRoundTrip(t *testing.T) {
	text := dataFile(t)
	c := progressive(tiny(text, 20))
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	r := interruptAt(t, c, run, 8) // stage 1: 2 real layers
	if r.Real != 2 {
		t.Fatalf("real layers %d, want 2", r.Real)
	}
	var summary train.Summary
	b, _ := os.ReadFile(filepath.Join(run, "summary.json"))
	json.Unmarshal(b, &summary)

	ck := newest(t, run)
	out := filepath.Join(dir, "hf")
	if err := train.ExportHF(ck, apolloHooks(), out); err != nil {
		t.Fatal(err)
	}
	mc, err := model.ReadHFConfig(filepath.Join(out, "config.json"), c.Batch)
	if err != nil {
		t.Fatal(err)
	}
	if mc.Layers != 4 {
		t.Fatalf("exported %d layers, want the full depth 4", mc.Layers)
	}
	f, err := safetensors.ReadFile(filepath.Join(out, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := model.New(mc, 0)
	if err := ckpt.LoadHF(f, m); err != nil {
		t.Fatal(err)
	}
	ds, _ := data.Load(c.Data, tokenize.Bytes(), c.ValFrac, c.Seq+1)
	loss, _, err := train.EvalStream(m, []int{0, 1, 2, 3}, ds.Val)
	if err != nil {
		t.Fatal(err)
	}
	if loss != summary.ValLoss {
		t.Fatalf("exported model: loss %v, the run at full depth: %v", loss, summary.ValLoss)
	}
	// The shared blocks: exported blocks 0 and 1 are both real block 0.
	l := m.Layout
	if !reflect.DeepEqual(l.GroupData(m.Params.Data, model.BlockGroup(0)), l.GroupData(m.Params.Data, model.BlockGroup(1))) {
		t.Fatal("exported blocks 0 and 1 differ; the share map is [0 0 1 1]")
	}

	// Without a share map the export is at the real depth, as SaveModel
	// would write it.
	if err := train.ExportHF(ck, train.Hooks{}, filepath.Join(dir, "native")); err != nil {
		t.Fatal(err)
	}
	if mc, err := model.ReadHFConfig(filepath.Join(dir, "native", "config.json"), 1); err != nil || mc.Layers != 2 {
		t.Fatalf("export without a share map: %d layers (%v), want 2", mc.Layers, err)
	}

	// Init: a new run starts from the exported weights.
	c2 := tiny(text, 2)
	c2.Layers, c2.Init, c2.Out = 4, filepath.Join(out, "model.safetensors"), filepath.Join(dir, "init")
	tr, err := train.New(c2, train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := train.Start(tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	r2.Close()
	if !reflect.DeepEqual(tr.Model.Params.Data, m.Params.Data) {
		t.Fatal("Init did not load the exported weights")
	}
	c2.Dim, c2.Heads, c2.Out = 64, 2, filepath.Join(dir, "init2")
	tr, _ = train.New(c2, train.Hooks{})
	if _, err := train.Start(tr, nil); err == nil || !strings.Contains(err.Error(), "init: "+c2.Init+": tensor transformer.wte.weight has shape [256 32], want [256 64]") {
		t.Fatalf("init with another shape: %v", err)
	}
	if _, err := os.Stat(c2.Out); err == nil {
		t.Fatal("a failed init left a run directory")
	}
}

// TestInitVerifiesCheckpoint starts runs from a checkpoint's weights: an
// intact one (plain or compressed) loads, a damaged one is refused.
func TestInitVerifiesCheckpoint(t *testing.T) {
	text := dataFile(t)
	dir := t.TempDir()
	c := tiny(text, 6)
	runToEnd(t, c, filepath.Join(dir, "run"))
	ck := newest(t, filepath.Join(dir, "run"))
	plain := filepath.Join(dir, ckpt.Name(6, false))
	packed := filepath.Join(dir, ckpt.Name(6, true))
	for _, p := range []string{plain, packed} {
		if err := ckpt.WriteFile(p, ck, ckpt.Options{Compress: p == packed}); err != nil {
			t.Fatal(err)
		}
	}
	damaged := filepath.Join(dir, "damaged.safetensors")
	b, _ := os.ReadFile(plain)
	b[len(b)-40] ^= 1
	os.WriteFile(damaged, b, 0o644)

	for i, p := range []string{damaged, plain, packed} {
		c2 := tiny(text, 1)
		c2.Init, c2.Out = p, filepath.Join(dir, "init"+itoa(i))
		tr, err := train.New(c2, train.Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := train.Start(tr, nil)
		if p == damaged {
			if err == nil || !strings.Contains(err.Error(), "init: "+damaged+": checksum mismatch") {
				t.Fatalf("init from a damaged checkpoint: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		if !reflect.DeepEqual(tr.Model.Params.Data, ck.Params) {
			t.Fatalf("init from %s did not load the checkpoint's weights", p)
		}
	}
}
