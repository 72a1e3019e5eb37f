package train

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"workbench/core/grow"
	"workbench/core/kern"
	"workbench/core/runlog"
)

// smallConfig is a model small enough to train in well under a second.
func smallConfig(t *testing.T, text string) Config {
	t.Helper()
	p := filepath.Join(t.TempDir(), "data.txt")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c := Defaults()
	c.Data, c.Layers, c.Dim, c.Heads, c.Seq, c.Batch = p, 2, 32, 2, 16, 4
	c.Steps, c.EvalEvery, c.EvalBatches, c.Warmup = 40, 10, 2, 0.1
	return c
}

var shakespeare = func() string {
	b, err := os.ReadFile("../../datasets/tinyshakespeare.txt")
	if err != nil {
		panic(err)
	}
	return string(b[:60000])
}()

func TestOverfitShortString(t *testing.T) {
	// Every character is unique in the period, so each byte determines the
	// next one exactly: a model that memorised the string has loss near 0.
	c := smallConfig(t, strings.Repeat("abcdefghijklmnopqrstuvwxyz,.ABCDEFGHIJKLMNOPQRSTUVWXYZ!? ", 30))
	c.Steps, c.LR, c.MinLR = 250, 3e-3, 3e-3
	tr, err := New(c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	var loss float64
	for !tr.Done() {
		r, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		loss = r.Loss
	}
	if loss > 0.05 {
		t.Fatalf("final training loss %.3f, want < 0.05 (memorised)", loss)
	}
}

func trainLosses(t *testing.T, c Config, hooks Hooks) []float64 {
	t.Helper()
	tr, err := New(c, hooks)
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for !tr.Done() {
		if n := tr.DueExpansion(); n > 0 {
			if _, err := tr.Expand(n); err != nil {
				t.Fatal(err)
			}
		}
		r, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Loss)
	}
	return out
}

func TestDeterminism(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Steps = 8
	defer kern.SetThreads(kern.Threads())
	kern.SetThreads(2)
	a := trainLosses(t, c, Hooks{})
	b := trainLosses(t, c, Hooks{})
	kern.SetThreads(1)
	d := trainLosses(t, c, Hooks{})
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("step %d: same seed gave losses %v and %v", i+1, a[i], b[i])
		}
		if a[i] != d[i] {
			t.Errorf("step %d: 2 threads gave %v, 1 thread %v", i+1, a[i], d[i])
		}
	}
	c.Seed = 2
	e := trainLosses(t, c, Hooks{})
	if e[0] == a[0] {
		t.Fatal("a different seed gave the same first loss")
	}
}

// apolloHooks are native stand-ins for the shipped plugins: uniform depth
// sampling, the interpolation share map and expander.
func apolloHooks() Hooks {
	share := func(n, depth int) ([]int, error) {
		ids := make([]int, depth)
		for i := range ids {
			ids[i] = i * n / depth
		}
		return ids, nil
	}
	return Hooks{
		Sample: func(s grow.SampleState) (int, error) { return s.Real + s.Rand.IntN(s.Target-s.Real+1), nil },
		Share:  share,
		Expand: share,
	}
}

func TestProgressiveRunLogsExpansions(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Stages, c.StageEnds, c.Steps = 4, []int{1, 2, 4}, []float64{0.25, 0.5}, 12
	c.Out = filepath.Join(t.TempDir(), "run")
	c.Method = "apollo"
	trainRun(t, c, apolloHooks()).Close()
	ev, _ := os.ReadFile(filepath.Join(c.Out, "events.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(ev)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d expansion events, want 2:\n%s", len(lines), ev)
	}
	for i, want := range []struct {
		step, from, to int
		src            []int
	}{{3, 1, 2, []int{0, 0}}, {6, 2, 4, []int{0, 0, 1, 1}}} {
		var e runlog.Event
		if err := json.Unmarshal([]byte(lines[i]), &e); err != nil {
			t.Fatal(err)
		}
		if e.Step != want.step || e.From != want.from || e.To != want.to || !equalInts(e.Map, want.src) {
			t.Errorf("event %d = %+v, want %+v", i, e, want)
		}
		if e.ValFullBefore == nil || e.ValFullAfter == nil {
			t.Fatalf("event %d lacks the full-depth losses: %s", i, lines[i])
		}
		// Interpolation with N_old | N_new | L keeps the full-depth
		// function: the same loss, bit for bit.
		if *e.ValFullBefore != *e.ValFullAfter {
			t.Errorf("event %d: full-depth loss changed across interpolation: %v -> %v", i, *e.ValFullBefore, *e.ValFullAfter)
		}
		if e.ValNativeBefore == e.ValNativeAfter {
			t.Errorf("event %d: native-depth loss did not change (%v)", i, e.ValNativeBefore)
		}
	}
	m, _ := os.ReadFile(filepath.Join(c.Out, "metrics.jsonl"))
	ml := strings.Split(strings.TrimSpace(string(m)), "\n")
	if len(ml) != c.Steps {
		t.Fatalf("%d metrics lines, want %d", len(ml), c.Steps)
	}
	var last runlog.Metrics
	if err := json.Unmarshal([]byte(ml[len(ml)-1]), &last); err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	json.Unmarshal([]byte(ml[len(ml)-1]), &keys)
	for _, k := range []string{"step", "tokens", "flops", "stage", "depth", "sampled_depth", "lr", "train_loss", "grad_norm", "val_loss", "tokens_per_s", "wall_s"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("last metrics line lacks %q: %s", k, ml[len(ml)-1])
		}
	}
	if last.Step != c.Steps || last.Stage != 2 || last.Depth != 4 || !last.HasVal || len(last.SampledDepth) != 1 {
		t.Errorf("last metrics line %+v, want step %d, stage 2, depth 4, one sampled depth and a val_loss", last, c.Steps)
	}
	for _, f := range []string{"config.json", "model.safetensors", "summary.json"} {
		if _, err := os.Stat(filepath.Join(c.Out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestExpansionEventsInBitsPerByte checks that each validation loss of an
// expansion event comes with its bits per byte: nats per token × tokens
// of the validation split ÷ its bytes ÷ ln 2. A subword tokenizer makes
// tokens per byte differ from 1, so a missing factor shows.
func TestExpansionEventsInBitsPerByte(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Tokenizer = "gpt2"
	c.Layers, c.Stages, c.StageEnds, c.Steps = 2, []int{1, 2}, []float64{0.5}, 4
	c.Out = filepath.Join(t.TempDir(), "run")
	c.Method = "apollo"
	r := trainRun(t, c, apolloHooks())
	perByte := float64(r.Data.Val.Len()) / float64(r.Data.ValBytes)
	if perByte > 0.5 {
		t.Fatalf("%v validation tokens per byte; want a subword tokenizer", perByte)
	}
	ev, _ := os.ReadFile(filepath.Join(c.Out, "events.jsonl"))
	var e runlog.Event
	if err := json.Unmarshal(ev, &e); err != nil {
		t.Fatalf("%v: %s", err, ev)
	}
	for _, l := range []struct {
		name string
		nats *float64
		bpb  *float64
	}{
		{"full before", e.ValFullBefore, e.ValFullBeforeBPB},
		{"full after", e.ValFullAfter, e.ValFullAfterBPB},
		{"native before", &e.ValNativeBefore, e.ValNativeBeforeBPB},
		{"native after", &e.ValNativeAfter, e.ValNativeAfterBPB},
	} {
		if l.nats == nil || l.bpb == nil {
			t.Fatalf("%s: loss or bits per byte missing in %s", l.name, ev)
		}
		want := *l.nats * perByte / math.Ln2
		if math.IsNaN(*l.bpb) || math.IsInf(*l.bpb, 0) || math.Abs(*l.bpb-want) > 1e-12*want {
			t.Errorf("%s: %v bits per byte for %v nats per token, want %v", l.name, *l.bpb, *l.nats, want)
		}
	}
}

func TestStackingChangesFullDepthLoss(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Stages, c.StageEnds, c.Steps = 4, []int{2, 4}, []float64{0.5}, 4
	h := apolloHooks()
	h.Expand = func(o, n int) ([]int, error) {
		s := make([]int, n)
		for i := range s {
			s[i] = i % o
		}
		return s, nil
	}
	tr, _ := New(c, h)
	for i := 0; i < 2; i++ {
		tr.TrainStep()
	}
	before, _ := tr.ValLoss(4)
	tr.Expand(4)
	after, _ := tr.ValLoss(4)
	if before == after {
		t.Fatalf("stacking left the full-depth loss unchanged (%v)", before)
	}
}

func TestFlopsMatchFormulaForSchedule(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Stages, c.StageEnds, c.Steps, c.Accum = 4, []int{1, 2, 4}, []float64{0.25, 0.5}, 8, 2
	var depths []int
	h := apolloHooks()
	sample := h.Sample
	h.Sample = func(s grow.SampleState) (int, error) {
		d, err := sample(s)
		depths = append(depths, d)
		return d, err
	}
	tr, _ := New(c, h)
	want := 0.0
	for !tr.Done() {
		if n := tr.DueExpansion(); n > 0 {
			tr.Expand(n)
		}
		before := len(depths)
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
		ds := depths[before:]
		if len(ds) == 0 { // full depth: the sampler is not asked
			ds = []int{4, 4}
		}
		for _, d := range ds {
			// 6·B·T·(L'·12·d² + d·V) + 12·L'·B·T²·d with B=4, T=16, d=32, V=256
			want += 6*64*(float64(d)*12*1024+32*256) + 12*float64(d)*4*256*32
		}
	}
	if math.Abs(tr.Flops-want) > 1e-6*want {
		t.Fatalf("FLOPs %g, want %g", tr.Flops, want)
	}
}

func TestOptimizerStatePolicies(t *testing.T) {
	for _, policy := range []string{"keep", "copy", "reset"} {
		t.Run(policy, func(t *testing.T) {
			c := smallConfig(t, shakespeare)
			c.Layers, c.Stages, c.StageEnds, c.Steps, c.OptState = 4, []int{2, 4}, []float64{0.5}, 4, policy
			tr, _ := New(c, apolloHooks())
			tr.TrainStep()
			tr.TrainStep()
			l := tr.Model.Layout
			m1 := append([]float32(nil), l.GroupData(tr.Opt.M, 2)...) // block 1 (group 2)
			steps1 := tr.Opt.Steps[2]
			if _, err := tr.Expand(4); err != nil {
				t.Fatal(err)
			}
			// interpolation 2->4: new slots [0 0 1 1]; slot 1 takes old 0, slot 2 takes old 1.
			slot2M, slot1M := l.GroupData(tr.Opt.M, 3), l.GroupData(tr.Opt.M, 2)
			switch policy {
			case "keep":
				if tr.Opt.Steps[3] != 0 || slot2M[0] != 0 || slot1M[0] != m1[0] {
					t.Fatal("keep: moments did not stay with their slots")
				}
			case "copy":
				if tr.Opt.Steps[3] != steps1 || slot2M[0] != m1[0] {
					t.Fatal("copy: moments did not follow the copied weights")
				}
			case "reset":
				for g, s := range tr.Opt.Steps {
					if s != 0 {
						t.Fatalf("reset: group %d has step %d", g, s)
					}
				}
			}
		})
	}
}

func TestMSLTFreezesOldBlocks(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Stages, c.StageEnds, c.Steps, c.Freeze = 4, []int{1, 2, 4}, []float64{0.25, 0.5}, 8, true
	h := apolloHooks()
	h.Sample, h.Share = nil, nil
	h.Expand = func(o, n int) ([]int, error) {
		s := make([]int, n)
		for i := range s {
			s[i] = i
			if i >= o {
				s[i] = o - 1 // new top layers copy the top one
			}
		}
		return s, nil
	}
	c.EvalDepth = "native"
	tr, err := New(c, h)
	if err != nil {
		t.Fatal(err)
	}
	for tr.Step < 2 {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	tr.Expand(2)
	frozen := append([]float32(nil), tr.Model.Layout.GroupData(tr.Model.Params.Data, 1)...)
	if _, err := tr.TrainStep(); err != nil {
		t.Fatal(err)
	}
	for i, v := range tr.Model.Layout.GroupData(tr.Model.Params.Data, 1) {
		if v != frozen[i] {
			t.Fatal("block 0 changed while frozen")
		}
	}
	tr.Expand(4)
	tr.TrainStep()
	for i, v := range tr.Model.Layout.GroupData(tr.Model.Params.Data, 1) {
		if v != frozen[i] {
			return // the last stage trains everything
		}
	}
	t.Fatal("block 0 still frozen in the last stage")
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStateRestoreContinuesExactly(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Stages, c.StageEnds, c.Steps = 4, []int{1, 2, 4}, []float64{0.25, 0.5}, 10
	checkRestoreContinues(t, c)
}

// checkRestoreContinues trains c with expansions, restores a second
// trainer from the first one's state after 4 steps and requires the
// remaining losses to equal the uninterrupted run's bit for bit.
func checkRestoreContinues(t *testing.T, c Config) {
	t.Helper()
	full := trainLosses(t, c, apolloHooks())
	a, _ := New(c, apolloHooks())
	for a.Step < 4 {
		if n := a.DueExpansion(); n > 0 {
			a.Expand(n)
		}
		a.TrainStep()
	}
	s, err := a.State()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(c, apolloHooks())
	copy(b.Model.Params.Data, a.Model.Params.Data)
	copy(b.Opt.M, a.Opt.M)
	copy(b.Opt.V, a.Opt.V)
	copy(b.Opt.Steps, a.Opt.Steps)
	if err := b.Restore(s); err != nil {
		t.Fatal(err)
	}
	for i := 4; !b.Done(); i++ {
		if n := b.DueExpansion(); n > 0 {
			b.Expand(n)
		}
		r, err := b.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if r.Loss != full[i] {
			t.Fatalf("step %d after restore: loss %v, uninterrupted run %v", i+1, r.Loss, full[i])
		}
	}
}
