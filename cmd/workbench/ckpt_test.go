package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"workbench/core/ckpt"
	"workbench/core/model"
	"workbench/core/optim"
	"workbench/core/safetensors"
)

// trainArgs are the flags of a small progressive run with a checkpoint
// every 4 steps.
func trainArgs(data, out string) []string {
	return append([]string{"train", "--data", data, "--out", out, "--steps", "12", "--eval-every", "6",
		"--stages", "1,2", "--stage-ends", "0.5", "--ckpt-every", "4", "--ckpt-keep", "0"}, smallModel...)
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(args...)
	if code != 0 {
		t.Fatalf("workbench %s exited %d: %s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

func evalLoss(t *testing.T, modelFile, data string) float64 {
	t.Helper()
	var ev struct{ Loss float64 }
	if err := json.Unmarshal([]byte(mustRun(t, "eval", "--model", modelFile, "--data", data, "--split", "val")), &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Loss
}

func TestTrainResumeCommand(t *testing.T) {
	data := shakespeareFile(t, 50000)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	mustRun(t, trainArgs(data, a)...)
	mustRun(t, trainArgs(data, b)...)
	// Pretend b died after step 4.
	es, _ := ckpt.List(filepath.Join(b, "ckpt"))
	for _, e := range es[:len(es)-1] {
		os.Remove(e.Path)
	}
	code, _, stderr := run("train", "--resume", b, "--lr", "0.01")
	if code == 0 || !strings.Contains(stderr, "step-000004.safetensors: made by a different run") || !strings.Contains(stderr, "lr 0.001 vs 0.01") {
		t.Fatalf("resume with another lr: exit %d, %s", code, stderr)
	}
	code, _, stderr = run("train", "--resume", b)
	if code != 0 || !strings.Contains(stderr, "resuming "+b+" from ") {
		t.Fatalf("resume: exit %d, %s", code, stderr)
	}
	ma, _ := os.ReadFile(filepath.Join(a, "model.safetensors"))
	mb, _ := os.ReadFile(filepath.Join(b, "model.safetensors"))
	if len(ma) == 0 || !bytes.Equal(ma, mb) {
		t.Fatal("resumed run ended with other weights than the uninterrupted one")
	}
	if code, _, stderr := run("train", "--resume", filepath.Join(dir, "none")); code == 0 || !strings.Contains(stderr, "not a run directory") {
		t.Fatalf("resume of a missing directory: exit %d, %s", code, stderr)
	}
}

func TestCkptCommands(t *testing.T) {
	data := shakespeareFile(t, 50000)
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	mustRun(t, trainArgs(data, out)...)
	final := filepath.Join(out, "ckpt", "step-000012.safetensors")

	s := mustRun(t, "ckpt", "inspect", final)
	for _, want := range []string{"checksum   ok (crc32c ", "model      2 layers, d=32, 2 heads, seq 32, vocab 256", "step 12 of 12, stage 1 with 2 real layers",
		"transformer.h.1.mlp.c_fc.weight", "[32 128]", "plus 56 AdamW moment tensors", `"lr": 0.001`} {
		if !strings.Contains(s, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, s)
		}
	}
	if s := mustRun(t, "ckpt", "verify", out); strings.Count(s, "ok  ") != 3 {
		t.Errorf("verify of the run directory:\n%s", s)
	}

	// Export the last checkpoint: the same file as the run's model.
	hf := filepath.Join(dir, "hf")
	mustRun(t, "ckpt", "export", final, "--format", "hf-gpt2", "--out", hf)
	got, _ := os.ReadFile(filepath.Join(hf, "model.safetensors"))
	want, _ := os.ReadFile(filepath.Join(out, "model.safetensors"))
	if !bytes.Equal(got, want) {
		t.Error("export of the final checkpoint differs from the run's model.safetensors")
	}
	// The export of a mid-progressive checkpoint runs at full depth
	// through the share map.
	mid := filepath.Join(dir, "mid")
	mustRun(t, "ckpt", "export", filepath.Join(out, "ckpt", "step-000004.safetensors"), "--out", mid)
	if b, _ := os.ReadFile(filepath.Join(mid, "config.json")); !strings.Contains(string(b), `"n_layer": 2`) {
		t.Errorf("mid-progressive export config:\n%s", b)
	}
	loss := evalLoss(t, filepath.Join(hf, "model.safetensors"), data)

	// Import the weights saved as a bare GPT2Model (no "transformer."
	// prefix, no config.json).
	f, err := safetensors.ReadFile(filepath.Join(hf, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Tensors {
		f.Tensors[i].Name = strings.TrimPrefix(f.Tensors[i].Name, "transformer.")
	}
	bare := filepath.Join(dir, "bare", "weights.safetensors")
	os.MkdirAll(filepath.Dir(bare), 0o755)
	if err := safetensors.WriteFile(bare, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	imp := filepath.Join(dir, "imported")
	if code, _, stderr := run("ckpt", "import", bare, "--out", imp); code == 0 || !strings.Contains(stderr, "pass --heads") {
		t.Fatalf("import without heads: exit %d, %s", code, stderr)
	}
	mustRun(t, "ckpt", "import", bare, "--out", imp, "--heads", "2")
	if l := evalLoss(t, filepath.Join(imp, "model.safetensors"), data); l != loss {
		t.Errorf("imported model: loss %v, exported %v", l, loss)
	}
	// Train from the bare file.
	init := filepath.Join(dir, "init")
	mustRun(t, append([]string{"train", "--data", data, "--out", init, "--steps", "2", "--init", bare}, smallModel...)...)

	// A damaged checkpoint fails verify and inspect.
	b, _ := os.ReadFile(final)
	b[len(b)-7] ^= 4
	os.WriteFile(final, b, 0o644)
	code, stdout, _ := run("ckpt", "verify", final)
	if code != 1 || !strings.Contains(stdout, "BAD "+final+": checksum mismatch") {
		t.Errorf("verify of a damaged file: exit %d, %s", code, stdout)
	}
	code, stdout, _ = run("ckpt", "inspect", final)
	if code != 1 || !strings.Contains(stdout, "FAILED: "+final+": checksum mismatch") {
		t.Errorf("inspect of a damaged file: exit %d, %s", code, stdout)
	}
	if code, _, stderr := run("ckpt", "frobnicate"); code != 1 || !strings.Contains(stderr, `unknown subcommand "frobnicate"`) {
		t.Errorf("unknown subcommand: exit %d, %s", code, stderr)
	}
}

// TestCkptHostileFiles gives the ckpt commands files whose headers claim
// far more than they hold: each fails with a one-line error, without
// allocating what the file claims.
func TestCkptHostileFiles(t *testing.T) {
	dir := t.TempDir()
	m, err := model.New(model.Config{Layers: 2, Dim: 32, Heads: 2, Seq: 16, Vocab: 256, Batch: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := ckpt.Write(&b, ckpt.FromTraining(m, optim.NewAdamW(m.Layout, 0.01)), ckpt.Options{}); err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b.Bytes())
	header := strings.Replace(string(b.Bytes()[8:8+n]), `\"n_embd\":32`, `\"n_embd\":65536`, 1)
	hostile := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	hostile = append(append(hostile, header...), b.Bytes()[8+n:]...)
	bad := filepath.Join(dir, "step-000001.safetensors")
	os.WriteFile(bad, hostile, 0o644)
	for _, args := range [][]string{
		{"ckpt", "verify", bad},
		{"ckpt", "inspect", bad},
		{"ckpt", "export", bad, "--out", filepath.Join(dir, "hf")},
	} {
		code, stdout, stderr := run(args...)
		if code != 1 || !strings.Contains(stdout+stderr, "n_embd 65536 exceeds the limit of 32768") || strings.Contains(stderr, "goroutine") {
			t.Errorf("%s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
		}
	}

	// Hugging Face weights with a stray block 99999999.
	weights := filepath.Join(dir, "hf", "model.safetensors")
	os.MkdirAll(filepath.Dir(weights), 0o755)
	ts := append(m.Tensors(), safetensors.NewF32("transformer.h.99999999.x", []int{1}, []float32{1}))
	if err := safetensors.WriteFile(weights, ts, nil); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run("ckpt", "import", weights, "--heads", "2", "--out", filepath.Join(dir, "imp1"))
	if code != 1 || !strings.Contains(stderr, "block 2 is missing, the highest is 99999999") {
		t.Errorf("import without config.json: exit %d, %s", code, stderr)
	}
	if err := model.WriteHFConfig(filepath.Join(dir, "hf", "config.json"), m.Config); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run("ckpt", "import", weights, "--out", filepath.Join(dir, "imp2"))
	if code != 1 || !strings.Contains(stderr, "tensor transformer.h.99999999.x belongs to block 99999999 of a 2-layer model") {
		t.Errorf("import with config.json: exit %d, %s", code, stderr)
	}
}
