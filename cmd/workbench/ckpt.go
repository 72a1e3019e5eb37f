package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"workbench/core/ckpt"
	"workbench/core/model"
	"workbench/core/safetensors"
	"workbench/core/script"
	"workbench/core/train"
)

func init() {
	register("ckpt", "inspect, verify, export or import checkpoints", runCkpt)
}

const ckptUsage = `usage: workbench ckpt <subcommand> [flags]

subcommands:
  inspect FILE                          configuration, progress, tensors and checksum of a checkpoint
  verify FILE|DIR...                    check checkpoints (a run directory: all of its ckpt/); exit 1 if any is bad
  export FILE --out DIR                 write the weights as a Hugging Face GPT-2 or BertForMaskedLM (model.safetensors, config.json)
  import FILE --out DIR [--heads N]     turn Hugging Face GPT-2 weights into a model directory for eval and train --init
`

func runCkpt(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, ckptUsage)
		if len(args) == 0 {
			return errors.New("a subcommand is required: inspect, verify, export or import")
		}
		return nil
	}
	switch args[0] {
	case "inspect":
		return ckptInspect(args[1:], stdout)
	case "verify":
		return ckptVerify(args[1:], stdout)
	case "export":
		return ckptExport(args[1:], stdout)
	case "import":
		return ckptImport(args[1:], stdout)
	}
	return fmt.Errorf("unknown subcommand %q (want inspect, verify, export or import)", args[0])
}

// parseMixed parses flags that may come before or after the positional
// arguments, and returns the positional arguments.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func ckptInspect(args []string, stdout io.Writer) error {
	fs := newFlagSet("ckpt inspect", "ckpt inspect FILE", stdout)
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("inspect takes one checkpoint file, got %d arguments", len(pos))
	}
	path := pos[0]
	h, compressed, err := ckpt.ReadHeader(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	enc := "uncompressed"
	if compressed {
		enc = fmt.Sprintf("zstd, %.2fx smaller than the %s it holds", float64(h.DataSize)/float64(st.Size()), size(h.DataSize))
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "file\t%s (%s, %s)\n", path, size(st.Size()), enc)
	c, verr := ckpt.ReadFile(path)
	if verr != nil {
		fmt.Fprintf(w, "checksum\tFAILED: %v\n", verr)
	} else {
		fmt.Fprintf(w, "checksum\tok (crc32c %08x)\n", c.Checksum)
	}
	var cfg train.Config
	var state train.State
	if c != nil {
		cfg, state, err = train.DecodeCheckpoint(c)
		if err != nil {
			fmt.Fprintf(w, "state\t%v\n", err)
		}
		mc := c.Model
		arch := ""
		if mc.IsBERT() {
			arch = "BERT, "
		}
		fmt.Fprintf(w, "model\t%s%d layers, d=%d, %d heads, seq %d, vocab %d (%d parameters)\n", arch, mc.Layers, mc.Dim, mc.Heads, mc.Seq, mc.Vocab, mc.NumParams())
		fmt.Fprintf(w, "progress\tstep %d of %d, stage %d with %d real layers, %d tokens, %.4g FLOPs, %.1f s of training\n",
			state.Step, cfg.Steps, state.Stage, state.Real, state.Tokens, state.Flops, state.WallSeconds)
		fmt.Fprintf(w, "sources\tsha256 %s\n", orNone(c.SourceHash))
		fmt.Fprintf(w, "data\t%s (sha256 %s)\n", cfg.Data, orNone(c.DataHash))
		o := c.Optim
		fmt.Fprintf(w, "optimizer\tAdamW beta1 %g, beta2 %g, eps %g, weight decay %g; group steps %v\n", o.Beta1, o.Beta2, o.Eps, o.WeightDecay, o.Steps)
	}
	w.Flush()
	fmt.Fprintln(stdout)
	w = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "tensor\tdtype\tshape\tbytes\tadam steps")
	var steps map[string]int
	json.Unmarshal([]byte(h.Metadata["ckpt.tensor_steps"]), &steps)
	moments := 0
	var momentBytes int64
	isCkpt := h.Metadata["workbench.ckpt"] != ""
	for _, t := range h.Tensors {
		if isCkpt && (strings.HasPrefix(t.Name, ckpt.PrefixM) || strings.HasPrefix(t.Name, ckpt.PrefixV)) {
			moments++
			momentBytes += t.End - t.Begin
			continue
		}
		s := "-"
		if n, ok := steps[t.Name]; ok {
			s = fmt.Sprint(n)
		}
		fmt.Fprintf(w, "%s\t%s\t%v\t%d\t%s\n", t.Name, t.DType, t.Shape, t.End-t.Begin, s)
	}
	w.Flush()
	if moments > 0 {
		fmt.Fprintf(stdout, "plus %d AdamW moment tensors (%s and %s, same shapes): %s\n", moments, ckpt.PrefixM+"<name>", ckpt.PrefixV+"<name>", size(momentBytes))
	}
	if c != nil {
		var b bytes.Buffer
		json.Indent(&b, c.Config, "", "  ")
		fmt.Fprintf(stdout, "\nconfig:\n%s\n", b.String())
	}
	if verr != nil {
		return errors.New("the checkpoint does not verify")
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// size formats a byte count.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func ckptVerify(args []string, stdout io.Writer) error {
	fs := newFlagSet("ckpt verify", "ckpt verify FILE|DIR...", stdout)
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errors.New("verify needs checkpoint files or run directories")
	}
	var files []string
	for _, p := range pos {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		dir := p
		if _, err := os.Stat(train.CkptDir(p)); err == nil {
			dir = train.CkptDir(p)
		}
		es, err := ckpt.List(dir)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return fmt.Errorf("%s holds no checkpoint", p)
		}
		for _, e := range es {
			files = append(files, e.Path)
		}
	}
	bad := 0
	for _, f := range files {
		c, err := ckpt.ReadFile(f)
		if err != nil {
			bad++
			fmt.Fprintf(stdout, "BAD %v\n", err)
			continue
		}
		_, st, _ := train.DecodeCheckpoint(c)
		fmt.Fprintf(stdout, "ok  %s: step %d, crc32c %08x\n", f, st.Step, c.Checksum)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d checkpoints are bad", bad, len(files))
	}
	return nil
}

func ckptExport(args []string, stdout io.Writer) error {
	fs := newFlagSet("ckpt export", "ckpt export FILE --out DIR [--format hf-gpt2]", stdout)
	format := fs.String("format", "hf-gpt2", "output format; hf-gpt2: Hugging Face model.safetensors and config.json (a BERT checkpoint as BertForMaskedLM, with vocab.txt)")
	out := fs.String("out", "", "output directory")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("export takes one checkpoint file, got %d arguments", len(pos))
	}
	if *format != "hf-gpt2" {
		return fmt.Errorf("--format must be hf-gpt2, got %q", *format)
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	c, err := ckpt.ReadFile(pos[0])
	if err != nil {
		return err
	}
	cfg, st, err := train.DecodeCheckpoint(c)
	if err != nil {
		return fmt.Errorf("%s: %v", pos[0], err)
	}
	var hooks train.Hooks
	if st.Real < c.Model.Layers && cfg.ShareMap != "" {
		p, err := script.LoadShareMap(cfg.ShareMap)
		if err != nil {
			return fmt.Errorf("the checkpoint is at %d of %d layers; exporting it at full depth needs its share map: %v", st.Real, c.Model.Layers, err)
		}
		hooks.Share = p.Share
	}
	if err := train.ExportHF(c, hooks, *out); err != nil {
		return err
	}
	mc, err := model.ReadHFConfig(filepath.Join(*out, "config.json"), 1)
	if err != nil {
		return err
	}
	kind := "GPT-2"
	if mc.IsBERT() {
		kind = "BertForMaskedLM (with vocab.txt)"
	}
	fmt.Fprintf(stdout, "wrote %s and config.json: a %d-layer %s from step %d (%d real layers)\n",
		filepath.Join(*out, "model.safetensors"), mc.Layers, kind, st.Step, st.Real)
	return nil
}

func ckptImport(args []string, stdout io.Writer) error {
	fs := newFlagSet("ckpt import", "ckpt import FILE --out DIR [--heads N]", stdout)
	out := fs.String("out", "", "output model directory (model.safetensors and config.json)")
	heads := fs.Int("heads", 0, "attention heads (default: n_head of the config.json beside FILE)")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("import takes one safetensors file, got %d arguments", len(pos))
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	path := pos[0]
	// The shape comes from config.json when there is one, otherwise from
	// the tensors the file holds; either way it is bounded and checked
	// against the weights before any memory is allocated for the model.
	beside := filepath.Join(filepath.Dir(path), "config.json")
	var mc model.Config
	haveConfig := false
	if _, err := os.Stat(beside); err == nil {
		if mc, err = model.ReadHFConfig(beside, 1); err != nil {
			return err
		}
		haveConfig = true
		if *heads != 0 {
			mc.Heads = *heads
		}
		if err := ckpt.CheckShape(mc); err != nil {
			return fmt.Errorf("%s: %v", beside, err)
		}
	} else if *heads == 0 {
		return fmt.Errorf("the number of heads is not in the weights: pass --heads or put the model's config.json beside %s", path)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	if !haveConfig {
		if mc, err = ckpt.HFShape(f, *heads); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
	}
	m, err := ckpt.ImportHF(f, mc)
	if err != nil {
		if haveConfig {
			return fmt.Errorf("%s does not hold the model %s describes: %v", path, beside, err)
		}
		return fmt.Errorf("%s: %v", path, err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := m.WriteSafetensors(filepath.Join(*out, "model.safetensors"), map[string]string{"format": "pt", "producer": "workbench"}); err != nil {
		return err
	}
	if err := model.WriteHFConfig(filepath.Join(*out, "config.json"), mc); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and config.json: %d layers, d=%d, %d heads, seq %d, vocab %d\n",
		filepath.Join(*out, "model.safetensors"), mc.Layers, mc.Dim, mc.Heads, mc.Seq, mc.Vocab)
	return nil
}
