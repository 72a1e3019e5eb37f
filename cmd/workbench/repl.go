package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/chzyer/readline"
	"golang.org/x/term"

	"workbench/core/wb/host"
)

func init() {
	register("repl", "interactive Go prompt with the experiment facade wb imported", runREPL)
}

const replUsage = "usage: workbench repl [--set key=value ...] [--out DIR] [--memory-limit SIZE] [--unrestricted]"

// stdin is the loop's input; tests replace it.
var stdin io.Reader = os.Stdin

const replHelp = `Type Go: declarations, statements or an expression, whose values are printed.
Input continues on the next line while braces, parentheses or brackets are open.
The packages wb (workbench/core/wb) and fmt are imported; import others as in Go.

  cfg := wb.Config()                  the defaults of workbench train (--set applied)
  cfg.Layers, cfg.Steps = 2, 20
  t, err := wb.NewTrainer(cfg)        a run in the experiment directory
  t.Steps(10)                         train; returns the last loss
  t.Eval()                            validation loss
  t.Save()                            write model.safetensors and summary.json
  res, err := wb.Train(cfg)           a whole run
  wb.Compare("baseline", "apollo")    compare runs of the experiment directory

Ctrl-C stops a running input after its current training step (twice: quit);
Ctrl-D, :quit or :q leaves. See docs/scripting.md.`

// lineReader reads input lines, showing a prompt when interactive.
type lineReader interface {
	readLine(prompt string) (string, error)
	close() error
}

// errClearLine is returned by a lineReader when the user pressed Ctrl-C at
// the prompt: the pending input is dropped.
var errClearLine = errors.New("input cleared")

// runREPL implements "workbench repl".
func runREPL(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("repl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var set setFlags
	fs.Var(&set, "set", "parameter `key=value` for wb.Int, wb.Config, ... (repeatable)")
	out := fs.String("out", "", "experiment `DIR` (default checkpoints/repl-<time>)")
	unrestricted := fs.Bool("unrestricted", false, "offer the whole standard library (processes, network, file writes)")
	memLimit := fs.String("memory-limit", "", "stop an input when the process holds this much memory (`SIZE` such as 8G; default 90% of the machine's)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, replUsage+"\n\n"+replHelp+"\n\nflags:")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("%v (run \"workbench repl -h\" for the flags)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (%s)", fs.Arg(0), replUsage)
	}
	limit, err := memoryFlag(*memLimit)
	if err != nil {
		return err
	}

	interactive := isTerminal(stdin)
	var in lineReader
	if interactive {
		rl, err := readline.NewEx(&readline.Config{
			HistoryFile:     historyFile(),
			InterruptPrompt: "^C",
			Stdout:          stdout,
			Stderr:          stderr,
		})
		if err != nil {
			return err
		}
		in = &terminalReader{rl}
	} else {
		in = &pipeReader{bufio.NewReader(stdin)}
	}
	defer in.close()

	r, err := host.NewREPL(host.Options{Dir: *out, Set: set, Unrestricted: *unrestricted, Stdout: stdout, Stderr: stderr, MemoryLimit: limit})
	if err != nil {
		return err
	}
	defer r.Close()
	if interactive {
		fmt.Fprintf(stdout, "workbench repl: Go with wb and fmt imported; runs go into %s. :help for help, Ctrl-D to quit.\n", r.Dir())
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)

	failed := 0
	var buf strings.Builder
	for {
		prompt := "wb> "
		if buf.Len() > 0 {
			prompt = "... "
		}
		line, err := in.readLine(prompt)
		if errors.Is(err, errClearLine) {
			buf.Reset()
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		eof := errors.Is(err, io.EOF)
		if !eof && buf.Len() == 0 {
			switch strings.TrimSpace(line) {
			case ":q", ":quit", ":exit":
				return replResult(failed, interactive)
			case ":help", ":h":
				fmt.Fprintln(stdout, replHelp)
				continue
			}
		}
		if !eof {
			buf.WriteString(line)
			buf.WriteByte('\n')
		}
		src := buf.String()
		if !eof && r.Incomplete(src) {
			continue
		}
		buf.Reset()
		if strings.TrimSpace(src) != "" {
			if !evalInput(r, src, sig, stdout, stderr) {
				failed++
			}
		}
		if eof {
			if interactive {
				fmt.Fprintln(stdout)
			}
			return replResult(failed, interactive)
		}
	}
}

// evalInput evaluates one input, cancelling it on a signal; a second
// signal quits the process. It reports whether the input succeeded.
func evalInput(r *host.REPL, src string, sig chan os.Signal, stdout, stderr io.Writer) bool {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	defer watchSignals(sig, cancel, stderr)()
	out, err := r.Eval(ctx, src)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return false
	}
	if out != "" {
		fmt.Fprintln(stdout, out)
	}
	return true
}

// replResult is the loop's result: without a terminal, failed inputs make
// the command fail, so that piped sessions can be checked.
func replResult(failed int, interactive bool) error {
	if failed > 0 && !interactive {
		return fmt.Errorf("%d input(s) failed", failed)
	}
	return nil
}

// isTerminal reports whether r is a terminal. (A character device such
// as /dev/null is not.)
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// historyFile returns the file of the loop's line history, or "" for none.
func historyFile() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".workbench_history")
}

// terminalReader reads lines with line editing and history.
type terminalReader struct{ rl *readline.Instance }

func (t *terminalReader) readLine(prompt string) (string, error) {
	t.rl.SetPrompt(prompt)
	line, err := t.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		return "", errClearLine
	}
	return line, err
}

func (t *terminalReader) close() error { return t.rl.Close() }

// pipeReader reads lines from a non-terminal input, without prompts.
type pipeReader struct{ r *bufio.Reader }

func (p *pipeReader) readLine(string) (string, error) {
	line, err := p.r.ReadString('\n')
	if err == io.EOF && line != "" {
		return strings.TrimRight(line, "\r"), nil
	}
	return strings.TrimRight(line, "\r\n"), err
}

func (p *pipeReader) close() error { return nil }
