package train

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// BindFlags registers on fs a flag for every setting of c, named as the
// JSON fields of Config (--layers, --flops-budget, ...), with c's current
// values as defaults. workbench train and the --set keys of scripts both
// use it, so the two always take the same settings.
func BindFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.Name, "name", c.Name, "run name (default: method-seed-time)")
	fs.StringVar(&c.Method, "method", c.Method, "method label used by compare")
	fs.StringVar(&c.Out, "out", c.Out, "run directory (default checkpoints/<name>)")
	fs.StringVar(&c.Data, "data", c.Data, "training text file, or token directory of workbench data encode (the default corpus is compiled in)")
	fs.Float64Var(&c.ValFrac, "val-frac", c.ValFrac, "last fraction of a text file used for validation")
	fs.StringVar(&c.Tokenizer, "tokenizer", c.Tokenizer, "bytes, gpt2, or the path of a Hugging Face tokenizer.json")
	fs.IntVar(&c.Layers, "layers", c.Layers, "target depth (physical blocks)")
	fs.IntVar(&c.Dim, "dim", c.Dim, "model width d_model")
	fs.IntVar(&c.Heads, "heads", c.Heads, "attention heads")
	fs.IntVar(&c.Seq, "seq", c.Seq, "sequence length")
	fs.IntVar(&c.Batch, "batch", c.Batch, "sequences per micro-batch")
	fs.IntVar(&c.Accum, "accum", c.Accum, "micro-batches per optimizer step")
	fs.IntVar(&c.Steps, "steps", c.Steps, "optimizer steps (an upper bound with --flops-budget)")
	fs.Float64Var(&c.FlopsBudget, "flops-budget", c.FlopsBudget, "end training after this many FLOPs and schedule by their fraction (0: by steps)")
	fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate")
	fs.Float64Var(&c.MinLR, "min-lr", c.MinLR, "learning rate at the end of the cosine decay")
	fs.Float64Var(&c.Warmup, "warmup", c.Warmup, "linear warmup, as a fraction of training")
	fs.StringVar(&c.Schedule, "schedule", c.Schedule, "learning-rate schedule after warmup: cosine, or wsd (constant, then a decay over the last --decay-frac)")
	fs.Float64Var(&c.DecayFrac, "decay-frac", c.DecayFrac, "wsd: fraction of training over which the learning rate decays to --min-lr")
	fs.StringVar(&c.DecayShape, "decay-shape", c.DecayShape, "wsd: shape of the decay, linear or cosine")
	fs.Float64Var(&c.WeightDecay, "wd", c.WeightDecay, "AdamW weight decay on matrices and embeddings")
	fs.Float64Var(&c.Clip, "clip", c.Clip, "global gradient-norm clipping (0: off)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of initialisation, batches and depth sampling")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "steps between validation evaluations")
	fs.IntVar(&c.EvalBatches, "eval-batches", c.EvalBatches, "fixed validation batches per evaluation")
	fs.IntVar(&c.LogEvery, "log-every", c.LogEvery, "steps between metrics lines")
	fs.IntVar(&c.Threads, "threads", c.Threads, "kernel threads (0: all cores)")
	fs.Var(intList{&c.Stages}, "stages", "real layers of each stage, e.g. 1,3,6,12 (empty: full depth)")
	fs.Var(floatList{&c.StageEnds}, "stage-ends", "stage boundaries as fractions of training, e.g. 0.05,0.1,0.25")
	fs.StringVar(&c.Sampler, "sampler", c.Sampler, "depth sampler plugin (e.g. lvps, uniform, lvpsk:k=10; none: the real depth)")
	fs.StringVar(&c.ShareMap, "share", c.ShareMap, "share-map plugin (e.g. interpolate, stack; none)")
	fs.StringVar(&c.Expander, "expander", c.Expander, "expander plugin (e.g. interpolate, stack)")
	fs.StringVar(&c.Plan, "plan", c.Plan, "plan plugin choosing each micro-batch's blocks (e.g. raptr, pld, layerdrop:rate=0.1); replaces --sampler and --share")
	fs.StringVar(&c.OptState, "opt-state", c.OptState, "optimizer state at expansion: keep, copy or reset")
	fs.StringVar(&c.EvalDepth, "eval-depth", c.EvalDepth, "depth of val_loss: full or native (default full with a share map)")
	fs.BoolVar(&c.Freeze, "freeze", c.Freeze, "train only the newest blocks until the last stage (MSLT)")
	fs.IntVar(&c.CkptEvery, "ckpt-every", c.CkptEvery, "write a training-state checkpoint every N steps (0: never; one is always written at the end or on interrupt)")
	fs.Float64Var(&c.CkptMinutes, "ckpt-minutes", c.CkptMinutes, "write a checkpoint every M minutes (0: never)")
	fs.IntVar(&c.CkptKeep, "ckpt-keep", c.CkptKeep, "keep the newest K checkpoints (0: all)")
	fs.BoolVar(&c.CkptCompress, "compress", c.CkptCompress, "write checkpoints zstd-compressed (.safetensors.zst)")
	fs.StringVar(&c.Resume, "resume", c.Resume, "continue the run in DIR from its newest valid checkpoint, with its settings (flags given override them)")
	fs.BoolVar(&c.Force, "force", c.Force, "resume even if sources, data or training settings differ from the checkpoint's")
	fs.StringVar(&c.GrowFrom, "grow-from", c.GrowFrom, "start from a trained shallower model of the same width (run directory or checkpoint), grown by --expander to the first stage")
	fs.BoolVar(&c.GrowFromFlops, "grow-from-flops", c.GrowFromFlops, "count the FLOPs that trained the --grow-from model toward the budget")
	fs.StringVar(&c.Init, "init", c.Init, "initial weights: a Hugging Face GPT-2 safetensors file (with or without the transformer. prefix)")
}

type intList struct{ p *[]int }

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
