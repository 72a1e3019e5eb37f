package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
	"time"

	"workbench/core/bench"
	"workbench/core/kern"
)

func init() {
	register("bench", "measure training speed: tokens/s, GFLOP/s, memory and per-kernel times", runBench)
}

// lookupShapes resolves --config; tests replace it to run miniature shapes.
var lookupShapes = bench.Lookup

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "bench [--config tiny|small|gpt2-124m|gpt2bpe-tiny|bert-tiny|all] [--threads N] [--steps N] [--json]", stdout)
	config := fs.String("config", "tiny", "configuration: tiny, small, gpt2-124m, gpt2bpe-tiny, bert-tiny, all, or a comma-separated list")
	threads := fs.Int("threads", 0, "kernel threads (0: all cores)")
	steps := fs.Int("steps", 0, "timed training steps per configuration (0: about 2 TFLOP of work, 3 to 20 steps)")
	warmup := fs.Int("warmup", 0, "untimed steps before timing (0: 2, or 1 for gpt2-124m; -1: none)")
	kernels := fs.Bool("kernels", true, "also time each kernel of the step on its own")
	kernelTime := fs.Duration("kernel-time", 200*time.Millisecond, "time spent repeating each kernel (at least 3 calls)")
	asJSON := fs.Bool("json", false, "print one JSON object per configuration per line instead of a table")
	seed := fs.Uint64("seed", 1, "seed of the initialisation and the random tokens")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	switch {
	case *threads < 0:
		return fmt.Errorf("--threads must be 0 (all cores) or positive, got %d", *threads)
	case *steps < 0:
		return fmt.Errorf("--steps must be 0 (automatic) or positive, got %d", *steps)
	case *warmup < -1:
		return fmt.Errorf("--warmup must be -1 (none), 0 (automatic) or positive, got %d", *warmup)
	case *kernelTime <= 0:
		return fmt.Errorf("--kernel-time must be positive, got %v", *kernelTime)
	}
	shapes, err := lookupShapes(*config)
	if err != nil {
		return fmt.Errorf("--config: %v", err)
	}
	n := *threads
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	defer kern.SetThreads(kern.Threads())
	kern.SetThreads(n)

	opts := bench.Options{Warmup: *warmup, Steps: *steps, Kernels: *kernels, KernelTime: *kernelTime, Seed: *seed, Log: stderr}
	enc := json.NewEncoder(stdout)
	for i, s := range shapes {
		r, err := bench.Run(s, opts)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printBench(stdout, r)
	}
	return nil
}

// printBench writes one configuration's result as a readable table.
func printBench(w io.Writer, r bench.Result) {
	fmt.Fprintf(w, "%s: %d layers, d=%d, %d heads, seq %d, batch %d, vocab %d, %.1fM parameters; %d threads, %s\n",
		r.Config, r.Layers, r.Dim, r.Heads, r.Seq, r.Batch, r.Vocab, float64(r.Params)/1e6, r.Threads, r.Impl)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ms/step\tmin\tmax\ttokens/s\tGFLOP/s\tpeak RSS MB\tallocs/step\tcpus\tsteps\t")
	fmt.Fprintf(tw, "%.1f\t%.1f\t%.1f\t%.0f\t%.1f\t%.0f\t%.1f\t%.2f\t%d\t\n",
		r.MsPerStep, r.MsMin, r.MsMax, r.TokensPerS, r.GFLOPS, r.PeakRSSMB, r.AllocsPerStep, r.CPUs, r.Steps)
	tw.Flush()
	if len(r.Kernels) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kernel\tshape\tcalls\tms/call\tms/step\tshare\tGFLOP/s")
	for _, k := range r.Kernels {
		g := ""
		if k.GFLOPS > 0 {
			g = fmt.Sprintf("%.1f", k.GFLOPS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%.1f\t%.1f%%\t%s\n", k.Name, k.Shape, k.Calls, k.Ms, k.MsPerStep, 100*k.MsPerStep/r.MsPerStep, g)
	}
	sum := r.Kernels.MsPerStep()
	fmt.Fprintf(tw, "sum of kernels\t\t\t\t%.1f\t%.1f%%\t\n", sum, 100*sum/r.MsPerStep)
	fmt.Fprintf(tw, "rest of the step\t\t\t\t%.1f\t%.1f%%\t\n", r.MsPerStep-sum, 100*(r.MsPerStep-sum)/r.MsPerStep)
	tw.Flush()
}
