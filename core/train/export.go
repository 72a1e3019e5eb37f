package train

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"workbench/core/ckpt"
	"workbench/core/data"
	"workbench/core/fsutil"
	"workbench/core/model"
	"workbench/core/tokenize"
)

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
// GPT-2 (model.safetensors and config.json) with the run's tokenizer
// (tokenizer.json), the way SaveModel exports a run: a checkpoint taken
// while the real depth was below the target is exported at the evaluation
// depth through the share map, which hooks must then provide.
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
		return fmt.Errorf("export at depth %d with %d real layers: %w", t.EvalDepth(), t.Real, err)
	}
	tok, err := tokenize.Load(cfg.Tokenizer)
	if err != nil {
		return fmt.Errorf("the checkpoint's tokenizer: %v", err)
	}
	if cfg.TokenizerHash != "" && tok.Hash() != cfg.TokenizerHash {
		return fmt.Errorf("the checkpoint's tokenizer %s has changed since training (hash %.12s, trained with %.12s)", cfg.Tokenizer, tok.Hash(), cfg.TokenizerHash)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := tokenize.Save(tok, dir); err != nil {
		return err
	}
	flat, err := writeFlat(m, plan, filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return err
	}
	if err := writeVocab(dir, flat, tok); err != nil {
		return err
	}
	return model.WriteHFConfig(filepath.Join(dir, "config.json"), flat)
}

// writeVocab writes the vocabulary of a BERT on bytes (whose special
// tokens the byte tokenizer's tokenizer.json does not hold), one token per
// line in id order, to dir/vocab.txt as Hugging Face's BERT tokenizers read
// it (see data.ByteVocabBERT). Other models need none.
func writeVocab(dir string, c model.Config, tok tokenize.Tokenizer) error {
	if !c.IsBERT() || tok.Name() != tokenize.Bytes().Name() {
		return nil
	}
	return fsutil.WriteFileAtomic(filepath.Join(dir, "vocab.txt"), 0o644, func(w io.Writer) error {
		_, err := io.WriteString(w, strings.Join(data.ByteVocabBERT(), "\n")+"\n")
		return err
	})
}

func isIdentity(p []int) bool {
	for i, v := range p {
		if v != i {
			return false
		}
	}
	return true
}

// identityPlans reports whether every plan runs the real blocks 0, 1, ...,
// real-1 once each in order.
func identityPlans(plans [][]int, real int) bool {
	for _, p := range plans {
		if len(p) != real || !isIdentity(p) {
			return false
		}
	}
	return true
}
