// Command crashtest kills workbench training runs with SIGKILL at random
// moments, during checkpoint writes, during the final evaluation and
// during other writes of the run directory, and checks after every kill
// that each checkpoint left verifies, that the next process resumes from
// the newest checkpoint (or restarts from step 0 when there is none)
// after removing every temporary file, and that every run killed along
// the way ends with the model of an uninterrupted run, byte for byte.
//
// From the repository root:
//
//	go build -o /tmp/workbench ./cmd/workbench
//	go run ./tools/crashtest --bin /tmp/workbench --kills 100
//
// It prints one line per kill and the counts at the end; the exit status
// is 1 on the first failure. go test ./tools/crashtest runs the same test
// with a few kills.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	var opts Options
	flag.StringVar(&opts.Bin, "bin", "", "the workbench binary (required; go build -o /tmp/workbench ./cmd/workbench)")
	flag.StringVar(&opts.Data, "data", "datasets/tinyshakespeare.txt", "training text")
	flag.StringVar(&opts.Work, "work", "", "directory for the runs (default: a new temporary directory, removed at the end)")
	flag.IntVar(&opts.Kills, "kills", 100, "SIGKILLs to deliver")
	flag.Uint64Var(&opts.Seed, "seed", 1, "seed of the random kill moments")
	flag.Parse()
	if opts.Bin == "" {
		fmt.Fprintln(os.Stderr, "crashtest: --bin is required (go build -o /tmp/workbench ./cmd/workbench)")
		os.Exit(2)
	}
	if opts.Work == "" {
		dir, err := os.MkdirTemp("", "crashtest")
		if err != nil {
			fmt.Fprintln(os.Stderr, "crashtest:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
		opts.Work = dir
	}
	opts.Log = os.Stdout
	start := time.Now()
	rep, err := Run(opts)
	fmt.Printf("%v in %v\n", rep, time.Since(start).Round(time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.RemoveAll(opts.Work)
		os.Exit(1)
	}
}
