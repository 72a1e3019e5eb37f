package script

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/interp"
)

// Session evaluates Go source incrementally, as a read-eval-print loop
// does: each input is declarations (import, func, type, var, const),
// statements or one expression, evaluated in one global scope that later
// inputs see. Inputs get the checks of programs (forbidden imports and
// functions, unsupported constructs) before they run.
type Session struct {
	i     *interp.Interpreter
	syms  *symbolSet
	unres bool
	h     host
	shown []any
	n     int // functions declared by the session
	// names holds the names that earlier inputs declared or imported, and
	// check the checks of the input being evaluated: go/types, which sees
	// one input at a time, reports the input's type errors better than
	// the interpreter, except "undefined" for these names.
	names map[string]bool
	check *checker
}

// showPath is the import path of the package through which a Session
// receives the values of an expression.
const showPath = "workbench/core/script/show"

// NewSession returns a session offering the standard library, the
// workbench packages of plugins and those of extra. No package is imported
// yet; evaluate import declarations for that.
func (l *Loader) NewSession(extra ...Exports) (*Session, error) {
	s := &Session{syms: l.symbols(extra), unres: l.Unrestricted}
	i, err := l.newInterp(&s.h, s.syms, "repl")
	if err != nil {
		return nil, err
	}
	s.i = i
	show := interp.Exports{showPath + "/show": {"Show": reflect.ValueOf(func(v ...any) { s.shown = v })}}
	if err := s.i.Use(show); err != nil {
		return nil, err
	}
	for _, imp := range []string{`import __show "` + showPath + `"`, `import ` + guardName + ` "` + guardPath + `"`} {
		if _, err := s.i.Eval(imp); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// The wrappers that turn an input into a file, as the interpreter itself
// does, so that positions in its messages and in the checks agree.
const (
	declPrefix = "package main;"
	stmtPrefix = "package main; func main() {"
)

// wrap returns the input as a parsable file and the length of the prefix
// added to its first line.
func wrap(src string) (string, int) {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, 0)
	_, tok, _ := s.Scan()
	switch tok {
	case token.PACKAGE:
		return src, 0
	case token.CONST, token.FUNC, token.IMPORT, token.TYPE, token.VAR:
		return declPrefix + src, len(declPrefix)
	}
	return stmtPrefix + src + "\n}", len(stmtPrefix)
}

// parseInput parses an input; a declaration starting with func that does
// not parse is tried again as a statement (a function literal called).
func parseInput(fset *token.FileSet, src string) (*ast.File, int, error) {
	w, n := wrap(src)
	f, err := parser.ParseFile(fset, "", w, parser.AllErrors|parser.DeclarationErrors)
	if err != nil && n == len(declPrefix) && strings.HasPrefix(strings.TrimSpace(src), "func") {
		w2 := stmtPrefix + src + "\n}"
		if f2, err2 := parser.ParseFile(fset, "", w2, parser.AllErrors|parser.DeclarationErrors); err2 == nil {
			return f2, len(stmtPrefix), nil
		}
	}
	return f, n, err
}

// Incomplete reports whether src is only the beginning of an input: it
// ends inside braces, parentheses, brackets, a raw string or a comment, or
// after an operator that needs an operand. A read-eval-print loop then
// reads another line.
func (s *Session) Incomplete(src string) bool {
	if strings.TrimSpace(src) == "" {
		return false
	}
	src = joinOpenLines(src)
	_, _, err := parseInput(token.NewFileSet(), src)
	var list scanner.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return false
	}
	e := list[0]
	switch {
	case strings.HasPrefix(e.Msg, "missing ',' before newline in"):
		// An argument list or composite literal left open at the end
		// of the last line, such as "cube(3".
		return true
	case strings.HasSuffix(e.Msg, "found 'EOF'"),
		e.Msg == "raw string literal not terminated",
		e.Msg == "comment not terminated",
		strings.HasPrefix(e.Msg, "expected operand, found '}'") && !strings.HasSuffix(strings.TrimSpace(src), "}"):
		return true
	}
	return false
}

// joinOpenLines joins to the next line each line of src that ends inside
// an argument list or composite literal without a trailing comma, such as
// "cube(3": Go would end the statement there, while at a prompt the next
// line continues it. Positions in messages then count the joined lines as
// one.
func joinOpenLines(src string) string {
	for {
		_, _, err := parseInput(token.NewFileSet(), src)
		var list scanner.ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			return src
		}
		e := list[0]
		if !strings.HasPrefix(e.Msg, "missing ',' before newline in") {
			return src
		}
		// The newline that ends the error's line.
		off := 0
		for l := 1; l < e.Pos.Line; l++ {
			i := strings.IndexByte(src[off:], '\n')
			if i < 0 {
				return src
			}
			off += i + 1
		}
		i := strings.IndexByte(src[off:], '\n')
		if i < 0 || strings.TrimSpace(src[off+i+1:]) == "" {
			return src // the last line: the input is incomplete
		}
		src = src[:off+i] + " " + src[off+i+1:]
	}
}

// Eval checks and evaluates one complete input. When the input is an
// expression, expr is true and vals holds its values (several for a call
// with several results, none for a call without result); a call of
// fmt.Print, Printf or Println counts as a statement. When ctx ends
// first, Eval returns an error wrapping context.Cause(ctx) at once; the
// interpreter stops the input at its next statement. A panic is returned as
// a *PanicError without a file.
//
// The interpreter evaluates inputs in its global scope, where it
// mishandles blocks (a for or if statement declaring variables) and runs
// function literals again at later inputs. So Eval runs each top-level
// statement on its own, and one that holds a block or a function literal
// (other than one assigned to a variable) inside a function it declares
// for it.
func (s *Session) Eval(ctx context.Context, src string) (vals []any, expr bool, err error) {
	if strings.TrimSpace(src) == "" {
		return nil, false, nil
	}
	src = joinOpenLines(src)
	fset := token.NewFileSet()
	f, prefix, err := parseInput(fset, src)
	if err != nil {
		return nil, false, inputErrors(err, prefix)
	}
	c := checker{fset: fset, file: f, mode: checkSnippet, syms: s.syms, unrestricted: s.unres}
	c.pos = func(p token.Pos) string {
		pos := fset.Position(p)
		return lineCol(pos.Line, pos.Column, prefix)
	}
	c.check()
	if len(c.errs) > 0 {
		return nil, false, errors.Join(c.errs...)
	}
	s.check = &c
	defer func() {
		s.check = nil
		if err == nil {
			s.declare(f)
		}
	}()
	if g := guardGo(src, fset, f, prefix, c.info, false); g != src {
		src = g
		fset = token.NewFileSet()
		if f, prefix, err = parseInput(fset, src); err != nil {
			return nil, false, inputErrors(err, prefix)
		}
	}
	s.h.trace.reset()
	s.h.takeGoPanic()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s.h.setCancel(stop)
	defer s.h.setCancel(nil)
	if e, perr := parser.ParseExpr(src); perr == nil && !isPrint(e) {
		// An expression: receive all its values through Show. A call
		// without result does not compile as an argument; it is then
		// evaluated as a statement.
		var b strings.Builder
		if printer.Fprint(&b, token.NewFileSet(), e) == nil {
			name := s.newName()
			if s.define("func "+name+"() { __show.Show("+b.String()+") }") == nil {
				s.shown = nil
				_, err = s.i.EvalWithContext(ctx, name+"()")
				if err != nil {
					return nil, true, s.evalError(ctx, err, 0)
				}
				return s.shown, true, nil
			}
		}
		expr = true
	}
	if prefix != len(stmtPrefix) {
		_, err = s.i.EvalWithContext(ctx, src)
		return nil, expr, s.evalError(ctx, err, prefix)
	}
	// Statements: one at a time, each placed at its position in the input
	// so that messages give the input's lines and columns.
	tf := fset.File(f.Pos())
	for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
		start, end := tf.Offset(st.Pos())-prefix, tf.Offset(st.End())-prefix
		pos := fset.Position(st.Pos())
		col := pos.Column
		if pos.Line == 1 {
			col -= prefix
		}
		text := strings.Repeat("\n", pos.Line-1) + strings.Repeat(" ", col-1) + src[start:end]
		if needsFunc(st) {
			name := s.newName()
			head := "func " + name + "() {"
			if err := s.define(head + text + "\n}"); err != nil {
				return nil, expr, s.evalError(ctx, err, len(declPrefix)+len(head))
			}
			text = name + "()"
		}
		if _, err = s.i.EvalWithContext(ctx, text); err != nil {
			return nil, expr, s.evalError(ctx, err, len(stmtPrefix))
		}
	}
	return nil, expr, nil
}

// isPrint reports whether e calls fmt.Print, Printf or Println, whose
// results are not worth showing.
func isPrint(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "fmt" && (sel.Sel.Name == "Print" || sel.Sel.Name == "Printf" || sel.Sel.Name == "Println")
}

// needsFunc reports whether a top-level statement must run inside a
// function: it holds a block or a function literal that is not simply
// assigned.
func needsFunc(st ast.Stmt) bool {
	switch st := st.(type) {
	case *ast.BlockStmt, *ast.ForStmt, *ast.RangeStmt, *ast.IfStmt, *ast.SwitchStmt,
		*ast.TypeSwitchStmt, *ast.SelectStmt, *ast.LabeledStmt:
		return true
	case *ast.AssignStmt:
		for _, r := range st.Rhs {
			if _, ok := r.(*ast.FuncLit); ok {
				continue
			}
			if hasFuncLit(r) {
				return true
			}
		}
		return false
	}
	return hasFuncLit(st)
}

// hasFuncLit reports whether n contains a function literal.
func hasFuncLit(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			found = true
		}
		return !found
	})
	return found
}

// newName returns a fresh name for a function declared by the session.
func (s *Session) newName() string {
	s.n++
	return fmt.Sprintf("__in%d", s.n)
}

// define evaluates a function declaration.
func (s *Session) define(decl string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalError{r}
		}
	}()
	_, err = s.i.Eval(decl)
	return err
}

// evalError formats an error of evaluation.
func (s *Session) evalError(ctx context.Context, err error, prefix int) error {
	if gp := s.h.takeGoPanic(); gp != nil {
		return s.sessionPanic(gp)
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("stopped: %w", context.Cause(ctx))
	}
	var pe interp.Panic
	if errors.As(err, &pe) {
		if code, ok := exitCode(pe.Value); ok {
			return &ExitError{Path: "repl", Code: code}
		}
		return s.sessionPanic(s.h.panicError("", pe.Value))
	}
	var list scanner.ErrorList
	if errors.As(err, &list) {
		return inputErrors(list, prefix)
	}
	var ie internalError
	if terrs := s.typeErrors(); len(terrs) > 0 && !errors.As(err, &ie) {
		return errors.Join(terrs...)
	}
	err = compileError("", "this input", "", err)
	return errors.New(fixPos(err.Error(), prefix))
}

// undefinedName matches go/types' message about an unknown identifier.
var undefinedName = regexp.MustCompile(`^undefined: (\w+)$`)

// typeErrors returns the type errors go/types found in the input being
// evaluated, but those about names that earlier inputs declared.
func (s *Session) typeErrors() []error {
	c := s.check
	if c == nil {
		return nil
	}
	var errs []error
	for _, te := range c.typeErrs {
		if m := undefinedName.FindStringSubmatch(te.Msg); m != nil && s.names[m[1]] {
			continue
		}
		if c.missingSymbol(te.Msg) {
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %s", c.pos(te.Pos), te.Msg))
	}
	return errs
}

// declare records the names that an evaluated input declared or imported.
func (s *Session) declare(f *ast.File) {
	if s.names == nil {
		s.names = map[string]bool{}
	}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name, _ := s.syms.pkgName(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		s.names[name] = true
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name != "main" {
				s.names[d.Name.Name] = true
				continue
			}
			if d.Name.Name == "main" && d.Body != nil {
				// Statements of the input: its definitions.
				for _, st := range d.Body.List {
					switch st := st.(type) {
					case *ast.AssignStmt:
						if st.Tok == token.DEFINE {
							for _, l := range st.Lhs {
								if id, ok := l.(*ast.Ident); ok {
									s.names[id.Name] = true
								}
							}
						}
					case *ast.DeclStmt:
						s.declareGen(st.Decl)
					}
				}
			}
		case *ast.GenDecl:
			s.declareGen(d)
		}
	}
}

// declareGen records the names of a const, var or type declaration.
func (s *Session) declareGen(d ast.Decl) {
	g, ok := d.(*ast.GenDecl)
	if !ok {
		return
	}
	for _, spec := range g.Specs {
		switch sp := spec.(type) {
		case *ast.ValueSpec:
			for _, n := range sp.Names {
				s.names[n.Name] = true
			}
		case *ast.TypeSpec:
			s.names[sp.Name.Name] = true
		}
	}
}

// sessionPanic leaves out of a *PanicError the functions that the session
// declared to run inputs.
func (s *Session) sessionPanic(err error) error {
	e, ok := err.(*PanicError)
	if !ok {
		return err
	}
	var funcs []string
	for _, f := range e.Funcs {
		if f != "main" && !strings.HasPrefix(f, "__in") && f != "main.func" {
			funcs = append(funcs, f)
		}
	}
	e.Funcs = funcs
	return e
}

// lineCol formats a position of an input, removing the wrapper's prefix
// from columns of the first line.
func lineCol(line, col, prefix int) string {
	if line == 1 {
		col -= prefix
		if col < 1 {
			col = 1
		}
	}
	return fmt.Sprintf("%d:%d", line, col)
}

// inputErrors formats parse errors of an input, one line each.
func inputErrors(err error, prefix int) error {
	var list scanner.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	return parseErrors(list, func(p token.Position) string { return lineCol(p.Line, p.Column, prefix) })
}

// leadingPos matches the "line:col: " that begins the interpreter's
// messages about an input.
var leadingPos = regexp.MustCompile(`^(?:_\.go:)?(\d+):(\d+): `)

// fixPos rewrites the position that begins a message of the interpreter
// about an input whose wrapper added prefix bytes to its first line.
func fixPos(msg string, prefix int) string {
	m := leadingPos.FindStringSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	line, _ := strconv.Atoi(msg[m[2]:m[3]])
	col, _ := strconv.Atoi(msg[m[4]:m[5]])
	return lineCol(line, col, prefix) + ": " + msg[m[1]:]
}
