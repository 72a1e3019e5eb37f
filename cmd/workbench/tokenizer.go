package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"workbench/core/fsutil"
	"workbench/core/tokenize"
)

func init() {
	register("tokenizer", "train a BPE or WordPiece tokenizer (Hugging Face tokenizer.json)", runTokenizer)
}

func runTokenizer(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "train" {
		fmt.Fprintln(stdout, "usage: workbench tokenizer train --kind bpe|wordpiece --vocab N --data FILES... --out DIR [--lowercase]")
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			return nil
		}
		return fmt.Errorf("unknown subcommand %q (want train)", args[0])
	}
	fs := newFlagSet("tokenizer train", "tokenizer train --kind bpe|wordpiece --vocab N --data FILES... --out DIR [--lowercase]", stdout)
	kind := fs.String("kind", "bpe", "bpe (byte-level, GPT-2 style) or wordpiece (BERT style)")
	vocab := fs.Int("vocab", 8192, "vocabulary size, special tokens included")
	fs.String("data", "", "text files or directories of .txt files to train on (--data a.txt b.txt DIR ...)")
	out := fs.String("out", "", "directory to write tokenizer.json into (wordpiece: also vocab.txt)")
	lowercase := fs.Bool("lowercase", false, "wordpiece: lowercase and strip accents (BERT uncased)")
	files, err := parseDataFlags(fs, args[1:], out)
	if err != nil {
		return err
	}
	if *kind != "bpe" && *kind != "wordpiece" {
		return fmt.Errorf("--kind must be bpe or wordpiece, got %q", *kind)
	}
	if *lowercase && *kind != "wordpiece" {
		return fmt.Errorf("--lowercase applies to --kind wordpiece only (a byte-level BPE keeps the text exactly)")
	}
	if _, err := os.Stat(filepath.Join(*out, tokenize.FileName)); err == nil {
		return fmt.Errorf("%s already exists", filepath.Join(*out, tokenize.FileName))
	}
	var texts [][]byte
	var total int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("data file %s: %v", f, err)
		}
		texts = append(texts, b)
		total += len(b)
	}
	if total == 0 {
		return fmt.Errorf("the data files are empty")
	}
	start := time.Now()
	progress := func(done, all int) {
		fmt.Fprintf(stderr, "\rmerges %d/%d  %.0fs ", done, all, time.Since(start).Seconds())
	}
	var tok tokenize.Tokenizer
	if *kind == "bpe" {
		tok, err = tokenize.TrainBPE(texts, *vocab, progress)
	} else {
		tok, err = tokenize.TrainWordPiece(texts, *vocab, *lowercase, progress)
	}
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if wp, ok := tok.(*tokenize.WordPiece); ok {
		if err := fsutil.WriteFileAtomic(filepath.Join(*out, "vocab.txt"), 0o644, func(w io.Writer) error {
			_, err := w.Write(wp.VocabTxt())
			return err
		}); err != nil {
			return err
		}
	}
	if err := tokenize.Save(tok, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s tokenizer, vocabulary %d, trained on %d files (%d bytes) in %.1fs\n",
		filepath.Join(*out, tokenize.FileName), tok.Name(), tok.VocabSize(), len(files), total, time.Since(start).Seconds())
	return nil
}

// parseDataFlags parses the flags of a command that reads data files
// ("--data FILE..." and --out, which is required) and returns the files.
func parseDataFlags(fs *flag.FlagSet, args []string, out *string) ([]string, error) {
	args, dataArgs := takeDataFiles(args)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	files, err := dataFiles(dataArgs, fs.Args())
	if err != nil {
		return nil, err
	}
	if *out == "" {
		return nil, fmt.Errorf("--out is required")
	}
	return files, nil
}

// takeDataFiles removes "--data FILE..." from args: the values that
// follow --data up to the next flag, so that the data files may sit before
// other flags as in "--data a.txt b.txt --out DIR". It returns the other
// arguments and the files.
func takeDataFiles(args []string) (rest, files []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "data" {
			rest = append(rest, a)
			continue
		}
		if hasValue {
			files = append(files, value)
		}
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			files = append(files, args[i])
		}
	}
	return rest, files
}

// dataFiles returns the text files named by the --data values (and any
// arguments left after the flags); a directory stands for its *.txt files
// in name order.
func dataFiles(names ...[]string) ([]string, error) {
	var all []string
	for _, n := range names {
		all = append(all, n...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("--data is required")
	}
	var files []string
	for _, n := range all {
		st, err := os.Stat(n)
		if err != nil {
			return nil, fmt.Errorf("data file %s does not exist", n)
		}
		if !st.IsDir() {
			files = append(files, n)
			continue
		}
		txt, _ := filepath.Glob(filepath.Join(n, "*.txt"))
		if len(txt) == 0 {
			return nil, fmt.Errorf("data directory %s holds no .txt files", n)
		}
		sort.Strings(txt)
		files = append(files, txt...)
	}
	return files, nil
}
