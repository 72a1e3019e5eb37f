package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"workbench/core/ckpt"
	"workbench/core/fsutil"
	"workbench/core/model"
	"workbench/core/safetensors"
)

// ErrInterrupted is returned by Run when its context ends before training
// does; the run directory then holds a checkpoint of the last completed
// step (see Run.LastCheckpoint), and the model and logs up to it.
var ErrInterrupted = errors.New("training interrupted")

// Run is a training run writing to its run directory.
type Run struct {
	*Trainer
	Dir    string
	Status io.Writer // live progress lines and warnings; nil for none
	// LastCheckpoint is the newest checkpoint written, or resumed from;
	// empty if none.
	LastCheckpoint string
	// CkptFailures counts the periodic checkpoints that could not be
	// written (each was reported on Status; training went on).
	CkptFailures int

	metrics, events *os.File
	lastLog         time.Time
	lastLogTokens   int64
	lastLogWall     float64
	isTerminal      bool
	ckptStep        int // step of LastCheckpoint, -1 for none
	ckptTime        time.Time
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
// loads Config.Init's weights if set, writes config.json and opens the
// logs. With Config.Resume set it instead continues the run in that
// directory (see Resume).
func Start(t *Trainer, progress io.Writer) (*Run, error) {
	if t.Config.Resume != "" {
		return Resume(t, progress)
	}
	if t.Config.Name == "" {
		t.Config.Name = DefaultName(t.Config)
	}
	dir := RunDir(t.Config)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("run directory %s already exists and is not empty; choose another --out or --name, or continue it with --resume %s", dir, dir)
	}
	if t.Config.Init != "" {
		if err := t.InitFrom(t.Config.Init); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating run directory: %v", err)
	}
	r := newRun(t, dir, progress)
	if err := writeJSON(filepath.Join(dir, "config.json"), r.configJSON()); err != nil {
		return nil, err
	}
	if err := r.openLogs(-1); err != nil {
		return nil, err
	}
	return r, nil
}

func newRun(t *Trainer, dir string, progress io.Writer) *Run {
	r := &Run{Trainer: t, Dir: dir, Status: progress, ckptStep: -1, ckptTime: time.Now()}
	if f, ok := progress.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			r.isTerminal = true
		}
	}
	return r
}

// openLogs opens metrics.jsonl and events.jsonl for appending. With
// step >= 0 it first drops what an uninterrupted run would not have
// written before the checkpoint of that step: metrics after it, events
// from it on (an expansion due at a step is logged after that step's
// checkpoint), and a line torn by a crash.
func (r *Run) openLogs(step int) error {
	var err error
	if r.metrics, err = openLog(filepath.Join(r.Dir, "metrics.jsonl"), step, func(s int) bool { return s <= step }); err != nil {
		return err
	}
	if r.events, err = openLog(filepath.Join(r.Dir, "events.jsonl"), step, func(s int) bool { return s < step }); err != nil {
		r.metrics.Close()
		return err
	}
	return nil
}

// openLog opens a JSON-lines log for appending; with step >= 0 it first
// keeps only the lines whose "step" satisfies keep (lines without a step
// stay; unparseable lines go).
func openLog(path string, step int, keep func(int) bool) (*os.File, error) {
	if step >= 0 {
		b, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		var out []byte
		for _, line := range bytes.SplitAfter(b, []byte("\n")) {
			var v struct {
				Step *int `json:"step"`
			}
			if len(bytes.TrimSpace(line)) == 0 || !bytes.HasSuffix(line, []byte("\n")) || json.Unmarshal(line, &v) != nil {
				continue
			}
			if v.Step == nil || keep(*v.Step) {
				out = append(out, line...)
			}
		}
		if !bytes.Equal(out, b) {
			if err := fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error { _, err := w.Write(out); return err }); err != nil {
				return nil, err
			}
		}
	}
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

// CkptDir returns the directory of a run's checkpoints.
func CkptDir(runDir string) string { return filepath.Join(runDir, "ckpt") }

// Resume continues the run in directory t.Config.Resume from its newest
// valid checkpoint. A checkpoint that cannot be read (truncated, damaged)
// is reported on progress and renamed with the suffix ".bad", and the
// next older one is tried; a checkpoint that does not match the run (see
// LoadCheckpoint) is an error. The logs are cut back to the checkpoint's
// step and reopened for appending, so that they end up as those of an
// uninterrupted run. Checkpoints are decoded straight into the trainer's
// model and optimizer, so after an error the trainer must not be used.
func Resume(t *Trainer, progress io.Writer) (*Run, error) {
	c := &t.Config
	dir := c.Resume
	if c.Out != "" && filepath.Clean(c.Out) != filepath.Clean(dir) {
		return nil, fmt.Errorf("resume %s: out is %s; a resumed run continues in its own directory", dir, c.Out)
	}
	if c.Name == "" {
		c.Name = filepath.Base(filepath.Clean(dir))
	}
	cdir := CkptDir(dir)
	if err := ckpt.CleanTemp(cdir); err != nil && progress != nil {
		fmt.Fprintf(progress, "warning: %v\n", err)
	}
	entries, err := ckpt.List(cdir)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %v", dir, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("resume %s: no checkpoint in %s", dir, cdir)
	}
	var bad []string
	var used ckpt.Entry
	for _, e := range entries {
		// Decoded in place: a file that fails is followed by an older
		// one, which overwrites everything again.
		ck, err := ckpt.ReadFileInto(e.Path, t.Model, t.Opt)
		if errors.Is(err, ckpt.ErrShape) {
			return nil, fmt.Errorf("resume: %v", err)
		}
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		if err := t.LoadCheckpoint(ck); err != nil {
			return nil, fmt.Errorf("resume: %s: %v", e.Path, err)
		}
		used = e
		break
	}
	if used.Path == "" {
		return nil, fmt.Errorf("resume %s: no valid checkpoint: %s", dir, strings.Join(bad, "; "))
	}
	r := newRun(t, dir, progress)
	for i, e := range entries[:len(bad)] {
		msg := bad[i]
		if err := os.Rename(e.Path, e.Path+".bad"); err == nil {
			msg += " (renamed to " + filepath.Base(e.Path) + ".bad)"
		}
		r.warnf("%s", msg)
	}
	if len(bad) > 0 {
		r.warnf("resuming from the older checkpoint %s (step %d)", used.Path, t.Step)
	}
	if err := writeJSON(filepath.Join(dir, "config.json"), r.configJSON()); err != nil {
		return nil, err
	}
	if err := r.openLogs(t.Step); err != nil {
		return nil, err
	}
	r.lastLogTokens, r.lastLogWall = t.Tokens, t.WallSeconds
	r.ckptStep, r.LastCheckpoint = t.Step, used.Path
	if progress != nil {
		fmt.Fprintf(progress, "resuming %s from %s: step %d of %d\n", dir, used.Path, t.Step, c.Steps)
	}
	return r, nil
}

// warnf reports a problem on Status.
func (r *Run) warnf(format string, args ...any) {
	if r.Status != nil {
		if r.isTerminal {
			fmt.Fprint(r.Status, "\r\033[K")
		}
		fmt.Fprintf(r.Status, "warning: "+format+"\n", args...)
	}
}

// InitFrom replaces the model's weights by those of a Hugging Face GPT-2
// safetensors file (names with or without the "transformer." prefix) or a
// checkpoint's weights. The shapes must match.
func (t *Trainer) InitFrom(path string) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("init: %v", err)
	}
	if err := ckpt.LoadHF(f, t.Model); err != nil {
		return fmt.Errorf("init %s: %v", path, err)
	}
	return nil
}

// Checkpoint returns the trainer's state as a checkpoint whose slabs
// alias the model's and the optimizer's: write it before training on.
func (t *Trainer) Checkpoint() (*ckpt.Checkpoint, error) {
	st, err := t.State()
	if err != nil {
		return nil, err
	}
	sb, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	cb, err := json.Marshal(t.Config)
	if err != nil {
		return nil, err
	}
	c := ckpt.FromTraining(t.Model, t.Opt)
	c.State, c.Config, c.SourceHash = sb, cb, t.Config.SourceHash
	if t.Data != nil {
		c.DataHash = t.Data.SHA256
	}
	return c, nil
}

// SaveCheckpoint writes the trainer's state to path atomically.
func (t *Trainer) SaveCheckpoint(path string, compress bool) error {
	c, err := t.Checkpoint()
	if err != nil {
		return err
	}
	return ckpt.WriteFile(path, c, ckpt.Options{Compress: compress})
}

// DecodeCheckpoint returns the run configuration and trainer state stored
// in c.
func DecodeCheckpoint(c *ckpt.Checkpoint) (Config, State, error) {
	var cfg Config
	var st State
	if err := json.Unmarshal(c.Config, &cfg); err != nil {
		return cfg, st, fmt.Errorf("checkpoint configuration: %v", err)
	}
	if err := json.Unmarshal(c.State, &st); err != nil {
		return cfg, st, fmt.Errorf("checkpoint trainer state: %v", err)
	}
	return cfg, st, nil
}

// freeSettings are the Config fields that may change when resuming:
// they do not affect the trained weights (the data file is compared by
// its hash).
var freeSettings = map[string]bool{
	"name": true, "method": true, "out": true, "data": true, "eval_every": true, "eval_batches": true,
	"log_every": true, "threads": true, "eval_depth": true, "ckpt_every": true, "ckpt_minutes": true,
	"ckpt_keep": true, "ckpt_compress": true, "resume": true, "force": true, "init": true, "source_hash": true,
}

// settingsDiff lists the settings other than freeSettings in which a and
// b differ, as "name a vs b".
func settingsDiff(a, b Config) []string {
	var ma, mb map[string]any
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	json.Unmarshal(ja, &ma)
	json.Unmarshal(jb, &mb)
	keys := make([]string, 0, len(ma)+len(mb))
	for k := range ma {
		keys = append(keys, k)
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		if freeSettings[k] {
			continue
		}
		va, _ := json.Marshal(ma[k])
		vb, _ := json.Marshal(mb[k])
		if !bytes.Equal(va, vb) {
			out = append(out, fmt.Sprintf("%s %s vs %s", k, va, vb))
		}
	}
	return out
}

// LoadCheckpoint restores the trainer from c: weights, optimizer state
// and progress. The checkpoint must have the trainer's model shape; unless
// Config.Force is set it must also come from the same sources
// (Config.SourceHash), the same training data and the same training
// settings (all but output, logging, evaluation, threads and checkpoint
// settings).
func (t *Trainer) LoadCheckpoint(c *ckpt.Checkpoint) error {
	if err := ckpt.SameShape(c.Model, t.Model.Config); err != nil {
		return fmt.Errorf("%v (checkpoint vs this run)", err)
	}
	saved, st, err := DecodeCheckpoint(c)
	if err != nil {
		return err
	}
	if !t.Config.Force {
		var why []string
		if c.SourceHash != t.Config.SourceHash {
			why = append(why, fmt.Sprintf("script/plugin sources %s vs %s", shortHash(c.SourceHash), shortHash(t.Config.SourceHash)))
		}
		if t.Data != nil && c.DataHash != "" && c.DataHash != t.Data.SHA256 {
			why = append(why, fmt.Sprintf("training data sha256 %s vs %s", shortHash(c.DataHash), shortHash(t.Data.SHA256)))
		}
		why = append(why, settingsDiff(saved, t.Config)...)
		if len(why) > 0 {
			return fmt.Errorf("made by a different run (checkpoint vs this run: %s); use --force to resume anyway", strings.Join(why, ", "))
		}
	}
	// Check the state against the stages before changing anything.
	stages := t.Config.stages()
	if st.Stage < 0 || st.Stage >= len(stages) || st.Real != stages[st.Stage] {
		return fmt.Errorf("checkpoint is in stage %d with %d real layers, which the stages %s of this run do not have", st.Stage, st.Real, ints(stages))
	}
	if err := c.Restore(t.Model, t.Opt); err != nil {
		return err
	}
	if err := t.Restore(st); err != nil {
		return err
	}
	clear(t.plans)
	return nil
}

func shortHash(h string) string {
	switch {
	case h == "":
		return "(none)"
	case len(h) > 12:
		return h[:12]
	}
	return h
}

// WriteCheckpoint writes the run's state to CkptDir(Dir) as
// ckpt.Name(Step, Config.CkptCompress) and then keeps only the newest
// Config.CkptKeep checkpoints. On error the previous checkpoints stay as
// they were.
func (r *Run) WriteCheckpoint() (string, error) {
	dir := CkptDir(r.Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("checkpoint: %v", err)
	}
	path := filepath.Join(dir, ckpt.Name(r.Step, r.Config.CkptCompress))
	if err := r.SaveCheckpoint(path, r.Config.CkptCompress); err != nil {
		return "", fmt.Errorf("checkpoint at step %d: %v", r.Step, err)
	}
	r.ckptStep, r.ckptTime, r.LastCheckpoint = r.Step, time.Now(), path
	// The same step in the other encoding is now stale.
	os.Remove(filepath.Join(dir, ckpt.Name(r.Step, !r.Config.CkptCompress)))
	if err := ckpt.Prune(dir, r.Config.CkptKeep); err != nil {
		r.warnf("removing old checkpoints: %v", err)
	}
	return path, nil
}

// ckptDue reports whether a periodic checkpoint is due after this step.
func (r *Run) ckptDue() bool {
	c := &r.Config
	if r.Step == r.ckptStep {
		return false
	}
	if c.CkptEvery > 0 && r.Step%c.CkptEvery == 0 {
		return true
	}
	return c.CkptMinutes > 0 && time.Since(r.ckptTime).Minutes() >= c.CkptMinutes
}

// finalCheckpoint writes the checkpoint of the current step unless it
// exists.
func (r *Run) finalCheckpoint() error {
	if r.Step == r.ckptStep {
		return nil
	}
	_, err := r.WriteCheckpoint()
	return err
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

// Run trains until done or until ctx ends, evaluating, logging,
// expanding and checkpointing on schedule, then writes the final
// checkpoint, evaluates the whole validation split and writes
// model.safetensors and summary.json. When ctx ends first, it finishes
// the current step, writes a checkpoint and the model, and returns
// ErrInterrupted.
//
// A periodic checkpoint that cannot be written (a full disk, say) is
// reported on Status and counted in CkptFailures; the previous checkpoints
// stay and training goes on. A final or interrupt checkpoint that cannot
// be written makes Run return the error.
func (r *Run) Run(ctx context.Context) error {
	c := &r.Config
	r.lastLog = time.Now()
	for !r.Done() {
		if ctx.Err() != nil {
			ckErr := r.finalCheckpoint()
			if r.Status != nil && ckErr == nil {
				if r.isTerminal {
					fmt.Fprintln(r.Status)
				}
				fmt.Fprintf(r.Status, "interrupted after step %d; checkpoint %s\n", r.Step, r.LastCheckpoint)
			}
			if err := r.Finish(true); err != nil {
				return errors.Join(ckErr, err)
			}
			if ckErr != nil {
				return errors.Join(ErrInterrupted, ckErr)
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
		if !r.Done() && r.ckptDue() {
			if _, err := r.WriteCheckpoint(); err != nil {
				r.CkptFailures++
				prev := r.LastCheckpoint
				if prev == "" {
					prev = "none yet"
				}
				r.warnf("%v; keeping the previous checkpoint (%s) and training on", err, prev)
			}
		}
	}
	if err := r.finalCheckpoint(); err != nil {
		return errors.Join(err, r.Finish(false))
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
// the validation loss just before and just after, at native depth and, when
// the run has a share map, at full depth through it, on the same fixed
// validation windows.
func (r *Run) ExpandLogged(newReal int) error {
	before := r.Real
	losses := func(real int) (full, native float64, err error) {
		full = math.NaN()
		if r.Hooks.Share != nil {
			if full, err = r.ValLoss(r.Config.Layers); err != nil {
				return 0, 0, err
			}
		}
		native, err = r.ValLoss(real)
		return full, native, err
	}
	fb, nb, err := losses(before)
	if err != nil {
		return err
	}
	src, err := r.Expand(newReal)
	if err != nil {
		return fmt.Errorf("expansion at step %d: %w", r.Step, err)
	}
	fa, na, err := losses(newReal)
	if err != nil {
		return err
	}
	event := map[string]any{
		"event": "expand", "step": r.Step, "flops": r.Flops, "stage": r.Stage,
		"from": before, "to": newReal, "map": src,
		"val_native_before": nb, "val_native_after": na,
	}
	if !math.IsNaN(fb) {
		event["val_full_before"], event["val_full_after"] = fb, fa
	}
	return appendJSONLine(r.events, event)
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
	_, err = writeFlat(t.Model, plan, path)
	return err
}

// writeFlat writes the GPT-2 that runs plan on m's blocks to path and
// returns its shape.
func writeFlat(m *model.Model, plan []int, path string) (model.Config, error) {
	c := m.Config
	if len(plan) != c.Layers || !isIdentity(plan) {
		c.Layers = len(plan)
		fl := model.NewLayout(c)
		data := make([]float32, fl.Size)
		src := m.Layout
		copy(fl.GroupData(data, model.EmbedGroup), src.GroupData(m.Params.Data, model.EmbedGroup))
		copy(fl.GroupData(data, fl.FinalGroup()), src.GroupData(m.Params.Data, src.FinalGroup()))
		for i, p := range plan {
			copy(fl.GroupData(data, model.BlockGroup(i)), src.GroupData(m.Params.Data, model.BlockGroup(p)))
		}
		m = &model.Model{Config: c, Layout: fl, Params: model.Params{Data: data}}
	}
	return c, m.WriteSafetensors(path, map[string]string{"format": "pt", "producer": "workbench"})
}

// ExportHF writes the weights of checkpoint c to dir as a Hugging Face
// GPT-2 (model.safetensors and config.json), the way SaveModel exports a
// run: a checkpoint taken while the real depth was below the target is
// exported at the evaluation depth through the share map, which hooks
// must then provide.
func ExportHF(c *ckpt.Checkpoint, hooks Hooks, dir string) error {
	cfg, st, err := DecodeCheckpoint(c)
	if err != nil {
		return err
	}
	m := &model.Model{Config: c.Model, Layout: model.NewLayout(c.Model), Params: model.Params{Data: c.Params}}
	t := &Trainer{Config: cfg, Model: m, Hooks: hooks, Stage: st.Stage, Real: st.Real, plans: map[[2]int][]int{}}
	if t.Real < 1 || t.Real > c.Model.Layers {
		return fmt.Errorf("checkpoint state has %d real layers, want 1 to %d", t.Real, c.Model.Layers)
	}
	plan, err := t.Plan(t.EvalDepth())
	if err != nil {
		return fmt.Errorf("export at depth %d with %d real layers: %v", t.EvalDepth(), t.Real, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	flat, err := writeFlat(m, plan, filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return err
	}
	return model.WriteHFConfig(filepath.Join(dir, "config.json"), flat)
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
