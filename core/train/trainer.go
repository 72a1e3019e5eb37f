package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"workbench/core/data"
	"workbench/core/grow"
	"workbench/core/kern"
	"workbench/core/model"
	"workbench/core/optim"
	"workbench/core/tokenize"
)

// Hooks are the decisions of progressive training, usually provided by
// plugins. Each returns an error when its answer is unusable; the trainer
// validates every answer again before using it.
type Hooks struct {
	// Sample returns the executed depth of the next micro-batch, in
	// [Real, Target]. Nil means the real depth (no weight sharing), as in
	// stacking and MSLT. It is not called when Real equals Target.
	Sample func(s grow.SampleState) (int, error)
	// Share maps an executed depth onto real blocks. Nil means the
	// identity, which only works when every executed depth equals the
	// real depth. Share maps must be pure functions: the trainer caches
	// their answers.
	Share func(real, depth int) ([]int, error)
	// Expand gives the source slot of each new slot at a stage boundary.
	// Required when there is more than one stage.
	Expand func(oldReal, newReal int) ([]int, error)
	// Plan, when set, chooses the executed plan of each micro-batch
	// directly (blocks in [0, Real), at most Target of them), and Sample
	// and Share are not used for training. It must be deterministic in
	// its state and the state's generator: the trainer calls it twice
	// from the same state and requires the same answer.
	Plan func(s grow.SampleState) ([]int, error)
}

// Trainer owns a model, its optimizer, the data and the run's state.
type Trainer struct {
	Config Config
	Model  *model.Model
	Opt    *optim.AdamW
	Data   *data.Dataset
	Hooks  Hooks

	// Progress.
	Step   int     // optimizer steps completed
	Tokens int64   // training tokens consumed
	Flops  float64 // training FLOPs spent
	Stage  int     // current stage index
	Real   int     // real layers of the current stage
	// WallSeconds is the training time so far, evaluation excluded.
	WallSeconds float64

	batcher        batcher
	mlm            data.MLM // BERT's masking
	depthRNG       *rand.PCG
	depthRand      *rand.Rand
	inputs, target []int32
	valX, valY     []int32
	schedule       optim.Schedule
	plans          map[[2]int][]int
	normScratch    []float64
	sampled        []int
	microPlans     [][]int // plan of each micro-batch of the current step
	planBuf        [][]int // storage of plan plugins' answers, one per micro-batch
}

// batcher draws training batches (GPT: windows and next tokens; BERT:
// masked sequences and labels) from a generator whose state resumes.
type batcher interface {
	Next(inputs, targets []int32)
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

// EvalMaskSeed seeds the masks of BERT's validation sequences and of
// workbench eval, so every evaluation scores the same positions.
const EvalMaskSeed = 1234

// StepResult reports one optimizer step.
type StepResult struct {
	Step         int
	Loss         float64 // mean training loss over the step's micro-batches
	LR           float64
	GradNorm     float64 // before clipping
	SampledDepth []int   // executed depth of each micro-batch; reused by the next step
	Plans        [][]int // executed plan of each micro-batch; reused by the next step
	Flops        float64 // FLOPs of this step
	Seconds      float64
}

// New builds a trainer: it validates cfg, checks that the machine has
// the memory it needs (Config.MemoryBytes), names the method if cfg does
// not (Config.DerivedMethod), loads the data and initialises the model
// from cfg.Seed. It writes nothing to disk.
func New(cfg Config, hooks Hooks) (*Trainer, error) {
	return build(cfg, hooks, model.New, true)
}

// build is New with the model made by newModel. With training unset (a
// planner) it builds no optimizer and skips the memory check, which
// estimates a training run's memory.
func build(cfg Config, hooks Hooks, newModel func(model.Config, uint64) (*model.Model, error), training bool) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Method == "" {
		cfg.Method = cfg.DerivedMethod()
	}
	if cfg.Threads > 0 {
		kern.SetThreads(cfg.Threads)
	}
	cfg.Tokenizer = cfg.TokenizerSpec()
	tok, err := tokenize.Load(cfg.Tokenizer)
	if err != nil {
		return nil, fmt.Errorf("--tokenizer: %v", err)
	}
	if training {
		if err := cfg.checkMemory(tok.VocabSize()); err != nil {
			return nil, err
		}
	}
	cfg.TokenizerHash = tok.Hash()
	ds, err := data.Load(cfg.Data, tok, cfg.ValFrac, cfg.Seq+1)
	if err != nil {
		return nil, err
	}
	vocab, err := cfg.ModelVocab(tok)
	if err != nil {
		ds.Close()
		return nil, err
	}
	m, err := newModel(cfg.ModelConfig(vocab), cfg.Seed)
	if err != nil {
		ds.Close()
		return nil, err
	}
	t := &Trainer{
		Config:   cfg,
		Model:    m,
		Data:     ds,
		Hooks:    hooks,
		depthRNG: rand.NewPCG(cfg.Seed, 0x6465707468),
		inputs:   make([]int32, cfg.Batch*cfg.Seq),
		target:   make([]int32, cfg.Batch*cfg.Seq),
		schedule: cfg.schedule(),
		plans:    map[[2]int][]int{},
		sampled:  make([]int, cfg.Accum),
	}
	if training {
		t.Opt = optim.NewAdamW(m.Layout, cfg.WeightDecay)
	}
	t.microPlans = make([][]int, cfg.Accum)
	t.planBuf = make([][]int, cfg.Accum)
	for i := range t.planBuf {
		t.planBuf[i] = make([]int, 0, cfg.Layers)
	}
	t.depthRand = rand.New(t.depthRNG)
	if cfg.IsBERT() {
		if t.mlm, err = cfg.MLM(tok); err != nil {
			ds.Close()
			return nil, err
		}
		if t.batcher, err = data.NewMLMBatcher(ds.Train, cfg.Batch, cfg.Seq, cfg.Seed, t.mlm); err != nil {
			ds.Close()
			return nil, err
		}
		t.valX, t.valY = t.mlm.Windows(ds.Val, cfg.EvalBatches*cfg.Batch, cfg.Seq, EvalMaskSeed)
	} else {
		t.batcher = data.NewBatcher(ds.Train, cfg.Batch, cfg.Seq, cfg.Seed)
		t.valX, t.valY = data.Windows(ds.Val, cfg.EvalBatches*cfg.Batch, cfg.Seq)
	}
	t.Real = cfg.stages()[0]
	if len(cfg.stages()) > 1 && hooks.Expand == nil {
		return nil, fmt.Errorf("stages %s need an expander", ints(cfg.stages()))
	}
	t.applyFreeze(0)
	return t, nil
}

// Progress returns the fraction of training completed: of the FLOPs budget
// when one is set, else of the steps.
func (t *Trainer) Progress() float64 {
	if t.Config.FlopsBudget > 0 {
		return t.Flops / t.Config.FlopsBudget
	}
	return float64(t.Step) / float64(t.Config.Steps)
}

// Done reports whether training has reached its end.
func (t *Trainer) Done() bool {
	if t.Config.FlopsBudget > 0 && t.Flops >= t.Config.FlopsBudget {
		return true
	}
	return t.Step >= t.Config.Steps
}

// DueExpansion returns the real layers of the next stage when training has
// reached the current stage's end, and 0 otherwise.
func (t *Trainer) DueExpansion() int {
	st := t.Config.stages()
	if t.Stage >= len(st)-1 {
		return 0
	}
	end := t.Config.StageEnds[t.Stage]
	var reached bool
	if t.Config.FlopsBudget > 0 {
		reached = t.Flops >= end*t.Config.FlopsBudget
	} else {
		reached = t.Step >= int(end*float64(t.Config.Steps))
	}
	if !reached {
		return 0
	}
	return st[t.Stage+1]
}

// Plan returns the depth plan that executes depth layers with the current
// real blocks, through the share map.
func (t *Trainer) Plan(depth int) ([]int, error) {
	key := [2]int{t.Real, depth}
	if p, ok := t.plans[key]; ok {
		return p, nil
	}
	var plan []int
	if t.Hooks.Share == nil {
		if depth != t.Real {
			return nil, fmt.Errorf("depth %d with %d real layers needs a share map", depth, t.Real)
		}
		plan = model.IdentityPlan(depth)
	} else {
		p, err := t.Hooks.Share(t.Real, depth)
		if err != nil {
			return nil, err
		}
		if err := grow.CheckMap("share map", p, depth, t.Real); err != nil {
			return nil, err
		}
		plan = append([]int(nil), p...)
	}
	t.plans[key] = plan
	return plan, nil
}

// sampleState returns what the plugins see before micro-batch micro.
func (t *Trainer) sampleState(micro int) grow.SampleState {
	return grow.SampleState{
		Step: t.Step, Micro: micro, Stage: t.Stage, Progress: math.Min(1, t.Progress()),
		Real: t.Real, Target: t.Config.Layers, Rand: t.depthRand,
	}
}

// sampleDepth asks the sampler for the depth of micro-batch micro.
func (t *Trainer) sampleDepth(micro int) (int, error) {
	l := t.Config.Layers
	if t.Real == l {
		return l, nil
	}
	if t.Hooks.Sample == nil {
		return t.Real, nil
	}
	d, err := t.Hooks.Sample(t.sampleState(micro))
	if err != nil {
		return 0, err
	}
	if err := grow.CheckDepth(d, t.Real, l); err != nil {
		return 0, err
	}
	return d, nil
}

// MicroPlan returns the executed plan of micro-batch micro of the next
// step, whichever kind of plugin makes it: the plan plugin, or the
// sampler's depth through the share map. The plan stays valid until the
// same micro-batch of the next step is planned.
func (t *Trainer) MicroPlan(micro int) ([]int, error) {
	if t.Hooks.Plan == nil {
		d, err := t.sampleDepth(micro)
		if err != nil {
			return nil, err
		}
		return t.Plan(d)
	}
	// Call the plugin twice from the same generator state: a plan that is
	// not a function of its state would make runs irreproducible.
	before := *t.depthRNG
	p, err := t.Hooks.Plan(t.sampleState(micro))
	if err != nil {
		return nil, err
	}
	if err := grow.CheckPlan(p, t.Real, t.Config.Layers); err != nil {
		return nil, fmt.Errorf("plan plugin %s: %w", t.Config.Plan, err)
	}
	buf := append(t.planBuf[micro][:0], p...)
	after := *t.depthRNG
	*t.depthRNG = before
	again, err := t.Hooks.Plan(t.sampleState(micro))
	if err != nil {
		return nil, err
	}
	if !slices.Equal(again, buf) || *t.depthRNG != after {
		return nil, fmt.Errorf("plan plugin %s is not deterministic: it returned %v, then %v for the same state and seed (use only s.Rand for randomness and keep no state between calls)", t.Config.Plan, buf, again)
	}
	t.planBuf[micro] = buf
	return buf, nil
}

// planStep decides the next step without running it: the plan of each
// micro-batch (into t.microPlans and t.sampled), the step's FLOPs and its
// learning rate. A real step and a planned one share it.
func (t *Trainer) planStep() (stepFlops, lr float64, err error) {
	c := &t.Config
	for micro := 0; micro < c.Accum; micro++ {
		plan, err := t.MicroPlan(micro)
		if err != nil {
			return 0, 0, err
		}
		t.microPlans[micro] = plan
		t.sampled[micro] = len(plan)
		stepFlops += c.MicroFlops(len(plan), t.Model.Config.Vocab)
	}
	// The schedule uses the progress reached at the end of this step.
	var progress float64
	if c.FlopsBudget > 0 {
		progress = (t.Flops + stepFlops) / c.FlopsBudget
	} else {
		progress = float64(t.Step+1) / float64(c.Steps)
	}
	return stepFlops, t.schedule.LR(progress), nil
}

// TrainStep runs one optimizer step: Accum micro-batches, each running the
// plan MicroPlan chooses, then gradient clipping and AdamW on the touched
// groups.
// It does not expand; see Expand and DueExpansion.
func (t *Trainer) TrainStep() (StepResult, error) {
	start := time.Now()
	c := &t.Config
	res := StepResult{Step: t.Step + 1, SampledDepth: t.sampled, Plans: t.microPlans}
	stepFlops, lr, err := t.planStep()
	if err != nil {
		return res, err
	}
	res.LR = lr
	var lossSum float64
	for micro := 0; micro < c.Accum; micro++ {
		t.batcher.Next(t.inputs, t.target)
		loss, err := t.Model.ForwardBackward(t.microPlans[micro], t.inputs, t.target, c.Batch, c.Seq, 1/float32(c.Accum))
		if err != nil {
			return res, err
		}
		lossSum += loss
	}
	res.GradNorm, t.normScratch = optim.GradNorm(t.Model.Layout, t.Model.Grads.Data, t.Model.Touched, t.normScratch)
	t.Opt.Step(t.Model.Params.Data, t.Model.Grads.Data, t.Model.Touched, res.LR, optim.ClipScale(res.GradNorm, c.Clip))
	t.Model.ZeroGrad()
	t.Step++
	t.Tokens += int64(c.Accum * c.Batch * c.Seq)
	t.Flops += stepFlops
	res.Loss = lossSum / float64(c.Accum)
	res.Flops = stepFlops
	res.Seconds = time.Since(start).Seconds()
	t.WallSeconds += res.Seconds
	return res, nil
}

// EvalDepth returns the depth validation runs at: the target depth through
// the share map, or the real depth, as Config.EvalDepth says (by default
// the target depth when a share map is set).
func (t *Trainer) EvalDepth() int {
	switch t.Config.EvalDepth {
	case "native":
		return t.Real
	case "full":
		return t.Config.Layers
	}
	if t.Hooks.Share != nil {
		return t.Config.Layers
	}
	return t.Real
}

// ValLoss returns the mean loss on the fixed validation windows at the
// given executed depth.
func (t *Trainer) ValLoss(depth int) (float64, error) {
	plan, err := t.Plan(depth)
	if err != nil {
		return 0, err
	}
	c := &t.Config
	n := c.Batch * c.Seq
	var sum float64
	for i := 0; i < c.EvalBatches; i++ {
		l, err := t.Model.Forward(plan, t.valX[i*n:(i+1)*n], t.valY[i*n:(i+1)*n], c.Batch, c.Seq)
		if err != nil {
			return 0, err
		}
		sum += l
	}
	return sum / float64(c.EvalBatches), nil
}

// Expand grows the real layers to newReal with the expander: new slot i
// becomes a copy of old slot src[i], and the optimizer state follows
// Config.OptState. It returns the source map.
func (t *Trainer) Expand(newReal int) ([]int, error) {
	old := t.Real
	src, err := t.expansionMap(newReal)
	if err != nil {
		return nil, err
	}
	l := t.Model.Layout
	// Snapshot the old blocks so that any map, not only one with
	// src[i] <= i, copies from the pre-expansion weights.
	size := l.Groups[model.BlockGroup(0)].Size
	snap := make([]float32, 3*old*size)
	steps := make([]int, old)
	for j := 0; j < old; j++ {
		g := model.BlockGroup(j)
		copy(snap[j*size:], l.GroupData(t.Model.Params.Data, g))
		copy(snap[(old+j)*size:], l.GroupData(t.Opt.M, g))
		copy(snap[(2*old+j)*size:], l.GroupData(t.Opt.V, g))
		steps[j] = t.Opt.Steps[g]
	}
	for i, s := range src {
		g := model.BlockGroup(i)
		copy(l.GroupData(t.Model.Params.Data, g), snap[s*size:(s+1)*size])
		if t.Config.OptState == "copy" {
			copy(l.GroupData(t.Opt.M, g), snap[(old+s)*size:(old+s+1)*size])
			copy(l.GroupData(t.Opt.V, g), snap[(2*old+s)*size:(2*old+s+1)*size])
			t.Opt.Steps[g] = steps[s]
		}
	}
	if t.Config.OptState == "reset" {
		t.Opt.Reset()
	}
	t.advance(newReal)
	return src, nil
}

// expansionMap asks the expander for the source slot of each of newReal
// slots and checks the answer.
func (t *Trainer) expansionMap(newReal int) ([]int, error) {
	old := t.Real
	if newReal <= old || newReal > t.Config.Layers {
		return nil, fmt.Errorf("cannot expand from %d to %d real layers (target depth %d)", old, newReal, t.Config.Layers)
	}
	src, err := t.Hooks.Expand(old, newReal)
	if err != nil {
		return nil, err
	}
	if err := grow.CheckMap("expansion map", src, newReal, old); err != nil {
		return nil, err
	}
	return append([]int(nil), src...), nil
}

// advance moves the run to newReal real layers: the stage and the freeze
// mask follow.
func (t *Trainer) advance(newReal int) {
	old := t.Real
	t.Real = newReal
	if st := t.Config.stages(); t.Stage < len(st)-1 && st[t.Stage+1] == newReal {
		t.Stage++
	}
	t.applyFreeze(old)
}

// applyFreeze sets the freeze mask for MSLT-style training: with
// Config.Freeze, after an expansion from prevReal blocks only the new
// blocks (index >= prevReal) and the final LayerNorm train, until the last
// stage, which trains everything. The embeddings (and so the tied LM head)
// are frozen with the old blocks, which lets the backward pass stop at the
// lowest trained block.
func (t *Trainer) applyFreeze(prevReal int) {
	if !t.Config.Freeze {
		return
	}
	if t.Real == t.Config.Layers {
		prevReal = 0
	}
	t.Model.Frozen[model.EmbedGroup] = prevReal > 0
	for i := 0; i < t.Config.Layers; i++ {
		t.Model.Frozen[model.BlockGroup(i)] = i < prevReal
	}
}

// State is the part of a trainer's state that lives outside the model's
// and optimizer's slabs: with those, it is everything needed to continue a
// run exactly (the freeze mask and the share-map cache are derived).
type State struct {
	Step        int     `json:"step"`
	Tokens      int64   `json:"tokens"`
	Flops       float64 `json:"flops"`
	Stage       int     `json:"stage"`
	Real        int     `json:"real"`
	WallSeconds float64 `json:"wall_s"`
	BatchRNG    []byte  `json:"batch_rng"` // state of the training-batch generator
	DepthRNG    []byte  `json:"depth_rng"` // state of the depth sampler's generator
}

// State returns the trainer's state.
func (t *Trainer) State() (State, error) {
	b, err := t.batcher.MarshalBinary()
	if err != nil {
		return State{}, err
	}
	d, err := t.depthRNG.MarshalBinary()
	if err != nil {
		return State{}, err
	}
	return State{t.Step, t.Tokens, t.Flops, t.Stage, t.Real, t.WallSeconds, b, d}, nil
}

// Restore sets the trainer's state from s (the model's and optimizer's
// slabs are restored separately) and re-derives the freeze mask.
func (t *Trainer) Restore(s State) error {
	st := t.Config.stages()
	if s.Stage < 0 || s.Stage >= len(st) || s.Real != st[s.Stage] {
		return fmt.Errorf("state has stage %d with %d real layers, which the stages %s do not have", s.Stage, s.Real, ints(st))
	}
	if err := t.batcher.UnmarshalBinary(s.BatchRNG); err != nil {
		return fmt.Errorf("batch generator state: %w", err)
	}
	if err := t.depthRNG.UnmarshalBinary(s.DepthRNG); err != nil {
		return fmt.Errorf("depth generator state: %w", err)
	}
	t.Step, t.Tokens, t.Flops, t.Stage, t.Real, t.WallSeconds = s.Step, s.Tokens, s.Flops, s.Stage, s.Real, s.WallSeconds
	prev := 0
	if s.Stage > 0 {
		prev = st[s.Stage-1]
	}
	t.applyFreeze(prev)
	return nil
}
