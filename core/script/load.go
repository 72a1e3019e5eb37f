package script

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/interp"
)

// exportedVar is an exported package-level variable of a plugin file: a
// parameter candidate.
type exportedVar struct {
	name string
	pos  token.Pos
}

// load resolves, checks, compiles and initialises a plugin of kind k and
// sets its parameters. It fills p and returns the plugin function, which
// has type want.
func (l *Loader) load(p *Plugin, k Kind, ref string, want reflect.Type) (reflect.Value, error) {
	s, err := l.resolve(k, ref)
	if err != nil {
		return reflect.Value{}, err
	}
	*p = Plugin{kind: k, base: s.base, path: s.path, embedded: s.embedded, src: s.src}
	syms := l.symbols(nil)
	i, err := l.newInterp(&p.h, syms, s.path)
	if err != nil {
		return reflect.Value{}, err
	}
	f, err := parseFile(i.FileSet(), s.path, s.src)
	if err != nil {
		return reflect.Value{}, err
	}
	c := checker{fset: i.FileSet(), file: f, path: s.path, kind: k, syms: syms, unrestricted: l.Unrestricted}
	vars := c.check()
	if len(c.errs) > 0 {
		return reflect.Value{}, errors.Join(c.errs...)
	}
	if src := guardGo(string(s.src), i.FileSet(), f, 0, c.info, true); src != string(s.src) {
		if f, err = parseFile(i.FileSet(), s.path, []byte(src)); err != nil {
			return reflect.Value{}, err
		}
	}
	prog, err := compile(i, f)
	if err != nil {
		return reflect.Value{}, c.compileErrors(err, "docs/plugins.md")
	}
	if err := execute(i, prog); err != nil {
		pe := p.h.panicError(s.path, err)
		if e, ok := pe.(*PanicError); ok {
			e.Init = true
			if n := len(e.Funcs); n > 0 && e.Funcs[n-1] == f.Name.Name {
				e.Funcs = e.Funcs[:n-1] // the package's initialisation
			}
		}
		return reflect.Value{}, locate(pe, s.path, c.fset, c.file)
	}
	if err := p.h.takeGoPanic(); err != nil {
		return reflect.Value{}, locate(err, s.path, c.fset, c.file)
	}

	pkg := f.Name.Name
	exports := i.Symbols(pkg)[pkg]
	fn := exports[k.Func()]
	if !fn.IsValid() || fn.Kind() != reflect.Func {
		return reflect.Value{}, fmt.Errorf("%s: %s is not a function", s.path, k.Func())
	}
	if fn.Type() != want {
		return reflect.Value{}, fmt.Errorf("%s: %s has type %s, want %s",
			c.funcPos(), k.Func(), fn.Type(), want)
	}
	p.params, err = setParams(s.path, i.FileSet(), vars, exports, s.args)
	if err != nil {
		return reflect.Value{}, err
	}
	p.file, p.fset = c.file, c.fset
	return fn, nil
}

// compile compiles a parsed plugin, turning a crash of the interpreter
// into an error.
func compile(i *interp.Interpreter, f *ast.File) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalError{r}
		}
	}()
	return i.CompileAST(f)
}

// execute initialises a compiled plugin: its package variables and init
// functions.
func execute(i *interp.Interpreter, prog *interp.Program) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = interp.Panic{Value: r}
		}
	}()
	_, err = i.Execute(prog)
	return err
}

// panicError describes a panic of the plugin during a call of its
// function.
func (p *Plugin) panicError(r any) error {
	err := p.h.panicError(p.path, r)
	if e, ok := err.(*PanicError); ok && (len(e.Funcs) == 0 || e.Funcs[len(e.Funcs)-1] != p.kind.Func()) {
		e.Funcs = append(e.Funcs, p.kind.Func())
	}
	return locate(err, p.path, p.fset, p.file)
}

// checker checks a parsed plugin file before it is compiled, collecting
// every problem.
type checker struct {
	fset         *token.FileSet
	file         *ast.File
	path         string
	kind         Kind
	mode         checkMode
	syms         *symbolSet
	unrestricted bool
	errs         []error
	fn           *ast.FuncDecl
	info         *types.Info // set by check
	typeErrs     []types.Error
	// pos formats a position for messages; nil means the file set's
	// "file:line:col".
	pos func(token.Pos) string
}

// checkMode says what kind of source a checker checks.
type checkMode int

const (
	checkPlugin  checkMode = iota // a plugin file: one plugin function and parameters
	checkProgram                  // an experiment script: package main with func main
	checkSnippet                  // input of a Session: declarations or statements
)

// noun returns what the checked source is, for messages: "plugin" or
// "script".
func (c *checker) noun() string {
	if c.mode == checkPlugin {
		return "plugin"
	}
	return "script"
}

func (c *checker) errorf(pos token.Pos, format string, args ...any) {
	where := c.fset.Position(pos).String()
	if c.pos != nil {
		where = c.pos(pos)
	}
	c.errs = append(c.errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
}

// workbenchPkgs lists the workbench packages the checked source may
// import, for messages.
func (c *checker) workbenchPkgs() string {
	var ps []string
	for p := range c.syms.names {
		if strings.HasPrefix(p, "workbench/") && p != guardPath {
			ps = append(ps, p)
		}
	}
	sort.Strings(ps)
	switch len(ps) {
	case 0:
		return ""
	case 1:
		return " and " + ps[0]
	}
	return ", " + strings.Join(ps[:len(ps)-1], ", ") + " and " + ps[len(ps)-1]
}

// compileErrors formats a failure of the interpreter's compiler, which
// stops at the first error, together with the other type errors that
// go/types found in the file: every problem at once, in the order of the
// file, one per line. The errors of go/types are only reported when the
// interpreter fails too, as the packages it checks against are rebuilt
// from the symbol tables and may lack a symbol (a generic function); for
// the same reason an "undefined" error about a symbol the tables hold is
// left out. On the line of the interpreter's error, its message is kept.
// doc names the page that lists what the interpreter does not support.
func (c *checker) compileErrors(err error, doc string) error {
	first := compileError(c.path, "this file", doc, err)
	var ie internalError
	if errors.As(err, &ie) || len(c.typeErrs) == 0 {
		return first
	}
	firstLine := -1
	if m := leadingFilePos.FindStringSubmatch(first.Error()); m != nil && m[1] == c.path {
		firstLine, _ = strconv.Atoi(m[2])
	}
	type located struct {
		line, col int
		err       error
	}
	var all []located
	seen := map[int]bool{}
	if firstLine > 0 {
		seen[firstLine] = true
	}
	for _, te := range c.typeErrs {
		pos := te.Fset.Position(te.Pos)
		if seen[pos.Line] || c.missingSymbol(te.Msg) {
			continue
		}
		seen[pos.Line] = true
		all = append(all, located{pos.Line, pos.Column, fmt.Errorf("%s: %s", pos, te.Msg)})
	}
	if firstLine < 0 && len(all) > 0 {
		// The interpreter's error has no position in this file; keep it
		// first.
		errs := []error{first}
		for _, l := range all {
			errs = append(errs, l.err)
		}
		return errors.Join(errs...)
	}
	all = append(all, located{firstLine, 0, first})
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].line != all[j].line {
			return all[i].line < all[j].line
		}
		return all[i].col < all[j].col
	})
	errs := make([]error, len(all))
	for i, l := range all {
		errs[i] = l.err
	}
	return errors.Join(errs...)
}

// leadingFilePos matches the "file:line:col: " that begins a message.
var leadingFilePos = regexp.MustCompile(`^(.+?):(\d+):(\d+): `)

// undefinedSel matches go/types' message about a missing package member.
var undefinedSel = regexp.MustCompile(`^undefined: (\w+)\.(\w+)$`)

// missingSymbol reports whether a go/types message is about a symbol of an
// imported package that the rebuilt packages lack but the interpreter has.
func (c *checker) missingSymbol(msg string) bool {
	m := undefinedSel.FindStringSubmatch(msg)
	if m == nil {
		return false
	}
	for _, imp := range c.file.Imports {
		p := strings.Trim(imp.Path.Value, "`\"")
		table, ok := c.syms.pkgName(p)
		name := table
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if !ok || name != m[1] {
			continue
		}
		for _, e := range c.syms.exports {
			if _, ok := e[p+"/"+table][m[2]]; ok {
				return true
			}
		}
	}
	return false
}

// funcPos returns the position of the plugin function.
func (c *checker) funcPos() string {
	if c.fn == nil {
		return c.path
	}
	return c.fset.Position(c.fn.Name.Pos()).String()
}

// check reports forbidden or unknown imports, calls to removed functions,
// constructs the interpreter does not support, and a missing plugin
// function. It returns the exported package-level variables.
func (c *checker) check() []exportedVar {
	c.checkSource()
	switch c.mode {
	case checkProgram:
		c.checkMain()
		return nil
	case checkSnippet:
		return nil
	}
	return c.checkPlugin()
}

// checkSource reports forbidden or unknown imports, calls to removed
// functions and constructs the interpreter does not support.
func (c *checker) checkSource() {
	noun := c.noun()
	for _, imp := range c.file.Imports {
		p := strings.Trim(imp.Path.Value, "`\"")
		switch {
		case !c.unrestricted && forbiddenImport(p):
			c.errorf(imp.Path.Pos(), "import %q is not allowed in %ss (it runs programs, reaches the network, bypasses memory safety or handles signals)", p, noun)
		case !c.unrestricted && isStdlib(p) && !allowedImport(p):
			c.errorf(imp.Path.Pos(), "import %q is not allowed in restricted %ss (it can write files or change the process; see the sandbox in docs/scripting.md, or run with --unrestricted)", p, noun)
		default:
			if _, ok := c.syms.pkgName(p); !ok {
				c.errorf(imp.Path.Pos(), "package %q is not available to %ss (they may import the standard library up to Go 1.22%s)", p, noun, c.workbenchPkgs())
			}
		}
	}

	info := c.typeCheck()
	c.info = info
	ast.Inspect(c.file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.RangeStmt:
			if tv, ok := info.Types[n.X]; ok && tv.Type != nil {
				switch u := tv.Type.Underlying().(type) {
				case *types.Basic:
					if u.Info()&types.IsInteger != 0 {
						c.errorf(n.X.Pos(), "range over an integer is not supported by the %s interpreter; write for i := 0; i < n; i++", noun)
					}
				case *types.Signature:
					c.errorf(n.X.Pos(), "range over a function is not supported by the %s interpreter; call the function with a callback instead", noun)
				}
			}
		case *ast.AssignStmt:
			if n.Tok == token.ASSIGN && len(n.Lhs) > 1 && len(n.Rhs) == len(n.Lhs) && callsFunction(info, n.Rhs) {
				c.errorf(n.Pos(), "the %s interpreter mis-assigns a multiple assignment whose right side calls a function (a value can land in the wrong variable); write one assignment per statement", noun)
			}
		case *ast.CallExpr:
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if b, ok := info.Uses[id].(*types.Builtin); ok {
					switch b.Name() {
					case "min", "max", "clear":
						c.errorf(id.Pos(), "the %s interpreter has no builtin %s; write it out (or use math.Min and math.Max for float64)", noun, b.Name())
					}
				}
			}
		case *ast.SelectorExpr:
			if c.unrestricted {
				break
			}
			if id, ok := n.X.(*ast.Ident); ok {
				if pn, ok := info.Uses[id].(*types.PkgName); ok {
					imp := pn.Imported().Path()
					if isStdlib(imp) && allowedImport(imp) && !allowedSymbol(imp, n.Sel.Name) {
						c.errorf(n.Pos(), "%s.%s is not available to %ss (they may read files but not write, create or remove them, change the working directory, nor start or signal processes; see docs/scripting.md)", id.Name, n.Sel.Name, noun)
					}
				}
			}
		}
		return true
	})
}

// callsFunction reports whether any of exprs contains a function call
// other than a type conversion or a builtin.
func callsFunction(info *types.Info, exprs []ast.Expr) bool {
	found := false
	for _, e := range exprs {
		ast.Inspect(e, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || found {
				return !found
			}
			if tv, ok := info.Types[call.Fun]; ok && (tv.IsType() || tv.IsBuiltin()) {
				return true
			}
			found = true
			return false
		})
	}
	return found
}

// checkMain reports a script that is not package main with func main().
func (c *checker) checkMain() {
	if c.file.Name.Name != "main" {
		c.errorf(c.file.Name.Pos(), "package %s: a script must be package main", c.file.Name.Name)
	}
	for _, d := range c.file.Decls {
		if f, ok := d.(*ast.FuncDecl); ok && f.Recv == nil && f.Name.Name == "main" {
			c.fn = f
			if f.Type.Params.NumFields() > 0 || f.Type.Results.NumFields() > 0 {
				c.errorf(f.Name.Pos(), "func main must have no arguments and no results")
			}
			return
		}
	}
	c.errs = append(c.errs, fmt.Errorf("%s: no func main: a script must define func main()", c.path))
}

// checkPlugin reports a missing plugin function and returns the exported
// package-level variables.
func (c *checker) checkPlugin() []exportedVar {
	var vars []exportedVar
	var others []string
	for _, d := range c.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				continue
			}
			if d.Name.Name == c.kind.Func() {
				c.fn = d
				continue
			}
			for _, k := range []Kind{KindSampler, KindShareMap, KindExpander, KindPlan} {
				if k != c.kind && d.Name.Name == k.Func() {
					others = append(others, fmt.Sprintf("%s, the function of %s plugin", k.Func(), article(k)))
				}
			}
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			for _, spec := range d.Specs {
				for _, name := range spec.(*ast.ValueSpec).Names {
					if name.IsExported() {
						vars = append(vars, exportedVar{name.Name, name.Pos()})
					}
				}
			}
		}
	}
	if c.fn == nil {
		msg := fmt.Sprintf("%s: no function %s: %s plugin must define %s", c.path, c.kind.Func(), article(c.kind), c.kind.Signature())
		if len(others) > 0 {
			msg += " (the file defines " + strings.Join(others, " and ") + ")"
		}
		c.errs = append(c.errs, errors.New(msg))
	}
	return vars
}

// article returns "a sampler", "a share map" or "an expander".
func article(k Kind) string {
	if k == KindExpander {
		return "an " + k.String()
	}
	return "a " + k.String()
}

// typeCheck type-checks the file as far as the symbols of the imported
// packages allow (see symbolImporter). Expressions it cannot type get no
// type; the interpreter reports real type errors.
func (c *checker) typeCheck() (info *types.Info) {
	info = &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Uses:  map[*ast.Ident]types.Object{},
	}
	defer func() {
		// The checks are advisory: should go/types fail on a package
		// built from reflection, go on with what it recorded.
		_ = recover()
	}()
	conf := types.Config{
		Importer: newSymbolImporter(c.syms),
		Error: func(err error) {
			if te, ok := err.(types.Error); ok && !te.Soft {
				c.typeErrs = append(c.typeErrs, te)
			}
		},
	}
	_, _ = conf.Check(c.file.Name.Name, c.fset, []*ast.File{c.file}, info)
	return info
}
