package wb

import (
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"workbench/core/data"
	"workbench/core/flops"
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
			env.Failf("--set %s=%s: %s", k, v, setError(fs.Lookup(k), err))
		}
	}
	return cfg
}

// ConfigKeys returns the --set keys that Config applies, sorted: the
// flags of workbench train except --out (runs go into the experiment
// directory).
func ConfigKeys() []string {
	var cfg TrainConfig
	fs := configFlags(&cfg)
	var keys []string
	fs.VisitAll(func(f *flag.Flag) { keys = append(keys, f.Name) })
	sort.Strings(keys)
	return keys
}

// configFlags binds the settings of c to flags named as those of workbench
// train (a copy of its binding, without --out).
func configFlags(c *TrainConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("--set", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Name, "name", c.Name, "run name")
	fs.StringVar(&c.Method, "method", c.Method, "method label used by compare")
	fs.StringVar(&c.Data, "data", c.Data, "training text file")
	fs.Float64Var(&c.ValFrac, "val-frac", c.ValFrac, "validation fraction")
	fs.IntVar(&c.Layers, "layers", c.Layers, "target depth")
	fs.IntVar(&c.Dim, "dim", c.Dim, "model width")
	fs.IntVar(&c.Heads, "heads", c.Heads, "attention heads")
	fs.IntVar(&c.Seq, "seq", c.Seq, "sequence length")
	fs.IntVar(&c.Batch, "batch", c.Batch, "sequences per micro-batch")
	fs.IntVar(&c.Accum, "accum", c.Accum, "micro-batches per step")
	fs.IntVar(&c.Steps, "steps", c.Steps, "optimizer steps")
	fs.Float64Var(&c.FlopsBudget, "flops-budget", c.FlopsBudget, "FLOPs budget")
	fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate")
	fs.Float64Var(&c.MinLR, "min-lr", c.MinLR, "final learning rate")
	fs.Float64Var(&c.Warmup, "warmup", c.Warmup, "warmup fraction")
	fs.Float64Var(&c.WeightDecay, "wd", c.WeightDecay, "weight decay")
	fs.Float64Var(&c.Clip, "clip", c.Clip, "gradient-norm clipping")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "steps between evaluations")
	fs.IntVar(&c.EvalBatches, "eval-batches", c.EvalBatches, "validation batches")
	fs.IntVar(&c.LogEvery, "log-every", c.LogEvery, "steps between metrics lines")
	fs.IntVar(&c.Threads, "threads", c.Threads, "kernel threads")
	fs.Var(intList{&c.Stages}, "stages", "real layers of each stage")
	fs.Var(floatList{&c.StageEnds}, "stage-ends", "stage boundaries")
	fs.StringVar(&c.Sampler, "sampler", c.Sampler, "depth sampler plugin")
	fs.StringVar(&c.ShareMap, "share", c.ShareMap, "share-map plugin")
	fs.StringVar(&c.Expander, "expander", c.Expander, "expander plugin")
	fs.StringVar(&c.OptState, "opt-state", c.OptState, "optimizer state at expansion")
	fs.StringVar(&c.EvalDepth, "eval-depth", c.EvalDepth, "depth of val_loss")
	fs.BoolVar(&c.Freeze, "freeze", c.Freeze, "train only the newest blocks")
	return fs
}

// setError describes a value that a flag rejected.
func setError(f *flag.Flag, err error) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return err.Error() // the lists explain themselves
	}
	switch g.Get().(type) {
	case int, uint64:
		return "want an integer"
	case float64:
		return "want a number"
	case bool:
		return "want true or false"
	}
	return err.Error()
}

type intList struct{ p *[]int }

// String returns the list as the flag takes it.
func (l intList) String() string {
	if l.p == nil {
		return ""
	}
	s := make([]string, len(*l.p))
	for i, v := range *l.p {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

// Set parses a comma-separated list of integers.
func (l intList) Set(v string) error {
	*l.p = nil
	if v == "" {
		return nil
	}
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("%q is not a comma-separated list of integers", v)
		}
		*l.p = append(*l.p, n)
	}
	return nil
}

type floatList struct{ p *[]float64 }

// String returns the list as the flag takes it.
func (l floatList) String() string {
	if l.p == nil {
		return ""
	}
	s := make([]string, len(*l.p))
	for i, v := range *l.p {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

// Set parses a comma-separated list of numbers.
func (l floatList) Set(v string) error {
	*l.p = nil
	if v == "" {
		return nil
	}
	for _, f := range strings.Split(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return fmt.Errorf("%q is not a comma-separated list of numbers", v)
		}
		*l.p = append(*l.p, x)
	}
	return nil
}

// DefaultStages returns Apollo's stage schedule for target depth layers:
// the real layers of each stage and the stage boundaries as fractions of
// training (1,3,6 at 0.10,0.25 for 6 layers; 1,3,6,12 at 0.05,0.10,0.25
// for 12). See train.DefaultStages.
func DefaultStages(layers int) ([]int, []float64) {
	return train.DefaultStages(layers)
}

// FlopsPerStep returns the training FLOPs of one optimizer step of cfg at
// full depth: Accum micro-batches of Batch sequences of Seq tokens through
// all Layers (see package workbench/core/flops).
func FlopsPerStep(cfg TrainConfig) float64 {
	return flopsAt(cfg, cfg.Layers)
}

// flopsAt returns the FLOPs of one step of cfg at executed depth depth.
func flopsAt(cfg TrainConfig, depth int) float64 {
	return float64(cfg.Accum) * flops.Train(cfg.Batch, cfg.Seq, depth, cfg.Dim, data.VocabBytes)
}

// SameBudget returns cfg set up to spend the compute of a full-depth run
// of cfg.Steps steps: FlopsBudget becomes Steps × FlopsPerStep(cfg), unless
// a budget is already set, and Steps becomes an upper bound that the budget
// reaches first (the steps the budget buys at the depth of the first
// stage). A progressive run then takes more, cheaper steps than the
// baseline, and the schedule and stage boundaries follow the budget.
func SameBudget(cfg TrainConfig) TrainConfig {
	if cfg.FlopsBudget <= 0 {
		cfg.FlopsBudget = float64(cfg.Steps) * FlopsPerStep(cfg)
	}
	first := cfg.Layers
	if len(cfg.Stages) > 0 && cfg.Stages[0] >= 1 {
		first = cfg.Stages[0]
	}
	if f := flopsAt(cfg, first); f > 0 {
		if n := math.Ceil(cfg.FlopsBudget/f) + 1; n > float64(cfg.Steps) && n < math.MaxInt32 {
			cfg.Steps = int(n)
		}
	}
	return cfg
}
