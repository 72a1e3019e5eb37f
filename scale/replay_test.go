package scale

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"workbench/core/data"
	"workbench/core/grow"
	"workbench/core/runlog"
	"workbench/core/safetensors"
	"workbench/core/tokenize"
	"workbench/core/train"
	"workbench/core/wb"
	expinterp "workbench/plugins/expanders/interpolate"
	"workbench/plugins/expanders/stack"
	"workbench/plugins/samplers/lvps"
	shareinterp "workbench/plugins/sharemaps/interpolate"
)

const corpus = "../datasets/tinyshakespeare.txt"

// python returns an interpreter with torch and numpy, or skips the test
// (fails it when CI=true: CI installs them).
func python(t *testing.T) string {
	t.Helper()
	cands := []string{os.Getenv("WORKBENCH_PYTHON"), "/usr/bin/python3", "python3"}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if exec.Command(c, "-c", "import torch, numpy").Run() == nil {
			return c
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no python3 with torch and numpy (apt-get install -y python3-torch python3-numpy, or set WORKBENCH_PYTHON)")
	}
	t.Skip("no python3 with torch and numpy; skipping the replay equality test")
	return ""
}

// apolloConfig is a small Apollo run at the FLOPs budget of 40 full-depth
// steps: stages 1,2,4 with LVPS sampling and interpolation.
func apolloConfig(tokens string) (train.Config, train.Hooks) {
	c := train.Defaults()
	c.Data, c.Layers, c.Dim, c.Heads, c.Seq, c.Batch = tokens, 4, 32, 2, 16, 4
	c.Steps, c.EvalEvery, c.EvalBatches, c.LogEvery, c.Warmup = 40, 20, 2, 1, 0.1
	c.Stages, c.StageEnds = []int{1, 2, 4}, []float64{0.2, 0.5}
	c.Sampler, c.ShareMap, c.Expander, c.OptState, c.Method = "lvps", "interpolate", "interpolate", "keep", "apollo"
	c = wb.SameBudget(c)
	return c, train.Hooks{
		Sample: func(s grow.SampleState) (int, error) { return lvps.Sample(s), nil },
		Share:  func(real, depth int) ([]int, error) { return shareinterp.Share(real, depth), nil },
		Expand: func(o, n int) ([]int, error) { return expinterp.Expand(o, n), nil },
	}
}

// stackConfig is StackBERT-style stacking with the optimizer state reset
// at each expansion.
func stackConfig(tokens string) (train.Config, train.Hooks) {
	c := train.Defaults()
	c.Data, c.Layers, c.Dim, c.Heads, c.Seq, c.Batch = tokens, 4, 32, 2, 16, 4
	c.Steps, c.EvalEvery, c.EvalBatches, c.LogEvery, c.Warmup = 40, 20, 2, 1, 0.1
	c.Stages, c.StageEnds = []int{1, 2, 4}, []float64{0.3, 0.6}
	c.Expander, c.OptState, c.Method = "stack", "reset", "stack"
	return c, train.Hooks{Expand: func(o, n int) ([]int, error) { return stack.Expand(o, n), nil }}
}

// goRun trains c on the Go engine into dir.
func goRun(t *testing.T, c train.Config, h train.Hooks, dir string) {
	t.Helper()
	c.Out = dir
	tr, err := train.New(c, h)
	if err != nil {
		t.Fatal(err)
	}
	r, err := train.Start(tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// writeTokens writes the token directory of the corpus under the byte
// tokenizer, split as a text file is split (the last valFrac of its bytes).
func writeTokens(t *testing.T, dir string, valFrac float64) {
	t.Helper()
	if _, err := data.EncodeDir(tokenize.Bytes(), []string{corpus}, dir, data.SplitBytes, valFrac, nil); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a TCP port free at the time of the call.
func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// replay runs scale/replay.py on world ranks, started as torchrun would
// start them, and returns rank 0's output.
func replay(t *testing.T, py string, world int, args ...string) (string, error) {
	t.Helper()
	return startReplay(t, py, world, args...)()
}

// startReplay starts scale/replay.py on world ranks and returns the
// function that waits for them and returns rank 0's output.
func startReplay(t *testing.T, py string, world int, args ...string) func() (string, error) {
	t.Helper()
	port := freePort(t)
	cmds := make([]*exec.Cmd, world)
	outs := make([]*bytes.Buffer, world)
	for r := range cmds {
		cmd := exec.Command(py, append([]string{"replay.py", "--device", "cpu", "--threads", "1"}, args...)...)
		cmd.Env = append(os.Environ(), "MASTER_ADDR=127.0.0.1", "MASTER_PORT="+port, "OMP_NUM_THREADS=1",
			"RANK="+strconv.Itoa(r), "LOCAL_RANK="+strconv.Itoa(r), "WORLD_SIZE="+strconv.Itoa(world))
		outs[r] = &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = outs[r], outs[r]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[r] = cmd
	}
	return func() (string, error) {
		var first error
		for r, cmd := range cmds {
			if err := cmd.Wait(); err != nil && first == nil {
				first = fmt.Errorf("rank %d: %v: %s", r, err, outs[r])
			}
		}
		return outs[0].String(), first
	}
}

// readLog reads a run's JSON-lines log of typed records (runlog.Metrics
// or runlog.Event), as workbench compare reads it.
func readLog[T any](t *testing.T, path string) []T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		out = append(out, v)
	}
	return out
}

func readMetrics(t *testing.T, dir string) map[int]runlog.Metrics {
	t.Helper()
	out := map[int]runlog.Metrics{}
	for _, m := range readLog[runlog.Metrics](t, filepath.Join(dir, runlog.MetricsFile)) {
		if math.IsNaN(m.TrainBPB) {
			t.Fatalf("%s: step %d has no train_bpb", dir, m.Step)
		}
		out[m.Step] = m
	}
	return out
}

func finalVal(t *testing.T, dir string) float64 {
	t.Helper()
	s, err := runlog.ReadSummary(filepath.Join(dir, runlog.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	return s.ValLoss
}

// maxWeightDiff returns the largest absolute difference between two
// model.safetensors files with the same tensors.
func maxWeightDiff(t *testing.T, a, b string) float64 {
	t.Helper()
	fa, err := safetensors.ReadFile(filepath.Join(a, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	fb, err := safetensors.ReadFile(filepath.Join(b, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	n := 0
	for _, ta := range fa.Tensors {
		tb, ok := fb.Tensor(ta.Name)
		if !ok {
			t.Fatalf("%s has no tensor %s", b, ta.Name)
		}
		va, _ := ta.Float32s()
		vb, _ := tb.Float32s()
		if len(va) != len(vb) {
			t.Fatalf("tensor %s: %d and %d values", ta.Name, len(va), len(vb))
		}
		for i := range va {
			worst = math.Max(worst, math.Abs(float64(va[i]-vb[i])))
		}
		n++
	}
	if n == 0 || n != len(fb.Tensors) {
		t.Fatalf("%s and %s hold %d and %d tensors", a, b, n, len(fb.Tensors))
	}
	return worst
}

// compareRuns checks a replay against a reference run: every step's
// training loss, every validation loss logged during training and around
// expansions within lossTol, the final validation loss within lossTol
// and the final weights within weightTol. With sameVal unset (BERT, whose
// validation masks the replay draws itself) validation losses are only
// reported, not compared.
func compareRuns(t *testing.T, what, ref, got string, lossTol, weightTol float64, sameVal bool) {
	t.Helper()
	mr, mg := readMetrics(t, ref), readMetrics(t, got)
	if len(mr) != len(mg) || len(mr) < 2 {
		t.Fatalf("%s: %d and %d logged steps", what, len(mr), len(mg))
	}
	var worst float64
	for s, r := range mr {
		g, ok := mg[s]
		if !ok {
			t.Fatalf("%s: step %d missing from %s", what, s, got)
		}
		worst = math.Max(worst, math.Abs(r.TrainLoss-g.TrainLoss))
		if r.HasVal != g.HasVal {
			t.Fatalf("%s: step %d evaluated in one run only", what, s)
		}
		if r.HasVal && sameVal {
			worst = math.Max(worst, math.Abs(r.ValLoss-g.ValLoss))
		}
	}
	er := readLog[runlog.Event](t, filepath.Join(ref, runlog.EventsFile))
	eg := readLog[runlog.Event](t, filepath.Join(got, runlog.EventsFile))
	if len(er) != len(eg) {
		t.Fatalf("%s: %d and %d expansions", what, len(er), len(eg))
	}
	for i := range er {
		r, g := er[i], eg[i]
		if r.Step != g.Step || r.From != g.From || r.To != g.To || !slices.Equal(r.Map, g.Map) || (r.ValFullBefore == nil) != (g.ValFullBefore == nil) {
			t.Fatalf("%s: expansion %d: %+v and %+v", what, i, r, g)
		}
		if r.ValNativeBeforeBPB == nil {
			t.Fatalf("%s: expansion %d lacks bits per byte (the bytes of the text are known): %+v", what, i, r)
		}
		for _, bpb := range [][2]*float64{
			{r.ValFullBeforeBPB, g.ValFullBeforeBPB}, {r.ValFullAfterBPB, g.ValFullAfterBPB},
			{r.ValNativeBeforeBPB, g.ValNativeBeforeBPB}, {r.ValNativeAfterBPB, g.ValNativeAfterBPB},
		} {
			if (bpb[0] == nil) != (bpb[1] == nil) {
				t.Fatalf("%s: expansion %d has bits per byte in one run only: %+v and %+v", what, i, r, g)
			}
			if sameVal && bpb[0] != nil {
				// In nats per byte: no larger than the difference in
				// nats per token while a token holds at least a byte.
				worst = math.Max(worst, math.Abs(*bpb[0]-*bpb[1])*math.Ln2)
			}
		}
		if !sameVal {
			continue
		}
		worst = math.Max(worst, math.Max(math.Abs(r.ValNativeBefore-g.ValNativeBefore), math.Abs(r.ValNativeAfter-g.ValNativeAfter)))
		if r.ValFullBefore != nil {
			worst = math.Max(worst, math.Max(math.Abs(*r.ValFullBefore-*g.ValFullBefore), math.Abs(*r.ValFullAfter-*g.ValFullAfter)))
		}
	}
	dv := math.Abs(finalVal(t, ref) - finalVal(t, got))
	dw := maxWeightDiff(t, ref, got)
	t.Logf("%s: %d steps, %d expansions, max |train or val loss diff| %.3g, final val loss diff %.3g, max |weight diff| %.3g", what, len(mr), len(er), worst, dv, dw)
	if !sameVal {
		dv = 0
	}
	if worst > lossTol || dv > lossTol || dw > weightTol {
		t.Errorf("%s: differences %.3g (train loss), %.3g (val loss), %.3g (weights) exceed %g, %g, %g", what, worst, dv, dw, lossTol, lossTol, weightTol)
	}
}

// equalitySetup starts an equality test: the Python to run, a temporary
// directory, the corpus's token directory in it and the start time. It
// skips under -short (the test starts PyTorch several times).
func equalitySetup(t *testing.T) (py, tmp, tok string, start time.Time) {
	t.Helper()
	py = python(t)
	if testing.Short() {
		t.Skip("starts PyTorch several times")
	}
	start = time.Now()
	tmp = t.TempDir()
	tok = filepath.Join(tmp, "tokens")
	writeTokens(t, tok, train.Defaults().ValFrac)
	return py, tmp, tok, start
}

// TestReplayEqualsGoEngine trains a small Apollo run (two expansions, LVPS
// sampling, FLOPs-budget stages) and a stacking run with the optimizer
// state reset on the Go engine, replays their plans with PyTorch on CPU
// over gloo, and requires the same numbers.
func TestReplayEqualsGoEngine(t *testing.T) {
	py, tmp, tok, start := equalitySetup(t)
	ac, ah := apolloConfig(tok)

	plan := func(name string, c train.Config, h train.Hooks) string {
		dir := filepath.Join(tmp, "plan-"+name)
		p, err := train.WritePlan(c, h, dir, true)
		if err != nil {
			t.Fatal(err)
		}
		if p.Expansions != 2 || p.Steps < 40 {
			t.Fatalf("%s plan: %d steps, %d expansions; want at least 40 steps and 2 expansions", name, p.Steps, p.Expansions)
		}
		return dir
	}
	apolloPlan := plan("apollo", ac, ah)
	sc, sh := stackConfig(tok)
	stackPlan := plan("stack", sc, sh)
	// The replays start first: most of their time is PyTorch's start-up,
	// which overlaps the Go runs.
	runs := []struct {
		name, plan string
		world      int
	}{{"apollo-2", apolloPlan, 2}, {"apollo-1", apolloPlan, 1}, {"stack-2", stackPlan, 2}}
	waits := make([]func() (string, error), len(runs))
	for i, r := range runs {
		waits[i] = startReplay(t, py, r.world, "--plan", r.plan, "--data", tok, "--out", filepath.Join(tmp, r.name))
	}
	goApollo, goStack := filepath.Join(tmp, "go-apollo"), filepath.Join(tmp, "go-stack")
	goRun(t, ac, ah, goApollo)
	goRun(t, sc, sh, goStack)
	for i, r := range runs {
		if _, err := waits[i](); err != nil {
			t.Fatalf("replay %s: %v", r.name, err)
		}
	}
	compareRuns(t, "apollo, 2 ranks vs Go", goApollo, filepath.Join(tmp, "apollo-2"), 1e-4, 1e-3, true)
	compareRuns(t, "apollo, 1 rank vs 2 ranks", filepath.Join(tmp, "apollo-1"), filepath.Join(tmp, "apollo-2"), 1e-5, 1e-5, true)
	compareRuns(t, "stack --opt-state reset, 2 ranks vs Go", goStack, filepath.Join(tmp, "stack-2"), 1e-4, 1e-3, true)
	t.Logf("took %v", time.Since(start).Round(time.Second))
}

// TestReplayBERTEqualsGoEngine trains a small BERT Apollo run (two
// expansions, LVPS sampling) on the Go engine, replays its plan, whose
// step lines carry the masked sequences, with PyTorch on 2 gloo ranks, and
// requires the same training loss at every step and the same final
// weights. The replay's validation losses use its own masks and are not
// compared. The plan without --batches is replayed on 1 and 2 ranks,
// which draw the same sequences and so must agree.
func TestReplayBERTEqualsGoEngine(t *testing.T) {
	py, tmp, tok, start := equalitySetup(t)
	c, h := apolloConfig(tok)
	c.Arch = "bert"
	c = wb.SameBudget(c)
	dir := filepath.Join(tmp, "plan")
	p, err := train.WritePlan(c, h, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if p.Expansions != 2 {
		t.Fatalf("plan: %d steps, %d expansions; want 2 expansions", p.Steps, p.Expansions)
	}
	own := filepath.Join(tmp, "plan-own")
	if _, err := train.WritePlan(c, h, own, false); err != nil {
		t.Fatal(err)
	}
	waits := []func() (string, error){
		startReplay(t, py, 2, "--plan", dir, "--data", tok, "--out", filepath.Join(tmp, "bert-2")),
		startReplay(t, py, 1, "--plan", own, "--data", tok, "--out", filepath.Join(tmp, "own-1")),
		startReplay(t, py, 2, "--plan", own, "--data", tok, "--out", filepath.Join(tmp, "own-2")),
	}
	goBERT := filepath.Join(tmp, "go-bert")
	goRun(t, c, h, goBERT)
	for _, wait := range waits {
		if _, err := wait(); err != nil {
			t.Fatalf("replay: %v", err)
		}
	}
	compareRuns(t, "bert apollo, 2 ranks vs Go", goBERT, filepath.Join(tmp, "bert-2"), 1e-4, 1e-3, false)
	compareRuns(t, "bert apollo without --batches, 1 rank vs 2 ranks", filepath.Join(tmp, "own-1"), filepath.Join(tmp, "own-2"), 1e-5, 1e-5, true)
	t.Logf("took %v", time.Since(start).Round(time.Second))
}

// TestReplayBadInput checks that the replay stops before training with one
// line naming the file (and line) for each kind of bad input.
func TestReplayBadInput(t *testing.T) {
	py := python(t)
	tmp := t.TempDir()
	tok := filepath.Join(tmp, "tokens")
	writeTokens(t, tok, train.Defaults().ValFrac)
	c, h := stackConfig(tok)
	c.Steps = 6
	good := filepath.Join(tmp, "plan")
	if _, err := train.WritePlan(c, h, good, true); err != nil {
		t.Fatal(err)
	}
	narrow := c
	narrow.Dim = 16
	if _, err := train.WritePlan(narrow, h, filepath.Join(tmp, "narrow"), true); err != nil {
		t.Fatal(err)
	}
	steps, err := os.ReadFile(filepath.Join(good, train.PlanStepsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(steps), "\n")
	copyPlan := func(name string, edit func(dir string)) string {
		dir := filepath.Join(tmp, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{train.PlanConfigFile, train.PlanStepsFile, train.PlanInitFile} {
			b, err := os.ReadFile(filepath.Join(good, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		edit(dir)
		return dir
	}
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	editConfig := func(dir, key string, v any) {
		p := filepath.Join(dir, train.PlanConfigFile)
		var m map[string]any
		b, _ := os.ReadFile(p)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m[key] = v
		b, _ = json.Marshal(m)
		write(p, string(b))
	}
	cases := []struct {
		name, plan, world, want string
	}{
		{"vocabulary", copyPlan("vocab", func(d string) { editConfig(d, "vocab_size", 300) }), "1",
			"tokens/meta.json: vocabulary of 256, but " + filepath.Join(tmp, "vocab", "config.json") + " has vocab_size 300"},
		{"tokenizer", copyPlan("hash", func(d string) { editConfig(d, "tokenizer_hash", "abc") }), "1",
			"tokens/meta.json: tokenizer_hash "},
		{"init shapes", copyPlan("shapes", func(d string) {
			b, _ := os.ReadFile(filepath.Join(tmp, "narrow", train.PlanInitFile))
			write(filepath.Join(d, train.PlanInitFile), string(b))
		}), "1", "init.safetensors: tensor transformer.wte.weight has shape [256, 16], config.json wants [256, 32]"},
		{"truncated", copyPlan("cut", func(d string) {
			write(filepath.Join(d, train.PlanStepsFile), strings.Join(lines[:3], "")+lines[3][:10])
		}), "1", "plan.jsonl:4: truncated line"},
		{"step missing", copyPlan("gap", func(d string) {
			write(filepath.Join(d, train.PlanStepsFile), strings.Join(lines[:2], "")+strings.Join(lines[3:], ""))
		}), "1", "plan.jsonl:3: step 3, want 2 (a step is missing)"},
		{"world size", good, "3", "config.json: world size 3 does not divide the micro-batch of 4 sequences"},
	}
	// One interpreter runs every case: PyTorch starts once.
	var spec []map[string]string
	for i, tc := range cases {
		spec = append(spec, map[string]string{"plan": tc.plan, "world": tc.world, "out": filepath.Join(tmp, "out"+strconv.Itoa(i))})
	}
	b, _ := json.Marshal(spec)
	driver := `
import contextlib, io, json, os, sys
import replay
for c in json.loads(sys.argv[1]):
    os.environ["WORLD_SIZE"] = c["world"]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = replay.main(["--plan", c["plan"], "--data", sys.argv[2], "--out", c["out"], "--device", "cpu"])
    print(json.dumps({"code": code, "stderr": err.getvalue()}))
`
	out, err := exec.Command(py, "-c", driver, string(b), tok).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	results := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(results) != len(cases) {
		t.Fatalf("%d results for %d cases: %s", len(results), len(cases), out)
	}
	for i, tc := range cases {
		var r struct {
			Code   int    `json:"code"`
			Stderr string `json:"stderr"`
		}
		if err := json.Unmarshal([]byte(results[i]), &r); err != nil {
			t.Fatalf("%s: %v: %s", tc.name, err, results[i])
		}
		msg := strings.TrimSpace(r.Stderr)
		if r.Code != 2 || strings.Count(msg, "\n") > 0 || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: exit %d, message %q; want one line containing %q", tc.name, r.Code, msg, tc.want)
		}
		if _, err := os.Stat(spec[i]["out"]); err == nil {
			t.Errorf("%s: the replay created its output directory before stopping", tc.name)
		}
	}
}
