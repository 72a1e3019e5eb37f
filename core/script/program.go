package script

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"io"
	"os"
	"reflect"

	"github.com/traefik/yaegi/interp"
)

// Exports is a set of compiled packages offered to interpreted code, in the
// format of package symbols and of yaegi: "importpath/name" maps each
// exported name of the package to its value.
type Exports = map[string]map[string]reflect.Value

// Program is an experiment script: a Go file of package main with a func
// main, interpreted with the same restrictions and checks as plugins.
// LoadProgram checks and compiles it; Run executes it once.
type Program struct {
	path   string
	run    string // the source as run: go statements guarded
	fset   *token.FileSet
	file   *ast.File
	syms   *symbolSet
	loader Loader
	h      host
	cancel context.CancelCauseFunc // see CancelOnPanic
}

// LoadProgram reads, checks and compiles the script at path (relative to
// the loader's directory). Besides the standard library and the workbench
// packages of plugins, the script may import the packages of extra, such
// as an experiment facade. Every problem found is returned at once, one per
// line, as "file:line:col: message".
func (l *Loader) LoadProgram(path string, extra ...Exports) (*Program, error) {
	src, err := os.ReadFile(l.join(path))
	if err != nil {
		return nil, fmt.Errorf("script: %w", pathErr(err))
	}
	return l.CompileProgram(path, src, extra...)
}

// CompileProgram checks and compiles the script src, named path in
// messages; see LoadProgram.
func (l *Loader) CompileProgram(path string, src []byte, extra ...Exports) (*Program, error) {
	p := &Program{path: path, syms: l.symbols(extra), loader: *l}
	i, err := l.newInterp(&p.h, p.syms, path)
	if err != nil {
		return nil, err
	}
	p.fset = i.FileSet()
	f, err := parseFile(p.fset, path, src)
	if err != nil {
		return nil, err
	}
	p.file = f
	c := checker{fset: p.fset, file: f, path: path, mode: checkProgram, syms: p.syms, unrestricted: l.Unrestricted}
	c.check()
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	p.run = guardGo(string(src), p.fset, f, 0, c.info, true)
	cf := f
	if p.run != string(src) {
		if cf, err = parseFile(token.NewFileSet(), path, []byte(p.run)); err != nil {
			return nil, err
		}
	}
	if _, err = compile(i, cf); err != nil {
		return nil, c.compileErrors(err, "docs/scripting.md")
	}
	return p, nil
}

// symbols returns the symbol set of the loader's mode plus extra.
func (l *Loader) symbols(extra []Exports) *symbolSet {
	base := restrictedSymbols()
	if l.Unrestricted {
		base = unrestrictedSymbols()
	}
	if len(extra) == 0 {
		return base
	}
	ex := append([]interp.Exports(nil), base.exports...)
	for _, e := range extra {
		ex = append(ex, interp.Exports(e))
	}
	return newSymbolSet(ex...)
}

// stdout returns where interpreted code prints.
func (l *Loader) stdout() io.Writer {
	if l.Stdout != nil {
		return l.Stdout
	}
	return os.Stdout
}

// stderr returns where interpreted code prints errors.
func (l *Loader) stderr() io.Writer {
	if l.Stderr != nil {
		return l.Stderr
	}
	return os.Stderr
}

// Path returns the script's file as given.
func (p *Program) Path() string { return p.path }

// File returns the script's syntax tree and its file set, for static
// analysis by the caller.
func (p *Program) File() (*token.FileSet, *ast.File) { return p.fset, p.file }

// Run executes the script: its package initialisation, then main. When ctx
// ends first, the interpreter stops the script at its next statement and
// Run returns an error wrapping context.Cause(ctx); compiled functions the
// script is calling at that moment finish on their own (they should watch
// the same context). A panic of the script is returned as a *PanicError, a
// call of os.Exit in restricted mode as an *ExitError.
//
// A panic in a goroutine that the script started is recovered, stops the
// script as the end of ctx would, and is returned as a *PanicError.
//
// Each Run interprets the script afresh, in a new interpreter. (LoadProgram
// compiled it only to report its errors: the interpreter's
// ExecuteWithContext, which would run that compiled program, races with
// itself when the context ends.)
func (p *Program) Run(ctx context.Context) error {
	cancel := p.cancel
	p.h.trace.reset()
	p.h.takeGoPanic()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	p.h.setCancel(func(err error) {
		stop(err)
		if cancel != nil {
			cancel(err)
		}
	})
	i, err := p.loader.newInterp(&p.h, p.syms, p.path)
	if err != nil {
		return err
	}
	_, err = i.EvalWithContext(ctx, p.run)
	if gp := p.h.takeGoPanic(); gp != nil {
		return locate(gp, p.path, p.fset, p.file)
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%s: stopped: %w", p.path, context.Cause(ctx))
	}
	var pe interp.Panic
	if errors.As(err, &pe) {
		return locate(p.h.panicError(p.path, pe.Value), p.path, p.fset, p.file)
	}
	return compileError(p.path, "this file", "docs/scripting.md", err)
}

// CancelOnPanic makes Run call cancel with the *PanicError of a goroutine
// of the script that panics, so that compiled work the script started
// (which watches the context cancel ends) stops too.
func (p *Program) CancelOnPanic(cancel context.CancelCauseFunc) { p.cancel = cancel }
