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
		fmt.Fprintln(stdout, "usage: workbench tokenizer train --kind bpe|wordpiece --vocab N --data FILES... --out PATH [--lowercase]")
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			return nil
		}
		return fmt.Errorf("unknown subcommand %q (want train)", args[0])
	}
	fs := newFlagSet("tokenizer train", "tokenizer train --kind bpe|wordpiece --vocab N --data FILES... --out PATH [--lowercase]", stdout)
	kind := fs.String("kind", "bpe", "bpe (byte-level, GPT-2 style) or wordpiece (BERT style)")
	vocab := fs.Int("vocab", 8192, "vocabulary size, special tokens included")
	fs.String("data", "", "text files or directories of .txt files to train on (--data a.txt b.txt DIR ...)")
	out := fs.String("out", "", "a PATH ending in .json: the tokenizer.json file itself; any other PATH: a directory to write\n"+
		"tokenizer.json and tokenizer_config.json into (wordpiece: also vocab.txt)")
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
	dest, single := tokenizerDest(*out)
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s already exists", dest)
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
	if err := saveTokenizer(tok, *out, single); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s tokenizer, vocabulary %d, trained on %d files (%d bytes) in %.1fs\n",
		dest, tok.Name(), tok.VocabSize(), len(files), total, time.Since(start).Seconds())
	return nil
}

// tokenizerDest returns the tokenizer.json file that --out names and
// whether out is that file itself: a path ending in .json that is not an
// existing directory is the file (as the tokenizers library's
// Tokenizer.save writes it), any other path a directory.
func tokenizerDest(out string) (file string, single bool) {
	if st, err := os.Stat(out); (err != nil || !st.IsDir()) && strings.EqualFold(filepath.Ext(out), ".json") {
		return out, true
	}
	return filepath.Join(out, tokenize.FileName), false
}

// saveTokenizer writes tok to out, creating the directories it needs, each
// file atomically: when single, the tokenizer.json file out alone; else,
// as transformers' save_pretrained does, tokenizer.json and
// tokenizer_config.json in the directory out, and for a WordPiece also
// BERT's vocab.txt.
func saveTokenizer(tok tokenize.Tokenizer, out string, single bool) error {
	dir := out
	if single {
		dir = filepath.Dir(out)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(path string, b []byte) error {
		return fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error {
			_, err := w.Write(b)
			return err
		})
	}
	if single {
		b, err := tok.JSON()
		if err != nil {
			return err
		}
		return write(out, b)
	}
	if wp, ok := tok.(*tokenize.WordPiece); ok {
		if err := write(filepath.Join(out, "vocab.txt"), wp.VocabTxt()); err != nil {
			return err
		}
	}
	return tokenize.Save(tok, out)
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
