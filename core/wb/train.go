package wb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"workbench/core/grow"
	"workbench/core/train"
	"workbench/core/wb/internal/env"
)

// Result is the record of a finished or interrupted run, as written to its
// summary.json.
type Result struct {
	Name   string // run name, the base name of Dir
	Method string // method label used by compare
	Dir    string // run directory, inside the experiment directory

	Steps       int     // optimizer steps taken
	Tokens      int64   // training tokens consumed
	Flops       float64 // training FLOPs spent
	WallSeconds float64 // training time, evaluation excluded
	// ValLoss is the loss on the whole validation split at the end, at full
	// depth if the run reached it, in nats per token; BitsPerByte is the
	// same in bits per byte.
	ValLoss     float64
	BitsPerByte float64
	Interrupted bool // the run was stopped before its end
	// PluginSeconds is the time spent calling the run's interpreted
	// plugins (sampler, share map and expander), included in WallSeconds
	// as far as it falls inside training steps.
	PluginSeconds float64
}

// String returns a one-line summary of the run.
func (r Result) String() string {
	s := fmt.Sprintf("%s: %d steps, %.3g FLOPs, %.1f s, validation loss %.4f", r.Name, r.Steps, r.Flops, r.WallSeconds, r.ValLoss)
	if r.Interrupted {
		s += " (interrupted)"
	}
	return s
}

// Train runs a complete training run of cfg in the subdirectory of the
// experiment directory named cfg.Name (by default cfg.Method), loading the
// plugins that cfg.Sampler, cfg.ShareMap and cfg.Expander name (an empty
// name or "none" means no plugin: without a sampler each step executes the
// real depth, without a share map the identity map is used). Progress goes
// to standard error. It returns an error for an invalid configuration, a
// plugin that fails to load or fails, or a run directory that already
// exists (unless the experiment is resumed: workbench run --resume).
func Train(cfg TrainConfig) (Result, error) {
	s := env.Current()
	defer s.Enter()()
	s.CheckStopped()
	if cfg.Method == "" {
		cfg.Method = cfg.DerivedMethod()
	}
	if s.Plan {
		return planRun(s, cfg)
	}
	r, timer, err := start(s, cfg)
	if errors.Is(err, errFinished) {
		return finishedResult(s, cfg)
	}
	if err != nil {
		return Result{}, err
	}
	defer r.Close()
	c := &r.Config
	fmt.Fprintf(s.Stderr, "training %s (%s): %d layers, d=%d, %d heads, seq %d, batch %d, %.2fM parameters, %s -> %s\n",
		c.Name, c.Method, c.Layers, c.Dim, c.Heads, c.Seq, c.Batch, float64(r.Model.Config.NumParams())/1e6, budget(c), r.Dir)
	err = r.Run(s.Context())
	res := result(r, timer)
	if errors.Is(err, train.ErrInterrupted) {
		how := "workbench run " + s.Script + " --resume " + s.Dir
		if s.Script == "" {
			how = "wb.Train in a session resumed on " + s.Dir
		}
		s.Stopf("run %s stopped at step %d (%v); its model, logs and checkpoint are in %s; continue with: %s", c.Name, r.Step, contextCause(s), r.Dir, how)
	}
	if err != nil {
		return res, fmt.Errorf("run %s: %w", c.Name, err)
	}
	if timer.seconds > 0 {
		fmt.Fprintf(s.Stderr, "%s: interpreted plugins took %.3f s, %.3f%% of the training time\n",
			c.Name, timer.seconds, 100*timer.seconds/math.Max(res.WallSeconds, 1e-9))
	}
	return res, nil
}

// planRun writes the plan directory of the run cfg describes, in place of
// training it (workbench plan). The result holds the planned counters; its
// losses are NaN.
func planRun(s *env.Session, cfg TrainConfig) (Result, error) {
	name, err := runName(s, &cfg)
	if err != nil {
		return Result{}, err
	}
	hooks, err := loadHooks(s, &cfg, &hookTimer{})
	if err != nil {
		return Result{}, err
	}
	if err := s.EnsureDir(); err != nil {
		return Result{}, err
	}
	dir := filepath.Join(s.Dir, name)
	p, err := train.WritePlan(cfg, hooks, dir, s.PlanBatches)
	if err != nil {
		return Result{}, fmt.Errorf("plan %s: %w", name, err)
	}
	s.Planned++
	fmt.Fprintf(s.Stderr, "planned %s (%s): %d steps, %d expansions, %.3g FLOPs in %.1f s -> %s\n",
		name, cfg.Method, p.Steps, p.Expansions, p.Flops, p.Seconds, dir)
	return Result{Name: name, Method: cfg.Method, Dir: dir, Steps: p.Steps, Tokens: p.Tokens, Flops: p.Flops,
		ValLoss: math.NaN(), BitsPerByte: math.NaN()}, nil
}

// runName names cfg's run (by default after its method) and checks that
// the name is one path element.
func runName(s *env.Session, cfg *TrainConfig) (string, error) {
	if cfg.Name == "" {
		cfg.Name = cfg.Method
	}
	if cfg.Name == "" {
		cfg.Name = "run"
	}
	if !filepath.IsLocal(cfg.Name) || filepath.Base(cfg.Name) != cfg.Name {
		return "", fmt.Errorf("run name %q must be one path element (it names the run's directory in %s)", cfg.Name, s.Dir)
	}
	if cfg.Out != "" {
		return "", fmt.Errorf("run %s: leave Out empty; runs go into the experiment directory as %s", cfg.Name, filepath.Join(s.Dir, cfg.Name))
	}
	return cfg.Name, nil
}

// contextCause returns why the session's context ended.
func contextCause(s *env.Session) error {
	if c := context.Cause(s.Context()); c != nil {
		return c
	}
	return errors.New("stopped")
}

// budget describes how long a run lasts.
func budget(c *TrainConfig) string {
	if c.FlopsBudget > 0 {
		return fmt.Sprintf("%.3g FLOPs (at most %d steps)", c.FlopsBudget, c.Steps)
	}
	return fmt.Sprintf("%d steps", c.Steps)
}

// start prepares a run of cfg in the experiment directory: it names it,
// loads its plugins, builds the trainer and creates the run directory.
func start(s *env.Session, cfg TrainConfig) (*train.Run, *hookTimer, error) {
	if _, err := runName(s, &cfg); err != nil {
		return nil, nil, err
	}
	cfg.Out = filepath.Join(s.Dir, cfg.Name)
	if entries, err := os.ReadDir(cfg.Out); err == nil && len(entries) > 0 {
		if !s.Resume {
			return nil, nil, fmt.Errorf("run directory %s already exists; give each run of the experiment its own Name, or continue the experiment with --resume", cfg.Out)
		}
		if sum, err := readSummary(cfg.Out); err == nil && !sum.Interrupted {
			return nil, nil, errFinished
		}
		cfg.Resume = cfg.Out
	}
	timer := &hookTimer{}
	hooks, err := loadHooks(s, &cfg, timer)
	if err != nil {
		return nil, nil, err
	}
	t, err := train.New(cfg, hooks)
	if err != nil {
		return nil, nil, err
	}
	if err := s.EnsureDir(); err != nil {
		return nil, nil, err
	}
	r, err := train.Start(t, s.Stderr)
	if err != nil {
		return nil, nil, err
	}
	return r, timer, nil
}

// errFinished says that a resumed experiment's run has already finished.
var errFinished = errors.New("run already finished")

// readSummary reads the summary.json of run directory dir.
func readSummary(dir string) (train.Summary, error) {
	var sum train.Summary
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	return sum, err
}

// finishedResult returns the result of a run of cfg that finished before
// the experiment was resumed.
func finishedResult(s *env.Session, cfg TrainConfig) (Result, error) {
	if cfg.Name == "" {
		cfg.Name = cfg.Method
	}
	dir := filepath.Join(s.Dir, cfg.Name)
	sum, err := readSummary(dir)
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(s.Stderr, "%s finished before; not training it again\n", dir)
	return Result{
		Name: cfg.Name, Method: cfg.Method, Dir: dir, Steps: sum.Steps, Tokens: sum.Tokens, Flops: sum.Flops,
		WallSeconds: sum.WallSeconds, ValLoss: sum.ValLoss, BitsPerByte: sum.ValBPB,
	}, nil
}

// hookTimer accumulates the time spent in plugin calls.
type hookTimer struct{ seconds float64 }

// loadHooks loads the plugins cfg names through the engine and times their
// calls.
func loadHooks(s *env.Session, cfg *TrainConfig, timer *hookTimer) (train.Hooks, error) {
	if env.LoadHooks == nil {
		return train.Hooks{}, errNoEngine
	}
	h, err := env.LoadHooks(s, cfg)
	if err != nil {
		return h, err
	}
	if sample := h.Sample; sample != nil {
		h.Sample = func(st grow.SampleState) (int, error) {
			t0 := time.Now()
			d, err := sample(st)
			timer.seconds += time.Since(t0).Seconds()
			return d, err
		}
	}
	if share := h.Share; share != nil {
		h.Share = func(real, depth int) ([]int, error) {
			t0 := time.Now()
			ids, err := share(real, depth)
			timer.seconds += time.Since(t0).Seconds()
			return ids, err
		}
	}
	if expand := h.Expand; expand != nil {
		h.Expand = func(oldReal, newReal int) ([]int, error) {
			t0 := time.Now()
			src, err := expand(oldReal, newReal)
			timer.seconds += time.Since(t0).Seconds()
			return src, err
		}
	}
	return h, nil
}

// result reads the run's summary.json, falling back on the trainer's
// counters.
func result(r *train.Run, timer *hookTimer) Result {
	c := &r.Config
	res := Result{
		Name: c.Name, Method: c.Method, Dir: r.Dir,
		Steps: r.Step, Tokens: r.Tokens, Flops: r.Flops, WallSeconds: r.WallSeconds,
		ValLoss: math.NaN(), BitsPerByte: math.NaN(), PluginSeconds: timer.seconds,
	}
	if sum, err := readSummary(r.Dir); err == nil {
		res.ValLoss, res.BitsPerByte, res.Interrupted = sum.ValLoss, sum.ValBPB, sum.Interrupted
	}
	return res
}
