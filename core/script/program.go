package script

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

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
	path         string
	src          string
	fset         *token.FileSet
	file         *ast.File
	syms         *symbolSet
	stdout       io.Writer
	unrestricted bool
	trace        traceWriter
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
	p := &Program{path: path, src: string(src), syms: l.symbols(extra), stdout: l.stdout(), unrestricted: l.Unrestricted}
	p.trace.out = l.stderr()
	i, err := p.interpreter()
	if err != nil {
		return nil, err
	}
	p.fset = i.FileSet()
	f, err := parser.ParseFile(p.fset, path, src, parser.AllErrors|parser.DeclarationErrors|parser.ParseComments)
	if err != nil {
		return nil, parseErrors(err)
	}
	p.file = f
	c := checker{fset: p.fset, file: f, path: path, mode: checkProgram, syms: p.syms, unrestricted: l.Unrestricted}
	c.check()
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	if _, err = compile(i, f); err != nil {
		return nil, p.compileError(err)
	}
	return p, nil
}

// interpreter returns a new interpreter offering the program's packages.
func (p *Program) interpreter() (*interp.Interpreter, error) {
	i := interp.New(interp.Options{
		Stdout:       p.stdout,
		Stderr:       &p.trace,
		Args:         []string{p.path},
		Unrestricted: p.unrestricted,
	})
	for _, e := range p.syms.exports {
		if err := i.Use(e); err != nil {
			return nil, fmt.Errorf("%s: %w", p.path, err)
		}
	}
	return i, nil
}

// compileError formats an error of the interpreter's compiler.
func (p *Program) compileError(err error) error {
	var ie internalError
	if errors.As(err, &ie) {
		return fmt.Errorf("%s: the interpreter failed on this file (%v); it may use a construct the interpreter does not support, see docs/scripting.md", p.path, ie.value)
	}
	return (&Plugin{path: p.path}).compileError(err)
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
// Each Run interprets the script afresh, in a new interpreter. (LoadProgram
// compiled it only to report its errors: the interpreter's
// ExecuteWithContext, which would run that compiled program, races with
// itself when the context ends.)
func (p *Program) Run(ctx context.Context) error {
	p.trace.reset()
	i, err := p.interpreter()
	if err != nil {
		return err
	}
	_, err = i.EvalWithContext(ctx, p.src)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%s: stopped: %w", p.path, context.Cause(ctx))
	}
	var pe interp.Panic
	if errors.As(err, &pe) {
		return p.panicError(pe.Value)
	}
	return p.compileError(err)
}

// exitPanic matches the panic value of os.Exit in restricted mode.
var exitPanic = regexp.MustCompile(`^os\.Exit\((-?\d+)\)$`)

// panicError describes a panic of the script, naming the innermost
// interpreted function and its callers where the interpreter reported them.
func (p *Program) panicError(v any) error {
	if s, ok := v.(string); ok {
		if m := exitPanic.FindStringSubmatch(s); m != nil {
			code, _ := strconv.Atoi(m[1])
			if code == 0 {
				return nil
			}
			return &ExitError{Path: p.path, Code: code}
		}
	}
	e := &PanicError{Path: p.path, Value: v}
	e.Funcs = append(e.Funcs, p.trace.frames...)
	if len(e.Funcs) > 0 {
		e.Pos = p.funcPos(e.Funcs[0])
	}
	return e
}

// funcPos returns the position of the declaration of the top-level
// function or method name (such as "helper" or "T.Method"), or "".
func (p *Program) funcPos(name string) string {
	for _, d := range p.file.Decls {
		f, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		full := f.Name.Name
		if f.Recv != nil && len(f.Recv.List) == 1 {
			t := f.Recv.List[0].Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			if id, ok := t.(*ast.Ident); ok {
				full = id.Name + "." + full
			}
		}
		if full == name {
			return p.fset.Position(f.Name.Pos()).String()
		}
	}
	return ""
}

// PanicError is a panic of an interpreted script.
type PanicError struct {
	Path string // the script's file
	// Pos is the position of the declaration of the function that
	// panicked ("file:line:col"), or "" when unknown. The interpreter does
	// not report the panicking statement.
	Pos   string
	Funcs []string // the interpreted functions of the panic, innermost first, when known
	Value any      // the value passed to panic
}

// Error returns "file:line:col: panic in f (called by main): value".
func (e *PanicError) Error() string {
	var b strings.Builder
	switch {
	case e.Pos != "":
		b.WriteString(e.Pos + ": ")
	case e.Path != "":
		b.WriteString(e.Path + ": ")
	}
	b.WriteString("panic")
	if len(e.Funcs) > 0 {
		fmt.Fprintf(&b, " in %s", e.Funcs[0])
		if len(e.Funcs) > 1 {
			fmt.Fprintf(&b, " (called by %s)", strings.Join(e.Funcs[1:], ", called by "))
		}
	}
	fmt.Fprintf(&b, ": %v", e.Value)
	return b.String()
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// ExitError reports a call of os.Exit by a script run in restricted mode,
// where it ends the script instead of the process.
type ExitError struct {
	Path string
	Code int
}

// Error returns "file: the script called os.Exit(code)".
func (e *ExitError) Error() string {
	return fmt.Sprintf("%s: the script called os.Exit(%d)", e.Path, e.Code)
}
