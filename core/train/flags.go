package train

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// BindFlags registers on fs a flag for every setting of c, named as the
// JSON fields of Config (--layers, --flops-budget, ...), with c's current
// values as defaults. workbench train and the --set keys of scripts both
// use it, so the two always take the same settings. Number flags accept
// only finite numbers (no NaN, no Inf).
func BindFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.Name, "name", c.Name, "run name (default: method-seed-time)")
	fs.StringVar(&c.Method, "method", c.Method, "method label used by compare (default: from what the run does: baseline, lvps+interpolate, stack, ...)")
	fs.StringVar(&c.Out, "out", c.Out, "run directory (default checkpoints/<name>)")
	fs.StringVar(&c.Data, "data", c.Data, "training text file, or token directory of workbench data encode (the default corpus is compiled in)")
	fs.Var(finiteFloat{&c.ValFrac}, "val-frac", "last `fraction` of a text file used for validation")
	fs.StringVar(&c.Tokenizer, "tokenizer", c.Tokenizer, "bytes, gpt2, or the path of a Hugging Face tokenizer.json (default: a token directory's own tokenizer, else bytes)")
	fs.StringVar(&c.Arch, "arch", c.Arch, "architecture: gpt (causal LM) or bert (masked LM)")
	fs.Var(finiteFloat{&c.MaskRate}, "mask-rate", "bert: `fraction` of non-special positions masked, in (0, 1)")
	fs.IntVar(&c.Layers, "layers", c.Layers, "target depth (physical blocks)")
	fs.IntVar(&c.Dim, "dim", c.Dim, "model width d_model")
	fs.IntVar(&c.Heads, "heads", c.Heads, "attention heads")
	fs.IntVar(&c.Seq, "seq", c.Seq, "sequence length")
	fs.IntVar(&c.Batch, "batch", c.Batch, "sequences per micro-batch")
	fs.IntVar(&c.Accum, "accum", c.Accum, "micro-batches per optimizer step")
	fs.IntVar(&c.Steps, "steps", c.Steps, "optimizer steps (an upper bound with --flops-budget)")
	fs.Var(finiteFloat{&c.FlopsBudget}, "flops-budget", "end training after this many `FLOPs` and schedule by their fraction (0: by steps)")
	fs.Var(finiteFloat{&c.LR}, "lr", "peak learning `rate`")
	fs.Var(finiteFloat{&c.MinLR}, "min-lr", "learning `rate` at the end of the cosine decay")
	fs.Var(finiteFloat{&c.Warmup}, "warmup", "linear warmup, as a `fraction` of training")
	fs.StringVar(&c.Schedule, "schedule", c.Schedule, "learning-rate schedule after warmup: cosine, or wsd (constant, then a decay over the last --decay-frac)")
	fs.Var(finiteFloat{&c.DecayFrac}, "decay-frac", "wsd: `fraction` of training over which the learning rate decays to --min-lr")
	fs.StringVar(&c.DecayShape, "decay-shape", c.DecayShape, "wsd: shape of the decay, linear or cosine")
	fs.Var(finiteFloat{&c.WeightDecay}, "wd", "AdamW weight `decay` on matrices and embeddings")
	fs.Var(finiteFloat{&c.Clip}, "clip", "global gradient-norm `limit` (0: off)")
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
	fs.Var(finiteFloat{&c.CkptMinutes}, "ckpt-minutes", "write a checkpoint every `M` minutes (0: never)")
	fs.IntVar(&c.CkptKeep, "ckpt-keep", c.CkptKeep, "keep the newest K checkpoints (0: all)")
	fs.BoolVar(&c.CkptCompress, "compress", c.CkptCompress, "write checkpoints zstd-compressed (.safetensors.zst)")
	fs.StringVar(&c.Resume, "resume", c.Resume, "continue the run in DIR from its newest valid checkpoint, with its settings (flags given override them)")
	fs.BoolVar(&c.Force, "force", c.Force, "resume even if sources, data or training settings differ from the checkpoint's")
	fs.StringVar(&c.GrowFrom, "grow-from", c.GrowFrom, "start from a trained shallower model of the same width (run directory or checkpoint), grown by --expander to the first stage")
	fs.BoolVar(&c.GrowFromFlops, "grow-from-flops", c.GrowFromFlops, "count the FLOPs that trained the --grow-from model toward the budget")
	fs.StringVar(&c.Init, "init", c.Init, "initial weights: a Hugging Face GPT-2 (with or without the transformer. prefix) or BertForMaskedLM safetensors file")
}

// finiteFloat is a float64 flag that takes only finite numbers.
type finiteFloat struct{ p *float64 }

func (f finiteFloat) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatFloat(*f.p, 'g', -1, 64)
}

func (f finiteFloat) Set(v string) error {
	x, err := parseFinite(v)
	if err != nil {
		return err
	}
	*f.p = x
	return nil
}

// parseFinite parses a finite number.
func parseFinite(v string) (float64, error) {
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, errors.New("want a number")
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("want a finite number, got %s", v)
	}
	return x, nil
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
		x, err := parseFinite(f)
		if err != nil {
			return fmt.Errorf("%q is not a comma-separated list of finite numbers", v)
		}
		*l.p = append(*l.p, x)
	}
	return nil
}
