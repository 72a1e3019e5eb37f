package script

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
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
	p.trace.out = l.Stderr
	if p.trace.out == nil {
		p.trace.out = os.Stderr
	}
	stdout := l.Stdout
	if stdout == nil {
		stdout = os.Stdout
	}
	syms := restrictedSymbols()
	if l.Unrestricted {
		syms = unrestrictedSymbols()
	}

	i := interp.New(interp.Options{
		Stdout:       stdout,
		Stderr:       &p.trace,
		Args:         []string{s.path},
		Unrestricted: l.Unrestricted,
	})
	f, err := parser.ParseFile(i.FileSet(), s.path, s.src, parser.AllErrors|parser.DeclarationErrors)
	if err != nil {
		return reflect.Value{}, parseErrors(err)
	}
	c := checker{fset: i.FileSet(), file: f, path: s.path, kind: k, syms: syms, unrestricted: l.Unrestricted}
	vars := c.check()
	if len(c.errs) > 0 {
		return reflect.Value{}, errors.Join(c.errs...)
	}

	for _, e := range syms.exports {
		if err := i.Use(e); err != nil {
			return reflect.Value{}, fmt.Errorf("%s: %w", s.path, err)
		}
	}
	prog, err := compile(i, f)
	if err != nil {
		return reflect.Value{}, p.compileError(err)
	}
	if err := execute(i, prog); err != nil {
		return reflect.Value{}, p.panicError("", err)
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
	return fn, nil
}

// parseErrors turns a parse failure into one "file:line:col: message"
// error per problem.
func parseErrors(err error) error {
	var list scanner.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	list.RemoveMultiples()
	errs := make([]error, len(list))
	for j, e := range list {
		errs[j] = errors.New(e.Error())
	}
	return errors.Join(errs...)
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

// internalError is a panic of the interpreter itself while compiling.
type internalError struct{ value any }

func (e internalError) Error() string { return fmt.Sprint(e.value) }

// interpTypeName matches the interpreter's internal names of basic types,
// such as "intT", in its messages.
var interpTypeName = regexp.MustCompile(`\b(bool|u?int(8|16|32|64)?|uintptr|float(32|64)|complex(64|128)|string|error|interface|func|ptr|slice|array|map|chan|struct)T\b`)

// compileError formats an error of the interpreter's compiler. The
// interpreter's messages already begin with file:line:col.
func (p *Plugin) compileError(err error) error {
	var ie internalError
	if errors.As(err, &ie) {
		return fmt.Errorf("%s: the interpreter failed on this file (%v); it may use a construct the interpreter does not support, see docs/plugins.md", p.path, ie.value)
	}
	msg := interpTypeName.ReplaceAllString(err.Error(), "$1")
	msg = strings.Join(strings.Fields(msg), " ") // one line
	if !strings.HasPrefix(msg, p.path+":") {
		msg = p.path + ": " + msg
	}
	return errors.New(msg)
}

// panicError formats a panic raised by the plugin during a call of its
// function entry, or during initialisation when entry is "". It names the
// innermost interpreted function when the interpreter reported it. (The
// interpreter's positions for panics mark the start of the function rather
// than the panicking statement, so they are left out.)
func (p *Plugin) panicError(entry string, r any) error {
	if pe, ok := r.(interp.Panic); ok {
		r = pe.Value
	}
	inner := p.trace.fn
	var where string
	switch {
	case entry == "" && inner != "":
		where = "during initialisation, in " + inner
	case entry == "":
		where = "during initialisation"
	case inner != "" && inner != entry:
		where = "in " + inner + ", called by " + entry
	default:
		where = "in " + entry
	}
	return fmt.Errorf("%s: panic %s: %v", p.path, where, r)
}

// traceWriter is the interpreter's standard error. It keeps the innermost
// function of a panic, which the interpreter prints as one line per frame,
// "file:line:col: panic: pkg.Func(...)", and passes all other output on.
type traceWriter struct {
	out io.Writer
	fn  string // innermost function of the last panic; reset before each call
	// frames lists the functions of the last panic, innermost first; reset
	// with fn.
	frames []string
}

// reset forgets the last panic.
func (w *traceWriter) reset() {
	w.fn = ""
	w.frames = w.frames[:0]
}

func (w *traceWriter) Write(b []byte) (int, error) {
	line := strings.TrimSpace(string(b))
	if i := strings.Index(line, ": panic: "); i >= 0 && strings.HasSuffix(line, "(...)") && !strings.Contains(line, "\n") {
		fn := strings.TrimSuffix(line[i+len(": panic: "):], "(...)")
		if j := strings.IndexByte(fn, '.'); j >= 0 {
			fn = fn[j+1:]
		}
		if w.fn == "" {
			w.fn = fn
		}
		w.frames = append(w.frames, fn)
		return len(b), nil
	}
	return w.out.Write(b)
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
		if strings.HasPrefix(p, "workbench/") {
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
		default:
			if _, ok := c.syms.pkgName(p); !ok {
				c.errorf(imp.Path.Pos(), "package %q is not available to %ss (they may import the standard library up to Go 1.22%s)", p, noun, c.workbenchPkgs())
			}
		}
	}

	info := c.typeCheck()
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
					if removedFuncs[imp][n.Sel.Name] {
						c.errorf(n.Pos(), "%s.%s is not available to %ss (they may read files but not write, create or remove them, nor start or signal processes)", id.Name, n.Sel.Name, noun)
					}
				}
			}
		}
		return true
	})
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
		Error:    func(error) {},
	}
	_, _ = conf.Check(c.file.Name.Name, c.fset, []*ast.File{c.file}, info)
	return info
}
