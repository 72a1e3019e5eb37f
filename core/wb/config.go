package wb

import (
	"flag"
	"math"
	"sort"

	"workbench/core/tokenize"
	"workbench/core/train"
	"workbench/core/wb/internal/env"
)

// TrainConfig is every setting of a training run: the configuration of
// workbench train (see package workbench/core/train). Its fields are named
// after the flags: Layers (--layers), Dim, Heads, Seq, Batch, Accum, Steps,
// FlopsBudget (--flops-budget), LR, MinLR, Warmup, WeightDecay (--wd), Clip,
// Seed, Data, ValFrac, EvalEvery, EvalBatches, LogEvery, Threads, Stages,
// StageEnds, Sampler, ShareMap (--share), Expander, OptState, EvalDepth,
// Freeze, Method and Name.
type TrainConfig = train.Config

// Config returns the defaults of workbench train with every --set whose key
// is one of its flags applied (see ConfigKeys), with the flags' syntax:
// --set layers=12,stages=1,3,6,12,stage-ends=0.05,0.1,0.25. A malformed
// value ends the script with an error naming the key.
func Config() TrainConfig {
	s := env.Current()
	cfg := train.Defaults()
	fs := configFlags(&cfg)
	for _, k := range s.Params.Keys() {
		if fs.Lookup(k) == nil {
			continue
		}
		v, _ := s.Params.Lookup(k)
		if err := fs.Set(k, v); err != nil {
			env.Failf("--set %s=%s: %s", k, v, env.SetError(fs.Lookup(k), err))
		}
	}
	return cfg
}

// ConfigKeys returns the --set keys that Config applies, sorted: the
// flags of workbench train except --out, --resume, --force and --init
// (runs go into the experiment directory).
func ConfigKeys() []string {
	var cfg TrainConfig
	fs := configFlags(&cfg)
	var keys []string
	fs.VisitAll(func(f *flag.Flag) { keys = append(keys, f.Name) })
	sort.Strings(keys)
	return keys
}

// configFlags binds the settings of c to the flags that Config applies.
func configFlags(c *TrainConfig) *flag.FlagSet { return env.ConfigFlags(c) }

// DefaultStages returns Apollo's stage schedule for target depth layers:
// the real layers of each stage and the stage boundaries as fractions of
// training (1,3,6 at 0.10,0.25 for 6 layers; 1,3,6,12 at 0.05,0.10,0.25
// for 12). See train.DefaultStages.
func DefaultStages(layers int) ([]int, []float64) {
	return train.DefaultStages(layers)
}

// Progressive returns cfg with what it leaves empty filled in for a
// progressive run: Apollo's stage schedule (DefaultStages) and the sampler,
// share map and expander named ("" leaves that plugin out). Settings made
// with --set are kept. Apollo is wb.Progressive(cfg, "lvps", "interpolate",
// "interpolate").
func Progressive(cfg TrainConfig, sampler, share, expander string) TrainConfig {
	cfg.Progressive(sampler, share, expander)
	return cfg
}

// StackStages returns the doubling schedule of the stacking baselines
// (stack, mslt): stages layers/4, layers/2 and layers at 0.25 and 0.5 of
// training (3,6,12 for 12 layers; 1,3,6 for 6). See train.StackStages.
func StackStages(layers int) ([]int, []float64) {
	return train.StackStages(layers)
}

// MIDASStages returns the gradual schedule of scripts/midas.go: stages
// layers/3, layers/2, 2·layers/3, 5·layers/6 and layers at 0.15, 0.3, 0.45
// and 0.6 of training (2,3,4,5,6 for 6 layers). See train.MIDASStages.
func MIDASStages(layers int) ([]int, []float64) {
	return train.MIDASStages(layers)
}

// FlopsPerStep returns the training FLOPs of one optimizer step of cfg at
// full depth: Accum micro-batches of Batch sequences of Seq tokens through
// all Layers (see package workbench/core/flops).
func FlopsPerStep(cfg TrainConfig) float64 {
	return flopsAt(cfg, cfg.Layers)
}

// flopsAt returns the FLOPs of one step of cfg at executed depth depth.
func flopsAt(cfg TrainConfig, depth int) float64 {
	return float64(cfg.Accum) * cfg.MicroFlops(depth, vocabOf(cfg))
}

// vocabOf returns the vocabulary size of cfg's model with its tokenizer
// (for BERT on bytes, with the special tokens). A tokenizer that does not
// load counts as bytes here; training reports it.
func vocabOf(cfg TrainConfig) int {
	tok, err := tokenize.Load(cfg.TokenizerSpec())
	if err != nil {
		tok = tokenize.Bytes()
	}
	v, err := cfg.ModelVocab(tok)
	if err != nil {
		return tok.VocabSize()
	}
	return v
}

// SameBudget returns cfg set up to spend the compute of a full-depth run
// of cfg.Steps steps: FlopsBudget becomes Steps × FlopsPerStep(cfg), unless
// a budget is already set, and Steps becomes an upper bound that the budget
// reaches first (the steps the budget buys at the depth of the first
// stage, or at depth 1 with a plan plugin). A progressive run then takes more, cheaper steps than the
// baseline, and the schedule and stage boundaries follow the budget.
func SameBudget(cfg TrainConfig) TrainConfig {
	if cfg.FlopsBudget <= 0 {
		cfg.FlopsBudget = float64(cfg.Steps) * FlopsPerStep(cfg)
	}
	first := cfg.Layers
	if len(cfg.Stages) > 0 && cfg.Stages[0] >= 1 {
		first = cfg.Stages[0]
	}
	if cfg.Plan != "" && cfg.Plan != "none" {
		first = 1 // a plan may run a single block
	}
	if f := flopsAt(cfg, first); f > 0 {
		if n := math.Ceil(cfg.FlopsBudget/f) + 1; n > float64(cfg.Steps) && n < math.MaxInt32 {
			cfg.Steps = int(n)
		}
	}
	return cfg
}
