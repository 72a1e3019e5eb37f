package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"workbench/core/fsutil"
	"workbench/core/model"
)

// ErrInterrupted is returned by Run when its context ends before training
// does; the run directory then holds the model and logs up to the last
// completed step.
var ErrInterrupted = errors.New("training interrupted")

// Run is a training run writing to its run directory.
type Run struct {
	*Trainer
	Dir    string
	Status io.Writer // live progress lines; nil for none

	metrics, events *os.File
	lastLog         time.Time
	lastLogTokens   int64
	lastLogWall     float64
	isTerminal      bool
}

// RunDir returns the run directory of cfg: cfg.Out, or checkpoints/<name>.
func RunDir(cfg Config) string {
	if cfg.Out != "" {
		return cfg.Out
	}
	return filepath.Join("checkpoints", cfg.Name)
}

// DefaultName returns a run name made of the method, the seed and the
// current time, e.g. baseline-s1-20260102-150405.
func DefaultName(cfg Config) string {
	return fmt.Sprintf("%s-s%d-%s", cfg.Method, cfg.Seed, time.Now().Format("20060102-150405"))
}

// Start creates the run directory (which must not exist or be empty),
// writes config.json and opens the logs.
func Start(t *Trainer, progress io.Writer) (*Run, error) {
	if t.Config.Name == "" {
		t.Config.Name = DefaultName(t.Config)
	}
	dir := RunDir(t.Config)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("run directory %s already exists and is not empty; choose another --out or --name", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating run directory: %v", err)
	}
	r := &Run{Trainer: t, Dir: dir, Status: progress}
	if f, ok := progress.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			r.isTerminal = true
		}
	}
	if err := writeJSON(filepath.Join(dir, "config.json"), r.configJSON()); err != nil {
		return nil, err
	}
	var err error
	if r.metrics, err = os.OpenFile(filepath.Join(dir, "metrics.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return nil, err
	}
	if r.events, err = os.OpenFile(filepath.Join(dir, "events.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return nil, err
	}
	return r, nil
}

// configJSON merges the Hugging Face model configuration (so that
// transformers.GPT2Config reads the file) with every run setting.
func (r *Run) configJSON() map[string]any {
	out := map[string]any{}
	put := func(v any) {
		b, _ := json.Marshal(v)
		json.Unmarshal(b, &out)
	}
	put(r.Model.Config.HF())
	put(r.Config)
	out["data_sha256"] = r.Data.SHA256
	out["data_bytes"] = r.Data.Bytes
	out["params"] = r.Model.Config.NumParams()
	out["git_revision"] = gitRevision()
	out["workbench_version"] = 1
	return out
}

// Close closes the logs.
func (r *Run) Close() error {
	return errors.Join(r.metrics.Close(), r.events.Close())
}

// Run trains until done or until ctx ends, evaluating, logging and
// expanding on schedule, then evaluates the whole validation split and
// writes model.safetensors and summary.json. It returns ErrInterrupted
// (after saving) when ctx ends first.
func (r *Run) Run(ctx context.Context) error {
	c := &r.Config
	r.lastLog = time.Now()
	for !r.Done() {
		if ctx.Err() != nil {
			if err := r.Finish(true); err != nil {
				return err
			}
			return ErrInterrupted
		}
		if n := r.DueExpansion(); n > 0 {
			if err := r.ExpandLogged(n); err != nil {
				return err
			}
		}
		res, err := r.TrainStep()
		if err != nil {
			return fmt.Errorf("step %d: %w", r.Step+1, err)
		}
		if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
			return fmt.Errorf("step %d: training loss is %v; lower --lr or check the data", res.Step, res.Loss)
		}
		val := math.NaN()
		if r.Step%c.EvalEvery == 0 || r.Done() {
			if val, err = r.ValLoss(r.EvalDepth()); err != nil {
				return err
			}
		}
		if r.Step%c.LogEvery == 0 || !math.IsNaN(val) || r.Done() {
			if err := r.LogStep(res, val); err != nil {
				return err
			}
		}
		r.showProgress(res, val)
	}
	return r.Finish(false)
}

// LogStep appends one line to metrics.jsonl. val is NaN when the step was
// not evaluated.
func (r *Run) LogStep(res StepResult, val float64) error {
	now := time.Now()
	rate := float64(r.Tokens-r.lastLogTokens) / math.Max(r.WallSeconds-r.lastLogWall, 1e-9)
	r.lastLog, r.lastLogTokens, r.lastLogWall = now, r.Tokens, r.WallSeconds
	line := map[string]any{
		"step": r.Step, "tokens": r.Tokens, "flops": r.Flops, "stage": r.Stage, "depth": r.Real,
		"lr": res.LR, "train_loss": res.Loss, "grad_norm": res.GradNorm,
		"tokens_per_s": math.Round(rate), "wall_s": r.WallSeconds,
	}
	if len(res.SampledDepth) == 1 {
		line["sampled_depth"] = res.SampledDepth[0]
	} else {
		line["sampled_depth"] = res.SampledDepth
	}
	if !math.IsNaN(val) {
		line["val_loss"] = val
	}
	return appendJSONLine(r.metrics, line)
}

// ExpandLogged expands to newReal real layers and records the event with
// the validation loss just before and just after, at full depth through the
// share map and at native depth, on the same fixed validation windows.
func (r *Run) ExpandLogged(newReal int) error {
	full := r.Config.Layers
	before := r.Real
	fb, err := r.ValLoss(full)
	if err != nil {
		return err
	}
	nb, err := r.ValLoss(before)
	if err != nil {
		return err
	}
	src, err := r.Expand(newReal)
	if err != nil {
		return fmt.Errorf("expansion at step %d: %w", r.Step, err)
	}
	fa, err := r.ValLoss(full)
	if err != nil {
		return err
	}
	na, err := r.ValLoss(newReal)
	if err != nil {
		return err
	}
	return appendJSONLine(r.events, map[string]any{
		"event": "expand", "step": r.Step, "flops": r.Flops, "stage": r.Stage,
		"from": before, "to": newReal, "map": src,
		"val_full_before": fb, "val_full_after": fa,
		"val_native_before": nb, "val_native_after": na,
	})
}

// Summary is the record of a finished (or interrupted) run, written to
// summary.json.
type Summary struct {
	Steps        int     `json:"steps"`
	Tokens       int64   `json:"tokens"`
	Flops        float64 `json:"flops"`
	WallSeconds  float64 `json:"wall_s"`
	Interrupted  bool    `json:"interrupted"`
	ValLoss      float64 `json:"val_loss"`      // whole validation split, final model at full depth
	ValBPB       float64 `json:"bits_per_byte"` // the same in bits per byte
	ValTokens    int     `json:"val_tokens"`    // tokens predicted
	TokensPerSec float64 `json:"tokens_per_s"`
}

// Finish evaluates the final model on the whole validation split (at
// full depth if the run reached it, else at the evaluation depth) and
// writes model.safetensors and summary.json.
func (r *Run) Finish(interrupted bool) error {
	if r.isTerminal && r.Status != nil {
		fmt.Fprintln(r.Status)
	}
	plan, err := r.Plan(r.EvalDepth())
	if err != nil {
		return err
	}
	loss, n, err := EvalStream(r.Model, plan, r.Data.Val)
	if err != nil {
		return err
	}
	s := Summary{
		Steps: r.Step, Tokens: r.Tokens, Flops: r.Flops, WallSeconds: r.WallSeconds,
		Interrupted: interrupted, ValLoss: loss, ValBPB: loss / math.Ln2, ValTokens: n,
		TokensPerSec: float64(r.Tokens) / math.Max(r.WallSeconds, 1e-9),
	}
	if err := r.SaveModel(filepath.Join(r.Dir, "model.safetensors")); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(r.Dir, "summary.json"), s); err != nil {
		return err
	}
	if r.Status != nil {
		fmt.Fprintf(r.Status, "done: %d steps, %.3g FLOPs, %.0f s; validation loss %.4f nats/token (%.4f bits/byte) on %d tokens; wrote %s\n",
			r.Step, r.Flops, r.WallSeconds, loss, s.ValBPB, n, r.Dir)
	}
	return nil
}

// SaveModel writes the weights of the model as the current stage would
// run it at full depth: when the real depth is below the target, the
// exported block i is physical block plan[i] of the full-depth plan, so the
// file is an ordinary GPT-2 that PyTorch runs unchanged.
func (t *Trainer) SaveModel(path string) error {
	plan, err := t.Plan(t.EvalDepth())
	if err != nil {
		return err
	}
	m := t.Model
	if len(plan) != m.Config.Layers || !isIdentity(plan) {
		c := m.Config
		c.Layers = len(plan)
		c.Batch = 1
		flat, err := model.New(c, 0)
		if err != nil {
			return err
		}
		copy(flat.Params.WTE, m.Params.WTE)
		copy(flat.Params.WPE, m.Params.WPE)
		copy(flat.Params.LNFW, m.Params.LNFW)
		copy(flat.Params.LNFB, m.Params.LNFB)
		for i, p := range plan {
			copy(flat.Layout.GroupData(flat.Params.Data, model.BlockGroup(i)), m.Layout.GroupData(m.Params.Data, model.BlockGroup(p)))
		}
		m = flat
	}
	return m.WriteSafetensors(path, map[string]string{"format": "pt", "producer": "workbench"})
}

func isIdentity(p []int) bool {
	for i, v := range p {
		if v != i {
			return false
		}
	}
	return true
}

// EvalStream returns the mean loss of m running plan over tokens, and the
// number of tokens predicted. It uses strided, non-overlapping windows of
// the model's sequence length: window w feeds tokens[w·T : w·T+T] and
// predicts the next token at each position, so every token after the first
// is predicted exactly once, with the context of the preceding tokens in
// its window; the last, shorter window is included.
func EvalStream(m *model.Model, plan []int, tokens []int32) (float64, int, error) {
	T, B := m.Config.Seq, m.Config.Batch
	n := len(tokens) - 1
	if n < 1 {
		return 0, 0, fmt.Errorf("need at least 2 tokens to evaluate, got %d", len(tokens))
	}
	full := n / T
	x := make([]int32, B*T)
	y := make([]int32, B*T)
	var sum float64
	for w := 0; w < full; w += B {
		b := B
		if full-w < b {
			b = full - w
		}
		for i := 0; i < b; i++ {
			s := (w + i) * T
			copy(x[i*T:(i+1)*T], tokens[s:s+T])
			copy(y[i*T:(i+1)*T], tokens[s+1:s+1+T])
		}
		l, err := m.Forward(plan, x[:b*T], y[:b*T], b, T)
		if err != nil {
			return 0, 0, err
		}
		sum += l * float64(b*T)
	}
	if rem := n - full*T; rem > 0 {
		s := full * T
		l, err := m.Forward(plan, tokens[s:s+rem], tokens[s+1:s+1+rem], 1, rem)
		if err != nil {
			return 0, 0, err
		}
		sum += l * float64(rem)
	}
	return sum / float64(n), n, nil
}

func (r *Run) showProgress(res StepResult, val float64) {
	if r.Status == nil {
		return
	}
	c := &r.Config
	every := c.Steps / 20
	if every < 1 {
		every = 1
	}
	if !r.isTerminal && r.Step%every != 0 && !r.Done() {
		return
	}
	p := r.Progress()
	eta := "?"
	if p > 0 {
		eta = (time.Duration(r.WallSeconds*(1-p)/p) * time.Second).Round(time.Second).String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "step %d/%d  loss %.4f", r.Step, c.Steps, res.Loss)
	if !math.IsNaN(val) {
		fmt.Fprintf(&b, "  val %.4f", val)
	}
	if len(c.Stages) > 1 {
		fmt.Fprintf(&b, "  N=%d L'=%v", r.Real, res.SampledDepth)
	}
	fmt.Fprintf(&b, "  %.0f tok/s  ETA %s", float64(r.Tokens)/math.Max(r.WallSeconds, 1e-9), eta)
	if r.isTerminal {
		fmt.Fprintf(r.Status, "\r\033[K%s", b.String())
	} else {
		fmt.Fprintln(r.Status, b.String())
	}
}

func appendJSONLine(f *os.File, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing %s: %v", f.Name(), err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// gitRevision returns the VCS revision the binary was built from, or the
// revision checked out in the working directory, or "" if neither is known.
func gitRevision() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	head, err := os.ReadFile(".git/HEAD")
	if err != nil {
		return ""
	}
	ref := strings.TrimSpace(string(head))
	if !strings.HasPrefix(ref, "ref: ") {
		return ref
	}
	name := strings.TrimPrefix(ref, "ref: ")
	if b, err := os.ReadFile(filepath.Join(".git", name)); err == nil {
		return strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile(".git/packed-refs"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[1] == name {
				return f[0]
			}
		}
	}
	return ""
}
