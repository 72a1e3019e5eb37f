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
	"strings"
	"time"

	"workbench/core/ckpt"
	"workbench/core/fsutil"
	"workbench/core/runlog"
	"workbench/core/tokenize"
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
	// Restarted is set when Resume found no checkpoint and started the
	// run again from step 0.
	Restarted bool

	metrics, events *os.File
	lock            *fsutil.Lock // on LockFile, held until Close
	line            []byte       // the metrics line being written, reused
	lastLog         time.Time
	lastLogTokens   int64
	lastLogWall     float64
	isTerminal      bool
	ckptStep        int // step of LastCheckpoint, -1 for none
	stageStart      stageMark
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

// Start creates the run directory (which must not exist or be empty, but
// for what a killed start may have left: the lock and temporary files),
// locks it, loads Config.Init's weights if set, writes config.json and
// opens the logs. With Config.Resume set it instead continues the run in
// that directory (see Resume). The lock is held until Close.
func Start(t *Trainer, progress io.Writer) (*Run, error) {
	if t.Config.Resume != "" {
		return Resume(t, progress)
	}
	if t.Config.Name == "" {
		t.Config.Name = DefaultName(t.Config)
	}
	dir := RunDir(t.Config)
	if err := checkEmpty(dir); err != nil {
		return nil, err
	}
	if err := t.initWeights(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating run directory: %w", err)
	}
	lock, err := lockRun(dir)
	if err != nil {
		return nil, err
	}
	r := newRun(t, dir, progress)
	r.lock = lock
	if err := r.begin(); err != nil {
		lock.Unlock()
		return nil, err
	}
	if err := r.growToFirstStage(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// initWeights replaces the initialisation by Config.Init's weights or by
// the trained shallower model of Config.GrowFrom, when set.
func (t *Trainer) initWeights() error {
	if t.Config.Init != "" {
		if err := t.InitFrom(t.Config.Init); err != nil {
			return err
		}
	}
	if t.Config.GrowFrom != "" {
		if _, err := t.GrowFrom(t.Config.GrowFrom); err != nil {
			return err
		}
	}
	return nil
}

// growToFirstStage expands a model grown from a smaller one to the first
// stage, logging the expansion; it does nothing otherwise.
func (r *Run) growToFirstStage() error {
	if first := r.Config.stages()[0]; r.Real < first {
		return r.ExpandLogged(first)
	}
	return nil
}

// begin starts the run in the locked directory r.Dir at step 0: it checks
// again that the directory holds no run, removes the temporary files of
// a killed start, writes config.json and opens the logs, empty.
func (r *Run) begin() error {
	if err := checkEmpty(r.Dir); err != nil {
		return err
	}
	if err := fsutil.CleanTemp(r.Dir); err != nil {
		return err
	}
	if err := r.writeConfig(); err != nil {
		return err
	}
	return r.openLogs(-1)
}

// checkEmpty returns an error if dir holds a run.
func checkEmpty(dir string) error {
	if !HoldsNoRun(dir) {
		return fmt.Errorf("run directory %s already exists and is not empty; choose another --out or --name, or continue it with --resume %s", dir, dir)
	}
	return nil
}

// HoldsNoRun reports whether dir is empty or holds nothing but what a
// start killed at once leaves: the lock file and temporary files. Start
// accepts such a directory as the run directory of a new run. A dir that
// cannot be read (missing, not a directory) holds no run either.
func HoldsNoRun(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return true
	}
	for _, e := range entries {
		if e.Name() != LockFile && !fsutil.IsTemp(e.Name()) {
			return false
		}
	}
	return true
}

// LockFile is the name of the lock file in a run directory. A process
// training in the directory holds an exclusive lock on it (flock) and has
// written its process id into it; the file stays when the run ends.
const LockFile = ".lock"

// lockRun locks the run directory dir for this process.
func lockRun(dir string) (*fsutil.Lock, error) {
	l, err := fsutil.TryLock(filepath.Join(dir, LockFile))
	var le *fsutil.LockedError
	if errors.As(err, &le) {
		who := "another process"
		if le.PID != 0 {
			who = fmt.Sprintf("process %d", le.PID)
		}
		return nil, fmt.Errorf("run directory %s is in use by %s (it holds %s); wait for it to end or stop it", dir, who, le.Path)
	}
	return l, err
}

func newRun(t *Trainer, dir string, progress io.Writer) *Run {
	r := &Run{Trainer: t, Dir: dir, Status: progress, ckptStep: -1, ckptTime: time.Now()}
	r.markStage()
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
	if r.metrics, err = openLog(filepath.Join(r.Dir, runlog.MetricsFile), step, func(s int) bool { return s <= step }); err != nil {
		return err
	}
	if r.events, err = openLog(filepath.Join(r.Dir, runlog.EventsFile), step, func(s int) bool { return s < step }); err != nil {
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
// valid checkpoint. It first locks the directory (an error names the
// process that holds it) and removes the temporary files that writes
// interrupted by a kill left in it and in its checkpoint directory.
//
// A checkpoint that cannot be read (truncated, damaged) is reported on
// progress and renamed with the suffix ".bad", and the next older one is
// tried; a checkpoint that does not match the run (see LoadCheckpoint) is
// an error. The logs are cut back to the checkpoint's step and reopened
// for appending, so that they end up as those of an uninterrupted run.
// Checkpoints are decoded straight into the trainer's model and optimizer,
// so after an error the trainer must not be used.
//
// A run that has no checkpoint at all (killed before its first one, or
// stopped by an error) is restarted from step 0, saying so on progress:
// its logs, model and summary are discarded and Config.Init or
// Config.GrowFrom, if set, is loaded again. The trainer must then be fresh from New.
func Resume(t *Trainer, progress io.Writer) (*Run, error) {
	c := &t.Config
	dir := c.Resume
	if c.Out != "" && filepath.Clean(c.Out) != filepath.Clean(dir) {
		return nil, fmt.Errorf("resume %s: out is %s; a resumed run continues in its own directory", dir, c.Out)
	}
	if c.Name == "" {
		c.Name = filepath.Base(filepath.Clean(dir))
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("resume %s: no such run directory (no checkpoint in %s to continue from)", dir, CkptDir(dir))
	}
	lock, err := lockRun(dir)
	if err != nil {
		return nil, err
	}
	r, err := resumeLocked(t, dir, progress)
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	r.lock = lock
	return r, nil
}

// resumeLocked is Resume once the run directory is locked.
func resumeLocked(t *Trainer, dir string, progress io.Writer) (*Run, error) {
	c := &t.Config
	cdir := CkptDir(dir)
	if err := errors.Join(fsutil.CleanTemp(dir), fsutil.CleanTemp(cdir)); err != nil && progress != nil {
		fmt.Fprintf(progress, "warning: removing temporary files: %v\n", err)
	}
	entries, err := ckpt.List(cdir)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return restart(t, dir, progress)
	}
	var bad []string
	var used ckpt.Entry
	for _, e := range entries {
		// Decoded in place: a file that fails is followed by an older
		// one, which overwrites everything again.
		ck, err := ckpt.ReadFileInto(e.Path, t.Model, t.Opt)
		if errors.Is(err, ckpt.ErrShape) {
			return nil, fmt.Errorf("resume: %w", err)
		}
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		if err := t.LoadCheckpoint(ck); err != nil {
			return nil, fmt.Errorf("resume: %s: %w", e.Path, err)
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
	if err := r.writeConfig(); err != nil {
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

// restart starts the run in the locked directory dir again from step 0:
// it has no checkpoint to continue from.
func restart(t *Trainer, dir string, progress io.Writer) (*Run, error) {
	if t.Step != 0 {
		return nil, fmt.Errorf("resume %s: restarting needs a fresh trainer (this one is at step %d)", dir, t.Step)
	}
	if progress != nil {
		fmt.Fprintf(progress, "resume %s: no checkpoint in %s; restarting the run from step 0 (its logs start again)\n", dir, CkptDir(dir))
	}
	for _, f := range []string{runlog.SummaryFile, "model.safetensors"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("resume %s: %w", dir, err)
		}
	}
	if err := t.initWeights(); err != nil {
		return nil, err
	}
	r := newRun(t, dir, progress)
	r.Restarted = true
	if err := r.writeConfig(); err != nil {
		return nil, err
	}
	if err := r.openLogs(0); err != nil {
		return nil, err
	}
	if err := r.growToFirstStage(); err != nil {
		r.Close()
		return nil, err
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

// writeConfig writes config.json: the Hugging Face model configuration
// (so that transformers.GPT2Config reads the file) merged with every run
// setting, the data's hash and size, the tokenizer's name and the
// revision; and the tokenizer's tokenizer.json, so that the run directory
// loads in transformers as model and tokenizer.
func (r *Run) writeConfig() error {
	out, err := r.configJSON()
	if err != nil {
		return err
	}
	if err := fsutil.WriteJSON(filepath.Join(r.Dir, runlog.ConfigFile), out); err != nil {
		return err
	}
	return tokenize.Save(r.Data.Tokenizer, r.Dir)
}

// configJSON merges the Hugging Face model configuration (so that
// transformers.GPT2Config reads it) with every run setting.
func (r *Run) configJSON() (map[string]any, error) {
	out := map[string]any{}
	put := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &out)
	}
	if err := errors.Join(put(r.Model.Config.HFValue()), put(r.Config)); err != nil {
		return nil, fmt.Errorf("writing %s: %w", filepath.Join(r.Dir, runlog.ConfigFile), err)
	}
	out["data_sha256"] = r.Data.SHA256
	out["data_bytes"] = r.Data.Bytes
	out["tokenizer_name"] = r.Data.Tokenizer.Name()
	out["params"] = r.Model.Config.NumParams()
	out["git_revision"] = gitRevision()
	out["workbench_version"] = 1
	return out, nil
}

// Close closes the logs and releases the run directory's lock.
func (r *Run) Close() error {
	return errors.Join(r.metrics.Close(), r.events.Close(), r.lock.Unlock())
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
	m := runlog.Metrics{
		Step: r.Step, Tokens: r.Tokens, FLOPs: r.Flops, Stage: r.Stage, Depth: r.Real,
		SampledDepth: res.SampledDepth, LR: res.LR, TrainLoss: res.Loss, TrainBPB: r.Data.TrainBPB(res.Loss),
		GradNorm: res.GradNorm, ValLoss: val, ValBPB: r.Data.ValBPB(val), HasVal: !math.IsNaN(val),
		TokensPerS: math.Round(rate), WallS: r.WallSeconds,
	}
	if !identityPlans(res.Plans, r.Real) {
		m.Plans = res.Plans
	}
	var err error
	if r.line, err = m.AppendJSON(r.line[:0]); err != nil {
		return err
	}
	r.line = append(r.line, '\n')
	if _, err := r.metrics.Write(r.line); err != nil {
		return fmt.Errorf("writing %s: %w", r.metrics.Name(), err)
	}
	return nil
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
	r.markStage()
	fa, na, err := losses(newReal)
	if err != nil {
		return err
	}
	event := runlog.Event{
		Kind: runlog.EventExpand, Step: r.Step, FLOPs: r.Flops, Stage: r.Stage,
		From: before, To: newReal, Map: src, ValNativeBefore: nb, ValNativeAfter: na,
		ValNativeBeforeBPB: r.valBPB(nb), ValNativeAfterBPB: r.valBPB(na),
	}
	if !math.IsNaN(fb) {
		event.ValFullBefore, event.ValFullAfter = &fb, &fa
		event.ValFullBeforeBPB, event.ValFullAfterBPB = r.valBPB(fb), r.valBPB(fa)
	}
	return appendJSONLine(r.events, event)
}

// valBPB returns a validation loss in bits per byte, or nil when the bytes
// behind the validation split are unknown.
func (r *Run) valBPB(nats float64) *float64 {
	bpb := r.Data.ValBPB(nats)
	if math.IsNaN(bpb) {
		return nil
	}
	return &bpb
}

// Summary is the record of a finished (or interrupted) run, written to
// summary.json.
type Summary = runlog.Summary

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
	var loss float64
	var n int
	if r.Config.IsBERT() {
		loss, n, err = EvalMLM(r.Model, plan, r.Data.Val, r.mlm)
	} else {
		loss, n, err = EvalStream(r.Model, plan, r.Data.Val)
	}
	if err != nil {
		return err
	}
	s := Summary{
		Steps: r.Step, Tokens: r.Tokens, Flops: r.Flops, WallSeconds: r.WallSeconds,
		Interrupted: interrupted, ValLoss: loss, ValBPB: r.Data.ValBPB(loss), ValTokens: n,
		TokensPerSec: float64(r.Tokens) / math.Max(r.WallSeconds, 1e-9),
	}
	if err := r.SaveModel(filepath.Join(r.Dir, "model.safetensors")); err != nil {
		return err
	}
	if err := writeVocab(r.Dir, r.Model.Config, r.Data.Tokenizer); err != nil {
		return err
	}
	if err := fsutil.WriteJSON(filepath.Join(r.Dir, runlog.SummaryFile), s); err != nil {
		return err
	}
	if r.Status != nil {
		fmt.Fprintf(r.Status, "done: %d steps, %.3g FLOPs, %.0f s; validation loss %.4f nats/token (%.4f bits/byte) on %d tokens; wrote %s\n",
			r.Step, r.Flops, r.WallSeconds, loss, s.ValBPB, n, r.Dir)
	}
	return nil
}
