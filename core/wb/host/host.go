// Package host runs experiment scripts and the read-eval-print loop: it
// interprets Go code that imports the facade workbench/core/wb, with the
// restrictions and checks of the plugin host (package
// workbench/core/script), and gives the facade its environment: the
// experiment directory, the --set parameters and the context that stops
// training. Commands "workbench run" and "workbench repl" are built on it.
//
// One script or loop runs at a time in a process: Run and NewREPL wait for
// the previous one to end.
package host

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"workbench/core/script"
	"workbench/core/wb"
	_ "workbench/core/wb/engine" // plugins and comparisons for the facade
	"workbench/core/wb/internal/env"
	"workbench/core/wb/symbols"
)

// Options configure a script run or a loop.
type Options struct {
	// Dir is the experiment directory; "" means
	// checkpoints/<script name>-<time> (checkpoints/repl-<time> for the
	// loop).
	Dir string
	// Set holds the --set arguments: key=value settings, several per
	// argument separated by commas.
	Set []string
	// Unrestricted offers the script and its plugins the whole standard
	// library (os/exec, net, file writes, ...).
	Unrestricted bool
	// Resume continues an experiment in Dir: runs that finished are not
	// trained again (Train returns their summary), interrupted ones resume
	// from their newest checkpoint.
	Resume bool
	// Plan writes a plan directory for each run the script starts instead
	// of training it; PlanBatches adds every micro-batch's training
	// windows (see train.WritePlan). A script that starts no run is then
	// an error.
	Plan, PlanBatches bool
	// Stdout and Stderr receive the script's output and the facade's
	// progress; nil means os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// MemoryLimit is the ceiling, in bytes, of the memory the process may
	// hold while the script runs (or a loop's input is evaluated); 0 means
	// DefaultMemoryFraction of the machine's memory. At the ceiling the
	// script stops with a *MemoryError as cause, as Ctrl-C would stop it;
	// a quarter above it, the process exits with that message.
	MemoryLimit int64
}

func (o *Options) streams() (io.Writer, io.Writer) {
	out, errw := o.Stdout, o.Stderr
	if out == nil {
		out = os.Stdout
	}
	if errw == nil {
		errw = os.Stderr
	}
	return out, errw
}

// DefaultDir returns the default experiment directory of a script or loop
// called name: checkpoints/<name>-<YYYYMMDD-HHMMSS>.
func DefaultDir(name string) string {
	return filepath.Join("checkpoints", name+"-"+time.Now().Format("20060102-150405"))
}

// one serialises scripts and loops: the facade's environment is global.
var one sync.Mutex

// Run interprets the experiment script at path until it returns, fails or
// ctx ends. It reports, before running anything, compile errors (one line
// each, "file:line:col: message"), forbidden imports and --set keys that
// the script never reads. When ctx ends, the training run in progress stops
// after its current step and saves its model, and Run returns an error
// saying where it stopped, wrapping context.Cause(ctx).
func Run(ctx context.Context, path string, opt Options) error {
	params, err := env.ParseSet(opt.Set)
	if err != nil {
		return err
	}
	stdout, stderr := opt.streams()
	src, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("script %s: %v", pe.Path, pe.Err)
		}
		return err
	}
	l := &script.Loader{Unrestricted: opt.Unrestricted, Stdout: stdout, Stderr: stderr}
	prog, err := l.CompileProgram(path, src, symbols.Symbols)
	if err != nil {
		return err
	}
	fset, file := prog.File()
	if err := checkParams(path, params, scanParams(fset, file)); err != nil {
		return err
	}

	dir := opt.Dir
	if dir == "" {
		dir = DefaultDir(strings.TrimSuffix(filepath.Base(path), ".go"))
	}
	one.Lock()
	defer one.Unlock()
	// A panic in a goroutine of the script stops the training in progress
	// too.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	prog.CancelOnPanic(cancel)
	defer watchMemory(memoryLimit(opt.MemoryLimit), cancel, stderr)()
	s := env.New(dir, params)
	s.Script, s.Source = path, src
	s.Stdout, s.Stderr = stdout, stderr
	s.Unrestricted = opt.Unrestricted
	s.Resume = opt.Resume
	s.Plan, s.PlanBatches = opt.Plan, opt.PlanBatches
	s.SetContext(ctx)
	defer env.Install(s)()

	err = prog.Run(ctx)
	var pe *script.PanicError
	if errors.As(err, &pe) && pe.Goroutine {
		s.Wait()
		return err
	}
	if err != nil && ctx.Err() != nil {
		// Let the run in progress save itself, then say where it stopped.
		s.Wait()
		return stopError(path, s, ctx)
	}
	if err != nil {
		return scriptError(path, err)
	}
	for _, k := range params.Unread() {
		fmt.Fprintf(stderr, "warning: --set %s was never read by %s\n", k, path)
	}
	if opt.Plan && s.Planned == 0 {
		return fmt.Errorf("%s trains nothing: it started no run with wb.Train, so there is no plan to write", path)
	}
	return nil
}

// StopError reports a script or input stopped because its context ended:
// where it stopped and what was saved.
type StopError struct {
	Msg   string
	Cause error // context.Cause of the context
}

// Error returns where the script stopped and what was saved.
func (e *StopError) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *StopError) Unwrap() error { return e.Cause }

// stopError describes the stop of a script whose context ended.
func stopError(prefix string, s *env.Session, ctx context.Context) error {
	cause := context.Cause(ctx)
	msg := s.StopMessage()
	if msg == "" {
		msg = fmt.Sprintf("stopped (%v)", cause)
	}
	if prefix != "" {
		msg = prefix + ": " + msg
	}
	return &StopError{Msg: msg, Cause: cause}
}

// scriptError formats an error of a script: the facade's failures and
// stops by their message, other panics with their position.
func scriptError(path string, err error) error {
	prefix := ""
	if path != "" {
		prefix = path + ": "
	}
	var f *env.Failure
	if errors.As(err, &f) {
		return errors.New(prefix + f.Msg)
	}
	var st *env.Stop
	if errors.As(err, &st) {
		return errors.New(prefix + st.Msg)
	}
	return err
}

// paramUse is what a script's source says about the parameters it reads.
type paramUse struct {
	keys     map[string]bool // keys read with wb.Int, Float, String or Bool
	config   bool            // whether it calls wb.Config
	complete bool            // whether every key it reads is a literal
	// reader maps each key to the function of its first read in the
	// source ("Int", "Float", "String" or "Bool").
	reader map[string]string
}

// scanParams finds the parameters a script reads: the literal keys of its
// calls of wb.Int, wb.Float, wb.String and wb.Bool, and whether it calls
// wb.Config.
func scanParams(fset *token.FileSet, f *ast.File) paramUse {
	u := paramUse{keys: map[string]bool{}, complete: true, reader: map[string]string{}}
	name := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "workbench/core/wb" {
			name = "wb"
			if imp.Name != nil {
				name = imp.Name.Name
			}
		}
	}
	switch name {
	case "":
		return u
	case ".", "_":
		u.complete = name == "_"
		u.config = name == "."
		return u
	}
	calls := map[*ast.SelectorExpr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || !isPkg(sel.X, name) {
				return true
			}
			switch sel.Sel.Name {
			case "Int", "Float", "String", "Bool":
				calls[sel] = true
				if len(n.Args) > 0 {
					if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if k, err := strconv.Unquote(lit.Value); err == nil {
							u.keys[k] = true
							if _, ok := u.reader[k]; !ok {
								u.reader[k] = sel.Sel.Name
							}
							return true
						}
					}
				}
				u.complete = false
			}
		case *ast.SelectorExpr:
			if !isPkg(n.X, name) {
				return true
			}
			switch n.Sel.Name {
			case "Config":
				u.config = true
			case "Int", "Float", "String", "Bool":
				if !calls[n] {
					u.complete = false // taken as a function value
				}
			}
		}
		return true
	})
	return u
}

func isPkg(x ast.Expr, name string) bool {
	id, ok := x.(*ast.Ident)
	return ok && id.Name == name && id.Obj == nil
}

// checkParams checks the --set values before the script runs: each value
// against the type that its first reader in the source asks for (wb.Int,
// wb.Float, wb.Bool, or the flag of workbench train that wb.Config sets),
// so that a malformed value does not stop the script after earlier runs
// trained; and, when the source tells every key it reads, that no key is
// unknown to the script.
func checkParams(path string, p *env.Params, u paramUse) error {
	cfgKeys := map[string]bool{}
	if u.config {
		for _, k := range wb.ConfigKeys() {
			cfgKeys[k] = true
		}
	}
	var errs []error
	for _, k := range p.Keys() {
		v, _ := p.Peek(k)
		switch {
		case u.reader[k] != "":
			errs = append(errs, prefixed(path, env.CheckValue(u.reader[k], k, v)))
		case cfgKeys[k]:
			errs = append(errs, prefixed(path, env.CheckValue("Config", k, v)))
		case u.complete:
			errs = append(errs, fmt.Errorf("--set %s: %s reads no parameter %q (%s)", k, path, k, describeParams(u)))
		}
	}
	return errors.Join(errs...)
}

// prefixed prefixes a non-nil error's message with the script's path.
func prefixed(path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", path, err)
}

// describeParams lists the parameters a script reads, for messages.
func describeParams(u paramUse) string {
	var keys []string
	for k := range u.keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	if len(keys) > 0 {
		parts = append(parts, "it reads "+strings.Join(keys, ", "))
	}
	if u.config {
		parts = append(parts, "the flags of workbench train through wb.Config: "+strings.Join(wb.ConfigKeys(), ", "))
	}
	if len(parts) == 0 {
		return "it reads no parameters"
	}
	return strings.Join(parts, "; and ")
}
