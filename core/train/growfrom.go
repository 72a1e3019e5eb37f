package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"workbench/core/ckpt"
	"workbench/core/model"
	"workbench/core/safetensors"
)

// grownModel is a trained model a run grows from.
type grownModel struct {
	model *model.Model
	flops float64 // training FLOPs that made it; 0 if unknown
	// arch, tokenizer and tokenizerHash describe it as its run recorded
	// them ("" if not recorded).
	arch, tokenizer, tokenizerHash string
}

// loadGrown reads the model at path: a run directory (its
// model.safetensors, config.json and summary.json) or a checkpoint file of
// a run that had reached its target depth.
func loadGrown(path string) (*grownModel, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("grow-from: %v", err)
	}
	g := &grownModel{}
	var cfgJSON []byte
	if st.IsDir() {
		c, err := model.ReadHFConfig(filepath.Join(path, "config.json"), 1)
		if err != nil {
			return nil, fmt.Errorf("grow-from %s: not a run directory: %v", path, err)
		}
		if g.model, err = model.New(c, 0); err != nil {
			return nil, fmt.Errorf("grow-from %s: %v", path, err)
		}
		f, err := safetensors.ReadFile(filepath.Join(path, "model.safetensors"))
		if err != nil {
			return nil, fmt.Errorf("grow-from %s: %v", path, err)
		}
		if err := ckpt.LoadHF(f, g.model); err != nil {
			return nil, fmt.Errorf("grow-from %s: model.safetensors: %v", path, err)
		}
		if cfgJSON, err = os.ReadFile(filepath.Join(path, "config.json")); err != nil {
			return nil, fmt.Errorf("grow-from %s: %v", path, err)
		}
		var s Summary
		if b, err := os.ReadFile(filepath.Join(path, "summary.json")); err == nil {
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, fmt.Errorf("grow-from %s: summary.json: %v", path, err)
			}
			g.flops = s.Flops
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("grow-from %s: %v", path, err)
		}
	} else {
		c, err := ckpt.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("grow-from: %v", err)
		}
		_, state, err := DecodeCheckpoint(c)
		if err != nil {
			return nil, fmt.Errorf("grow-from %s: %v", path, err)
		}
		if state.Real != c.Model.Layers {
			return nil, fmt.Errorf("grow-from %s: the checkpoint was taken with %d of its %d layers grown; grow from its run's model.safetensors or a later checkpoint", path, state.Real, c.Model.Layers)
		}
		mc := c.Model
		mc.Batch = 1
		if g.model, err = model.New(mc, 0); err != nil {
			return nil, fmt.Errorf("grow-from %s: %v", path, err)
		}
		copy(g.model.Params.Data, c.Params)
		g.flops = state.Flops
		cfgJSON = c.Config
		g.arch = g.model.Config.ModelType()
	}
	var meta map[string]any
	if err := json.Unmarshal(cfgJSON, &meta); err != nil {
		return nil, fmt.Errorf("grow-from %s: configuration: %v", path, err)
	}
	if v, ok := meta["model_type"].(string); ok {
		g.arch = v
	}
	if v, ok := meta["tokenizer"].(string); ok {
		g.tokenizer = v
	}
	if v, ok := meta["tokenizer_hash"].(string); ok {
		g.tokenizerHash = v
	}
	return g, nil
}

// describe names a model's shape, architecture and tokenizer.
func describe(c model.Config, arch, tokenizer string) string {
	s := fmt.Sprintf("%d layers, d=%d, %d heads, seq %d, vocab %d", c.Layers, c.Dim, c.Heads, c.Seq, c.Vocab)
	if arch != "" {
		s += ", " + arch
	}
	if tokenizer != "" {
		s += ", tokenizer " + tokenizer
	}
	return s
}

// GrowFrom starts the trainer from the trained shallower model at path (see
// Config.GrowFrom): its embeddings, final LayerNorm and blocks replace the
// initialisation, and its blocks become the real blocks. It returns their
// number; the run then expands them to the first stage with the expander
// (Run does that when it starts, logging the event). With
// Config.GrowFromFlops the FLOPs that trained it count as spent.
func (t *Trainer) GrowFrom(path string) (int, error) {
	g, err := loadGrown(path)
	if err != nil {
		return 0, err
	}
	small, big := g.model.Config, t.Model.Config
	first := t.Config.stages()[0]
	var why []string
	if small.Dim != big.Dim {
		why = append(why, "width differs")
	}
	if small.Heads != big.Heads {
		why = append(why, "heads differ")
	}
	if small.Seq != big.Seq {
		why = append(why, "sequence length differs")
	}
	if small.Vocab != big.Vocab {
		why = append(why, "vocabulary differs")
	}
	arch := big.ModelType()
	if g.arch != "" && g.arch != arch {
		why = append(why, "architecture differs")
	}
	tok := t.Config.Tokenizer
	if (g.tokenizer != "" && tok != "" && g.tokenizer != tok) || (g.tokenizerHash != "" && g.tokenizerHash != t.Config.TokenizerHash) {
		why = append(why, "tokenizer differs")
	}
	if small.Layers > first {
		why = append(why, fmt.Sprintf("it has more layers than the first stage's %d", first))
	}
	if len(why) > 0 {
		return 0, fmt.Errorf("grow-from %s: cannot grow its model (%s) into this run's (%s): %s",
			path, describe(small, g.arch, g.tokenizer), describe(big, arch, tok), strings.Join(why, ", "))
	}
	if small.Layers < first && t.Hooks.Expand == nil {
		return 0, fmt.Errorf("grow-from %s: growing its %d layers to %d needs an expander (--expander, e.g. stack)", path, small.Layers, first)
	}
	sl, bl := g.model.Layout, t.Model.Layout
	copy(bl.GroupData(t.Model.Params.Data, model.EmbedGroup), sl.GroupData(g.model.Params.Data, model.EmbedGroup))
	copy(bl.GroupData(t.Model.Params.Data, bl.FinalGroup()), sl.GroupData(g.model.Params.Data, sl.FinalGroup()))
	for i := 0; i < small.Layers; i++ {
		copy(bl.GroupData(t.Model.Params.Data, model.BlockGroup(i)), sl.GroupData(g.model.Params.Data, model.BlockGroup(i)))
	}
	t.Real = small.Layers
	if t.Config.GrowFromFlops {
		t.Flops = g.flops
	}
	return small.Layers, nil
}
