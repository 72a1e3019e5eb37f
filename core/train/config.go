// Package train runs training: micro-batches over depth plans chosen by a
// plan plugin or by a sampler and a share map, AdamW steps on the touched
// blocks, stage expansions, growth from a trained smaller model,
// evaluation, and the run directory's logs.
package train

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"

	"workbench/core/data"
	"workbench/core/flops"
	"workbench/core/model"
	"workbench/core/optim"
	"workbench/core/tokenize"
)

// Config is every setting of a run. The JSON names are those of the
// command-line flags and of config.json.
type Config struct {
	Name   string `json:"name"`   // run name; the default run directory is checkpoints/<name>
	Method string `json:"method"` // method label used by compare (e.g. baseline, apollo); empty: DerivedMethod
	Out    string `json:"out"`    // run directory; empty means checkpoints/<name>

	Data    string  `json:"data"`     // text file, or token directory of workbench data encode
	ValFrac float64 `json:"val_frac"` // last fraction of a text file used for validation
	// Tokenizer is bytes, gpt2 or the path of a tokenizer.json (or of
	// a directory holding one); empty means the token directory's own
	// tokenizer when Data is one, else bytes (see TokenizerSpec). When
	// the run starts it is replaced by the tokenizer used, and
	// TokenizerHash is set from that tokenizer's Hash, so a checkpoint
	// records exactly which tokenizer it was trained with.
	Tokenizer     string `json:"tokenizer"`
	TokenizerHash string `json:"tokenizer_hash"`

	// Arch is the architecture: gpt (causal LM) or bert (masked LM, as
	// Hugging Face's BertForMaskedLM). Empty means gpt.
	Arch string `json:"arch"`
	// MaskRate is the fraction of non-special positions a BERT sequence
	// masks (data.MLM).
	MaskRate float64 `json:"mask_rate"`

	Layers int `json:"layers"` // target depth L (physical blocks)
	Dim    int `json:"dim"`
	Heads  int `json:"heads"`
	Seq    int `json:"seq"`
	Batch  int `json:"batch"` // sequences per micro-batch
	Accum  int `json:"accum"` // micro-batches per optimizer step

	Steps int `json:"steps"` // optimizer steps
	// FlopsBudget, when positive, ends training once this many training
	// FLOPs have been spent and drives the schedule (and stage boundaries)
	// by the fraction of it consumed; Steps is then only an upper bound.
	FlopsBudget float64 `json:"flops_budget"`
	LR          float64 `json:"lr"`
	MinLR       float64 `json:"min_lr"`
	Warmup      float64 `json:"warmup"` // fraction of training
	// Schedule is the learning-rate schedule after warmup: "cosine" (or
	// empty) decays to MinLR over the rest of training; "wsd" holds LR
	// and decays to MinLR over the last DecayFrac of training, linearly
	// or, with DecayShape "cosine", along a half cosine.
	Schedule    string  `json:"schedule"`
	DecayFrac   float64 `json:"decay_frac"`
	DecayShape  string  `json:"decay_shape"`
	WeightDecay float64 `json:"wd"`
	Clip        float64 `json:"clip"` // global gradient-norm limit; 0 disables
	Seed        uint64  `json:"seed"`

	EvalEvery   int `json:"eval_every"`   // steps between evaluations
	EvalBatches int `json:"eval_batches"` // fixed validation batches per evaluation
	LogEvery    int `json:"log_every"`    // steps between metrics lines
	Threads     int `json:"threads"`

	// Stages lists the real layers of each stage (e.g. 1,3,6,12); empty
	// means one stage at full depth. StageEnds holds the len(Stages)-1
	// boundaries as fractions of training.
	Stages    []int     `json:"stages"`
	StageEnds []float64 `json:"stage_ends"`
	// Sampler, ShareMap and Expander name the plugins used (for the
	// record; the functions themselves come in Hooks).
	Sampler  string `json:"sampler"`
	ShareMap string `json:"share_map"`
	Expander string `json:"expander"`
	// Plan names the plan plugin, which chooses each micro-batch's
	// executed blocks itself; the sampler and share map are then unused
	// and must not be named.
	Plan string `json:"plan"`
	// OptState says what happens to AdamW state at an expansion: keep
	// (moments stay with the slot, as the official Apollo code does), copy
	// (moments follow the copied weights) or reset (all state cleared, as
	// StackBERT does).
	OptState string `json:"opt_state"`
	// EvalDepth is the depth val_loss is measured at: "full" (the target
	// depth through the share map) or "native" (the real layers).
	EvalDepth string `json:"eval_depth"`
	// Freeze, when set, trains only the blocks added by the latest
	// expansion (MSLT) until the last stage, which trains everything.
	Freeze bool `json:"freeze"`

	// CkptEvery and CkptMinutes write a training-state checkpoint to
	// <run dir>/ckpt every so many steps and every so many minutes (0:
	// never); one is always written when training ends or is
	// interrupted. CkptKeep is the number of newest checkpoints kept (0:
	// all). CkptCompress writes them zstd-compressed.
	CkptEvery    int     `json:"ckpt_every"`
	CkptMinutes  float64 `json:"ckpt_minutes"`
	CkptKeep     int     `json:"ckpt_keep"`
	CkptCompress bool    `json:"ckpt_compress"`
	// Resume names a run directory to continue from its newest valid
	// checkpoint; the run then lives in that directory. Force resumes
	// even when the checkpoint was made by other sources, other data or
	// other training settings (never with another model shape).
	Resume string `json:"resume"`
	Force  bool   `json:"force"`
	// Init names a Hugging Face GPT-2 safetensors file whose weights
	// replace the initialisation (ignored when resuming).
	Init string `json:"init"`
	// GrowFrom names a trained shallower model of the same width (a run
	// directory or a checkpoint file) whose weights start the run: its
	// blocks are the real blocks before a first expansion, through the
	// expander, to the first stage (ignored when resuming).
	// GrowFromFlops counts the FLOPs that trained it toward the budget.
	GrowFrom      string `json:"grow_from"`
	GrowFromFlops bool   `json:"grow_from_flops"`
	// SourceHash identifies the script and plugin sources that drive the
	// run (a sha256 in hex, empty when there are none); a checkpoint
	// records it, and resuming with other sources needs Force.
	SourceHash string `json:"source_hash"`
}

// TokenizerSpec returns the tokenizer c trains with, as tokenize.Load
// takes it: Tokenizer when set, else the token directory Data (which holds
// the tokenizer.json it was encoded with) when Data is a directory, else
// bytes.
func (c Config) TokenizerSpec() string {
	if c.Tokenizer != "" {
		return c.Tokenizer
	}
	if st, err := os.Stat(c.Data); err == nil && st.IsDir() {
		return c.Data
	}
	return "bytes"
}

// Defaults returns the default run: a 6-layer, 256-wide model on the
// shipped Tiny Shakespeare, a few minutes on 2 cores.
func Defaults() Config {
	return Config{
		Data: "datasets/tinyshakespeare.txt", ValFrac: 0.1,
		Arch: "gpt", MaskRate: data.DefaultMaskRate,
		Layers: 6, Dim: 256, Heads: 8, Seq: 128, Batch: 16, Accum: 1,
		Steps: 600, LR: 1e-3, MinLR: 1e-4, Warmup: 0.025, WeightDecay: 0.01, Clip: 1,
		Seed: 1, EvalEvery: 100, EvalBatches: 8, LogEvery: 1,
		OptState: "keep", CkptMinutes: 10, CkptKeep: 3,
		Schedule: "cosine", DecayFrac: 0.2, DecayShape: "linear",
	}
}

// DerivedMethod returns the method label of a run that does not set
// Method, from what the run does: "baseline" for a run of the real layers
// at full depth from the start, otherwise the parts that make it
// different joined by "+": "grow" when it starts from a trained shallower
// model (GrowFrom), the plan plugin, and for a run in stages the sampler,
// share map and expander (each name once, "none" left out), and "freeze"
// for MSLT's Freeze. The README's Apollo run (--sampler lvps --share
// interpolate --expander interpolate) is "lvps+interpolate",
// StackBERT-style stacking (--sampler none --share none --expander stack)
// is "stack", MSLT is "stack+freeze", --plan layerdrop:rate=0.1 at full
// depth is "layerdrop:rate=0.1".
func (c *Config) DerivedMethod() string {
	staged := len(c.stages()) > 1
	var parts []string
	add := func(p string) {
		if named(p) && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	if c.GrowFrom != "" {
		add("grow")
	}
	add(c.Plan)
	if staged || c.GrowFrom != "" {
		add(c.Sampler)
		add(c.ShareMap)
		add(c.Expander)
	}
	if c.Freeze && staged {
		add("freeze")
	}
	switch {
	case len(parts) > 0:
		return strings.Join(parts, "+")
	case staged:
		return "progressive"
	}
	return "baseline"
}

// ModelConfig returns the model shape of c with vocabulary vocab (see
// ModelVocab). A GPT's Arch is left empty (model.Config's zero value).
func (c *Config) ModelConfig(vocab int) model.Config {
	mc := model.Config{Layers: c.Layers, Dim: c.Dim, Heads: c.Heads, Seq: c.Seq, Vocab: vocab, Batch: c.Batch}
	if c.Arch != "" && c.Arch != string(model.GPT) {
		mc.Arch = model.Arch(c.Arch) // BERT, or an unknown name Validate reports
	}
	return mc
}

// IsBERT reports whether c trains a BERT.
func (c *Config) IsBERT() bool { return c.Arch == string(model.BERT) }

// MLM returns the masking of a BERT run with tokenizer tok (data.NewMLM).
func (c *Config) MLM(tok tokenize.Tokenizer) (data.MLM, error) { return data.NewMLM(tok, c.MaskRate) }

// ModelVocab returns the vocabulary of the model c trains with tokenizer
// tok: the tokenizer's, and for a BERT on bytes the four special tokens
// after it (data.VocabBytesBERT). A BERT whose tokenizer lacks [CLS],
// [SEP], [MASK] or [PAD] is an error.
func (c *Config) ModelVocab(tok tokenize.Tokenizer) (int, error) {
	if !c.IsBERT() {
		return tok.VocabSize(), nil
	}
	m, err := c.MLM(tok)
	if err != nil {
		return 0, err
	}
	return m.Vocab, nil
}

// MicroFlops returns the training FLOPs of one micro-batch at executed
// depth depth with vocabulary vocab (package flops): for BERT the MLM head
// is counted on the expected number of scored positions,
// MaskRate·Batch·(Seq−2).
func (c *Config) MicroFlops(depth, vocab int) float64 {
	if c.IsBERT() {
		scored := int(math.Round(c.MaskRate * float64(c.Batch*data.TextLen(c.Seq))))
		return flops.TrainMLM(c.Batch, c.Seq, depth, c.Dim, vocab, scored)
	}
	return flops.Train(c.Batch, c.Seq, depth, c.Dim, vocab)
}

// stages returns the stage list, defaulting to one full-depth stage.
func (c *Config) stages() []int {
	if len(c.Stages) == 0 {
		return []int{c.Layers}
	}
	return c.Stages
}

// Validate reports the first invalid setting, naming it as its flag.
func (c *Config) Validate() error {
	if err := c.checkFinite(); err != nil {
		return err
	}
	if err := c.ModelConfig(256).Validate(); err != nil {
		return err
	}
	if c.IsBERT() {
		if err := data.ByteMLM(c.MaskRate).Validate(); err != nil {
			return err
		}
		if c.Seq < 3 {
			return fmt.Errorf("seq must be at least 3 for bert ([CLS] token [SEP]), got %d", c.Seq)
		}
	}
	switch {
	case c.ValFrac <= 0 || c.ValFrac >= 1:
		return fmt.Errorf("val-frac must be a fraction in (0, 1), got %g", c.ValFrac)
	case c.Accum < 1:
		return fmt.Errorf("accum must be at least 1, got %d", c.Accum)
	case c.Steps < 1:
		return fmt.Errorf("steps must be at least 1, got %d", c.Steps)
	case c.FlopsBudget < 0:
		return fmt.Errorf("flops-budget must not be negative, got %g", c.FlopsBudget)
	case c.LR <= 0:
		return fmt.Errorf("lr must be positive, got %g", c.LR)
	case c.MinLR < 0 || c.MinLR > c.LR:
		return fmt.Errorf("min-lr must be in [0, lr], got %g", c.MinLR)
	case c.Warmup < 0 || c.Warmup >= 1:
		return fmt.Errorf("warmup must be a fraction of training in [0, 1), got %g", c.Warmup)
	case c.WeightDecay < 0:
		return fmt.Errorf("wd must not be negative, got %g", c.WeightDecay)
	case c.Clip < 0:
		return fmt.Errorf("clip must not be negative, got %g", c.Clip)
	case c.EvalEvery < 1:
		return fmt.Errorf("eval-every must be at least 1, got %d", c.EvalEvery)
	case c.EvalBatches < 1:
		return fmt.Errorf("eval-batches must be at least 1, got %d", c.EvalBatches)
	case c.LogEvery < 1:
		return fmt.Errorf("log-every must be at least 1, got %d", c.LogEvery)
	case c.Threads < 0:
		return fmt.Errorf("threads must not be negative, got %d", c.Threads)
	case c.CkptEvery < 0:
		return fmt.Errorf("ckpt-every must not be negative, got %d", c.CkptEvery)
	case c.CkptMinutes < 0:
		return fmt.Errorf("ckpt-minutes must not be negative, got %g", c.CkptMinutes)
	case c.CkptKeep < 0:
		return fmt.Errorf("ckpt-keep must not be negative, got %d", c.CkptKeep)
	}
	switch c.Schedule {
	case "", "cosine":
	case "wsd":
		if c.DecayFrac <= 0 || c.DecayFrac > 1-c.Warmup {
			return fmt.Errorf("decay-frac must be in (0, 1-warmup] = (0, %g] with --schedule wsd, got %g", 1-c.Warmup, c.DecayFrac)
		}
	default:
		return fmt.Errorf("schedule must be cosine or wsd, got %q", c.Schedule)
	}
	switch c.DecayShape {
	case "", "linear", "cosine":
	default:
		return fmt.Errorf("decay-shape must be linear or cosine, got %q", c.DecayShape)
	}
	if c.Init != "" && c.GrowFrom != "" {
		return fmt.Errorf("init %s and grow-from %s both set the initial weights; give one", c.Init, c.GrowFrom)
	}
	if named(c.Plan) && (named(c.Sampler) || named(c.ShareMap)) {
		return fmt.Errorf("plan %s chooses the executed blocks itself: drop sampler %q and share %q (or set them to none)", c.Plan, c.Sampler, c.ShareMap)
	}
	switch c.OptState {
	case "keep", "copy", "reset":
	default:
		return fmt.Errorf("opt-state must be keep, copy or reset, got %q", c.OptState)
	}
	switch c.EvalDepth {
	case "", "full", "native":
	default:
		return fmt.Errorf("eval-depth must be full or native, got %q", c.EvalDepth)
	}
	st := c.stages()
	if len(c.Stages) > 0 && len(c.StageEnds) != len(st)-1 {
		return fmt.Errorf("stage-ends has %d values, want %d (one per stage boundary of stages %s)", len(c.StageEnds), len(st)-1, ints(st))
	}
	for i, n := range st {
		if n < 1 || n > c.Layers || (i > 0 && n <= st[i-1]) {
			return fmt.Errorf("stages %s must increase within [1, %d]", ints(st), c.Layers)
		}
	}
	if st[len(st)-1] != c.Layers {
		return fmt.Errorf("stages %s must end at the target depth %d", ints(st), c.Layers)
	}
	for i, e := range c.StageEnds {
		if e <= 0 || e >= 1 || (i > 0 && e <= c.StageEnds[i-1]) {
			return fmt.Errorf("stage-ends must increase within (0, 1), got %v", c.StageEnds)
		}
	}
	return nil
}

// named reports whether a plugin reference names a plugin ("" and "none"
// do not).
func named(ref string) bool { return ref != "" && ref != "none" }

// schedule returns the learning-rate schedule of c.
func (c *Config) schedule() optim.Schedule {
	return optim.Schedule{
		Peak: c.LR, Min: c.MinLR, Warmup: c.Warmup,
		WSD: c.Schedule == "wsd", Decay: c.DecayFrac, CosineDecay: c.DecayShape == "cosine",
	}
}

// checkFinite reports the first number setting that is NaN or infinite,
// naming it as its flag (the JSON name with hyphens).
func (c *Config) checkFinite() error {
	v := reflect.ValueOf(c).Elem()
	for i := 0; i < v.NumField(); i++ {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		name = strings.ReplaceAll(name, "_", "-")
		var xs []float64
		switch f := v.Field(i); {
		case f.Kind() == reflect.Float64:
			xs = []float64{f.Float()}
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Float64:
			xs = f.Interface().([]float64)
		}
		for _, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%s must be a finite number, got %g", name, x)
			}
		}
	}
	return nil
}

func ints(s []int) string {
	p := make([]string, len(s))
	for i, v := range s {
		p[i] = fmt.Sprint(v)
	}
	return strings.Join(p, ",")
}

// DefaultStages returns Apollo's stage schedule scaled to target depth l.
// The official schedule for l = 12 is 1,3,6,12 with boundaries at 0.05,
// 0.10 and 0.25 of training. For any l the candidate stages are 1, l/4,
// l/2 and l (integer division), ending at 0.05, 0.10, 0.25 and 1; a
// candidate below 1 is dropped and equal neighbours merge into one stage
// that ends where the later one ended. So l = 12 gives 1,3,6,12 at
// 0.05,0.10,0.25; l = 6 gives 1,3,6 at 0.10,0.25; l = 8 gives 1,2,4,8 at
// 0.05,0.10,0.25; l = 1 gives one stage.
func DefaultStages(l int) (stages []int, ends []float64) {
	return mergeStages([]int{1, l / 4, l / 2, l}, []float64{0.05, 0.10, 0.25, 1})
}

// Progressive fills in what c leaves empty for a progressive run: the
// stages (DefaultStages of the target depth) and the sampler, share map and
// expander plugins named here ("" leaves that plugin out). Settings already
// made, e.g. by --set, are kept. Apollo is Progressive(c, "lvps",
// "interpolate", "interpolate").
func (c *Config) Progressive(sampler, share, expander string) {
	if len(c.Stages) == 0 {
		c.Stages, c.StageEnds = DefaultStages(c.Layers)
	}
	fill := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	fill(&c.Sampler, sampler)
	fill(&c.ShareMap, share)
	fill(&c.Expander, expander)
}

// StackStages returns the doubling schedule of the stacking baselines
// (StackBERT, MSLT) for target depth l: stages l/4, l/2 and l (integer
// division) ending at 0.25, 0.5 and 1 of training, merged as in
// DefaultStages. l = 12 gives 3,6,12 at 0.25,0.5; l = 6 gives 1,3,6.
func StackStages(l int) (stages []int, ends []float64) {
	return mergeStages([]int{l / 4, l / 2, l}, []float64{0.25, 0.5, 1})
}

// MIDASStages returns the gradual schedule of the MIDAS script for target
// depth l: stages l/3, l/2, 2l/3, 5l/6 and l (integer division) ending at
// 0.15, 0.30, 0.45, 0.60 and 1 of training, merged as in DefaultStages.
// l = 6 gives 2,3,4,5,6; l = 12 gives 4,6,8,10,12.
func MIDASStages(l int) (stages []int, ends []float64) {
	return mergeStages([]int{l / 3, l / 2, 2 * l / 3, 5 * l / 6, l}, []float64{0.15, 0.30, 0.45, 0.60, 1})
}

// mergeStages drops candidate stages below 1 layer and merges equal
// neighbours into one stage that ends where the later one ended. It
// returns the stages and the boundaries between them.
func mergeStages(cand []int, candEnds []float64) (stages []int, ends []float64) {
	for i, n := range cand {
		if n < 1 {
			continue
		}
		if k := len(stages); k > 0 && stages[k-1] == n {
			ends[k-1] = candEnds[i]
			continue
		}
		stages = append(stages, n)
		ends = append(ends, candEnds[i])
	}
	return stages, ends[:len(ends)-1]
}
