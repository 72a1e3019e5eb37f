package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"workbench/core/data"
	"workbench/core/fsutil"
	"workbench/core/model"
	"workbench/core/tokenize"
)

// PlanFormat names the version of a plan directory's files.
const PlanFormat = "workbench-plan/1"

// Files of a plan directory.
const (
	PlanConfigFile = "config.json"      // run settings and model config
	PlanStepsFile  = "plan.jsonl"       // one line per step and per expansion, then an end line
	PlanInitFile   = "init.safetensors" // initial weights, Hugging Face names
)

// PlanStep is one line of plan.jsonl describing an optimizer step.
type PlanStep struct {
	Step   int     `json:"step"` // as in metrics.jsonl: 1 for the first step
	Stage  int     `json:"stage"`
	Real   int     `json:"depth"` // real layers of the stage
	LR     float64 `json:"lr"`
	Tokens int64   `json:"tokens"` // training tokens after the step
	Flops  float64 `json:"flops"`  // training FLOPs after the step
	// Plans holds the executed plan of each micro-batch.
	Plans [][]int `json:"plans"`
	// Batches holds, with --batches, the start of each training window of
	// each micro-batch in the training tokens (window s: inputs s..s+T-1,
	// targets s+1..s+T).
	Batches [][]int `json:"batches,omitempty"`
	// InputIDs and Labels hold, with --batches on a BERT run, each
	// micro-batch's masked sequences as the model reads them
	// ([micro-batch][sequence][position]) and their MLM labels: the
	// original token at each scored position, -100 elsewhere (Hugging
	// Face's convention).
	InputIDs [][][]int32 `json:"input_ids,omitempty"`
	Labels   [][][]int32 `json:"labels,omitempty"`
	// EvalPlan is the plan the fixed validation windows are evaluated
	// with after this step; absent when the step is not evaluated.
	EvalPlan []int `json:"eval_plan,omitempty"`
}

// PlanExpand is one line of plan.jsonl describing an expansion, which
// happens before the step after Step.
type PlanExpand struct {
	Event    string `json:"event"` // "expand"
	Step     int    `json:"step"`  // steps completed before it
	Stage    int    `json:"stage"` // stage after it
	From     int    `json:"from"`
	To       int    `json:"to"`
	Map      []int  `json:"map"`       // new slot i is a copy of old slot Map[i]
	OptState string `json:"opt_state"` // keep, copy or reset
	// Frozen lists the groups that train no more after the expansion
	// ("embeddings", "h.0", ..., "ln_f").
	Frozen []string `json:"frozen"`
	// ValPlans are the plans of the validation losses logged around the
	// expansion: native_before, native_after and, with a share map,
	// full_before and full_after.
	ValPlans map[string][]int `json:"val_plans"`
}

// PlanEnd is the last line of plan.jsonl.
type PlanEnd struct {
	Event  string  `json:"event"` // "end"
	Steps  int     `json:"steps"`
	Tokens int64   `json:"tokens"`
	Flops  float64 `json:"flops"`
	// FinalEvalPlan is the plan the whole validation split is evaluated
	// with at the end (summary.json).
	FinalEvalPlan []int `json:"final_eval_plan"`
}

// PlanResult summarises a written plan.
type PlanResult struct {
	Dir        string
	Steps      int
	Expansions int
	Tokens     int64
	Flops      float64
	Seconds    float64
}

// WritePlan runs cfg's training with the model switched off and writes a
// plan directory at dir (which must not exist or be empty): config.json
// (the run's settings merged with the Hugging Face model config, as a run
// directory's) and the tokenizer's files, plan.jsonl (what each step and each expansion does, as the
// trainer decides it, through the same plugins and the same FLOPs-budget
// stage boundaries) and init.safetensors (the initial weights). With
// batches set each step line also holds the training windows of every
// micro-batch (BERT: its masked sequences and labels). Only the initial weights are allocated: no gradients,
// activations or optimizer state.
func WritePlan(cfg Config, hooks Hooks, dir string, batches bool) (PlanResult, error) {
	start := time.Now()
	res := PlanResult{Dir: dir}
	if cfg.Resume != "" {
		return res, fmt.Errorf("plan: --resume continues a real run; plan a run from its start")
	}
	t, err := build(cfg, hooks, model.NewWeights, false)
	if err != nil {
		return res, err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return res, fmt.Errorf("plan directory %s already exists and is not empty", dir)
	}
	if t.Config.Init != "" {
		if err := t.InitFrom(t.Config.Init); err != nil {
			return res, err
		}
	}
	if t.Config.GrowFrom != "" {
		if _, err := t.GrowFrom(t.Config.GrowFrom); err != nil {
			return res, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, fmt.Errorf("creating plan directory: %v", err)
	}
	if err := t.SaveModelFull(filepath.Join(dir, PlanInitFile)); err != nil {
		return res, err
	}
	err = fsutil.WriteFileAtomic(filepath.Join(dir, PlanStepsFile), 0o644, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := t.plan(bw, batches, &res); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return res, err
	}
	r := newRun(t, dir, nil)
	conf, err := r.configJSON()
	if err != nil {
		return res, err
	}
	conf["plan_format"] = PlanFormat
	conf["plan_steps"] = res.Steps
	conf["plan_batches"] = batches
	conf["vocab_size"] = t.Model.Config.Vocab
	conf["train_tokens"] = t.Data.Train.Len()
	conf["val_tokens"] = t.Data.Val.Len()
	if c := t.Config; c.IsBERT() {
		m := t.mlm
		conf["mlm_tokens"] = map[string]int32{"cls": m.CLS, "sep": m.SEP, "mask": m.MASK, "pad": m.PAD}
	}
	if err := fsutil.WriteJSON(filepath.Join(dir, PlanConfigFile), conf); err != nil {
		return res, err
	}
	if err := tokenize.Save(t.Data.Tokenizer, dir); err != nil {
		return res, err
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// plan writes plan.jsonl's lines to w: the loop of Run without the model.
func (t *Trainer) plan(w io.Writer, batches bool, res *PlanResult) error {
	enc := json.NewEncoder(w)
	c := &t.Config
	windows, _ := t.batcher.(*data.Batcher) // nil for BERT, whose batches are masked sequences
	expand := func(newReal int) error {
		before := t.Real
		vals := map[string][]int{}
		evalPlans := func(suffix string) error {
			if t.Hooks.Share != nil {
				p, err := t.Plan(c.Layers)
				if err != nil {
					return err
				}
				vals["full_"+suffix] = p
			}
			p, err := t.Plan(t.Real)
			vals["native_"+suffix] = p
			return err
		}
		if err := evalPlans("before"); err != nil {
			return err
		}
		src, err := t.expansionMap(newReal)
		if err != nil {
			return fmt.Errorf("expansion at step %d: %w", t.Step, err)
		}
		t.advance(newReal)
		if err := evalPlans("after"); err != nil {
			return err
		}
		frozen := []string{}
		for g, f := range t.Model.Frozen {
			if f {
				frozen = append(frozen, t.Model.Layout.Groups[g].Name)
			}
		}
		res.Expansions++
		return enc.Encode(PlanExpand{Event: "expand", Step: t.Step, Stage: t.Stage, From: before, To: newReal,
			Map: src, OptState: c.OptState, Frozen: frozen, ValPlans: vals})
	}
	if first := c.stages()[0]; t.Real < first { // grown from a smaller model
		if err := expand(first); err != nil {
			return err
		}
	}
	for !t.Done() {
		if n := t.DueExpansion(); n > 0 {
			if err := expand(n); err != nil {
				return err
			}
		}
		stepFlops, lr, err := t.planStep()
		if err != nil {
			return fmt.Errorf("step %d: %w", t.Step+1, err)
		}
		line := PlanStep{Step: t.Step + 1, Stage: t.Stage, Real: t.Real, LR: lr, Plans: make([][]int, c.Accum)}
		for i, p := range t.microPlans {
			line.Plans[i] = append([]int(nil), p...)
			switch {
			case batches && windows != nil:
				line.Batches = append(line.Batches, windows.Offsets(nil))
			case batches:
				ids, labels := t.maskedBatch()
				line.InputIDs = append(line.InputIDs, ids)
				line.Labels = append(line.Labels, labels)
			}
		}
		t.Step++
		t.Tokens += int64(c.Accum * c.Batch * c.Seq)
		t.Flops += stepFlops
		line.Tokens, line.Flops = t.Tokens, t.Flops
		if t.Step%c.EvalEvery == 0 || t.Done() {
			if line.EvalPlan, err = t.Plan(t.EvalDepth()); err != nil {
				return err
			}
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	final, err := t.Plan(t.EvalDepth())
	if err != nil {
		return err
	}
	res.Steps, res.Tokens, res.Flops = t.Step, t.Tokens, t.Flops
	return enc.Encode(PlanEnd{Event: "end", Steps: t.Step, Tokens: t.Tokens, Flops: t.Flops, FinalEvalPlan: final})
}

// SaveModelFull writes every block of the model, the unused ones included,
// in Hugging Face layout: the state a replay starts from.
func (t *Trainer) SaveModelFull(path string) error {
	return t.Model.WriteSafetensors(path, map[string]string{"format": "pt", "source": PlanFormat})
}

// maskedBatch draws the next BERT micro-batch as the training loop does
// and returns its sequences and labels, one row per sequence, labels in
// Hugging Face's convention (-100 where the loss does not score).
func (t *Trainer) maskedBatch() (ids, labels [][]int32) {
	c := &t.Config
	t.batcher.Next(t.inputs, t.target)
	for i := 0; i < c.Batch; i++ {
		row := slices.Clone(t.target[i*c.Seq : (i+1)*c.Seq])
		for j, l := range row {
			if l == data.Ignore {
				row[j] = -100
			}
		}
		ids = append(ids, slices.Clone(t.inputs[i*c.Seq:(i+1)*c.Seq]))
		labels = append(labels, row)
	}
	return ids, labels
}
