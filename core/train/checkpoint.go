package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"workbench/core/ckpt"
	"workbench/core/model"
	"workbench/core/safetensors"
)

// InitFrom replaces the model's weights by those of a Hugging Face
// safetensors file (GPT-2, names with or without the "transformer." prefix,
// or BertForMaskedLM) or a
// checkpoint's weights, verified in full (see ckpt.LoadFile). The shapes
// must match.
func (t *Trainer) InitFrom(path string) error {
	if err := checkBERTPositions(path, t.Model.Config, t.Config.Seq); err != nil {
		return err
	}
	if err := ckpt.LoadFile(path, t.Model); err != nil {
		return fmt.Errorf("init: %w", err)
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
// in c. Settings the checkpoint does not record (it predates them) keep
// their defaults, which is how the run that wrote it behaved.
func DecodeCheckpoint(c *ckpt.Checkpoint) (Config, State, error) {
	cfg := Defaults()
	var st State
	if err := json.Unmarshal(c.Config, &cfg); err != nil {
		return cfg, st, fmt.Errorf("checkpoint configuration: %w", err)
	}
	if err := json.Unmarshal(c.State, &st); err != nil {
		return cfg, st, fmt.Errorf("checkpoint trainer state: %w", err)
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
		return fmt.Errorf("%w (checkpoint vs this run)", err)
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
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	path := filepath.Join(dir, ckpt.Name(r.Step, r.Config.CkptCompress))
	if err := r.SaveCheckpoint(path, r.Config.CkptCompress); err != nil {
		return "", fmt.Errorf("checkpoint at step %d: %w", r.Step, err)
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

// checkBERTPositions reports a BERT weights file at path that has fewer
// position embeddings (max_position_embeddings) than the run's sequence
// length seq. Other files, and unreadable ones, are left to ckpt.LoadFile.
func checkBERTPositions(path string, c model.Config, seq int) error {
	if !c.IsBERT() {
		return nil
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil
	}
	if pe, ok := f.Tensor("bert.embeddings.position_embeddings.weight"); ok && len(pe.Shape) == 2 && pe.Shape[0] < seq {
		return fmt.Errorf("init %s: --seq %d is longer than the model's max_position_embeddings %d", path, seq, pe.Shape[0])
	}
	return nil
}
