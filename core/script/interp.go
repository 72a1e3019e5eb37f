package script

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/traefik/yaegi/interp"
)

// guardPath is the import path of the package through which interpreted
// code starts goroutines: guardGo rewrites every go statement into a call
// of its Go function, which recovers a panic of the goroutine.
const guardPath = "workbench/core/script/guard"

// guardName is the name under which rewritten code imports guardPath.
const guardName = "__wbguard"

// guardPlaceholder lets the checks of the source see the guard package;
// each interpreter gets its own (see host.use).
var guardPlaceholder = map[string]map[string]reflect.Value{
	guardPath + "/guard": {"Go": reflect.ValueOf(func(func()) {})},
}

// host is the state an interpreter shares with the code that created it:
// the trace of panics on its standard error, and the first panic of a
// goroutine that interpreted code started.
type host struct {
	trace traceWriter

	mu      sync.Mutex
	goPanic error                   // first panic of a goroutine, nil if none
	cancel  context.CancelCauseFunc // stops the running code, or nil
}

// newInterp returns an interpreter offering syms with the loader's mode and
// streams, named name in os.Args. Its panics are traced into h.
func (l *Loader) newInterp(h *host, syms *symbolSet, name string) (*interp.Interpreter, error) {
	h.trace.out = l.stderr()
	i := interp.New(interp.Options{
		Stdout:       l.stdout(),
		Stderr:       &h.trace,
		Args:         []string{name},
		Unrestricted: l.Unrestricted,
	})
	for _, e := range syms.exports {
		if err := i.Use(e); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if !l.Unrestricted {
		// After the standard library, which sets the streams to the
		// process's *os.File values.
		if err := i.Use(stdStreams(l.stdout(), l.stderr())); err != nil {
			return nil, err
		}
	}
	guard := interp.Exports{
		guardPath + "/guard": {"Go": reflect.ValueOf(h.goroutine)},
		// The standard library's own goroutine that calls interpreted
		// code: a timer's function.
		"time/time": {"AfterFunc": reflect.ValueOf(func(d time.Duration, f func()) *time.Timer {
			return time.AfterFunc(d, func() { h.goroutine(f) })
		})},
	}
	if err := i.Use(guard); err != nil {
		return nil, err
	}
	return i, nil
}

// goroutine runs f, the body of a go statement of interpreted code or a
// function given to time.AfterFunc, and recovers its panic: the first
// panic of any such goroutine is kept and stops the running code.
func (h *host) goroutine(f func()) {
	id := h.trace.enter()
	defer func() {
		frames := h.trace.leave(id)
		r := recover()
		if r == nil {
			return
		}
		// The outermost frame is the function literal guardGo wrote.
		if n := len(frames); n > 1 && strings.HasSuffix(frames[n-1], ".func") {
			frames = frames[:n-1]
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.goPanic != nil {
			return
		}
		err := &PanicError{Value: unwrapPanic(r), Funcs: frames, Goroutine: true}
		h.goPanic = err
		if h.cancel != nil {
			h.cancel(err)
		}
	}()
	f()
}

// takeGoPanic returns the first panic of a goroutine since the last call,
// or nil.
func (h *host) takeGoPanic() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	err := h.goPanic
	h.goPanic = nil
	return err
}

// setCancel sets the function that stops the running code when a
// goroutine panics.
func (h *host) setCancel(c context.CancelCauseFunc) {
	h.mu.Lock()
	h.cancel = c
	h.mu.Unlock()
}

// guardGo rewrites every go statement of src, whose syntax tree is f, into
// a call of the guard's Go, and imports the guard after the package clause.
// The function and arguments of the statement are still evaluated before
// the goroutine starts, as Go does: "go f(x, y)" becomes
//
//	{ __wbg1, __wbg2, __wbg3 := f, x, y; go __wbguard.Go(func() { __wbg1(__wbg2, __wbg3) }) }
//
// on the same lines, so that line numbers do not change. Calls of builtins
// and calls whose single argument is a call of several results evaluate
// their arguments in the goroutine. base is the offset in f's file of the
// first byte of src; only go statements inside src are rewritten. The
// import is added when addImport is set. info may be nil.
func guardGo(src string, fset *token.FileSet, f *ast.File, base int, info *types.Info, addImport bool) string {
	tf := fset.File(f.Pos())
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	off := func(p token.Pos) int { return tf.Offset(p) - base }
	text := func(n ast.Node) string { return src[off(n.Pos()):off(n.End())] }
	n := 0
	tmp := func() string {
		n++
		return "__wbg" + strconv.Itoa(n)
	}
	ast.Inspect(f, func(node ast.Node) bool {
		st, ok := node.(*ast.GoStmt)
		if !ok || off(st.Pos()) < 0 || off(st.End()) > len(src) {
			return true
		}
		call := st.Call
		late := isBuiltinCall(call, info) || (len(call.Args) == 1 && maybeTuple(call.Args[0], info))
		var b strings.Builder
		if late {
			fmt.Fprintf(&b, "go %s.Go(func() { %s })", guardName, text(call))
		} else {
			var names, vals []string
			fn := tmp()
			names, vals = append(names, fn), append(vals, text(call.Fun))
			var args []string
			for _, a := range call.Args {
				t := tmp()
				names, vals, args = append(names, t), append(vals, text(a)), append(args, t)
			}
			dots := ""
			if call.Ellipsis.IsValid() {
				dots = "..."
			}
			fmt.Fprintf(&b, "{ %s := %s; go %s.Go(func() { %s(%s%s) }) }",
				strings.Join(names, ", "), strings.Join(vals, ", "), guardName, fn, strings.Join(args, ", "), dots)
		}
		edits = append(edits, edit{off(st.Pos()), off(st.End()), b.String()})
		return true
	})
	if len(edits) == 0 {
		return src
	}
	if addImport {
		// Right after the package name, on the same line.
		at := off(f.Name.End())
		edits = append(edits, edit{at, at, fmt.Sprintf("; import %s %q", guardName, guardPath)})
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out strings.Builder
	last := 0
	for _, e := range edits {
		if e.start < last {
			continue // nested in an edited statement: its text is copied as is
		}
		out.WriteString(src[last:e.start])
		out.WriteString(e.text)
		last = e.end
	}
	out.WriteString(src[last:])
	return out.String()
}

// isBuiltinCall reports whether call calls a builtin function.
func isBuiltinCall(call *ast.CallExpr, info *types.Info) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	if info != nil {
		if obj, ok := info.Uses[id]; ok {
			_, builtin := obj.(*types.Builtin)
			return builtin
		}
	}
	return types.Universe.Lookup(id.Name) != nil && id.Obj == nil
}

// maybeTuple reports whether e may be a call with several results.
func maybeTuple(e ast.Expr, info *types.Info) bool {
	if _, ok := ast.Unparen(e).(*ast.CallExpr); !ok {
		return false
	}
	if info != nil {
		if tv, ok := info.Types[e]; ok && tv.Type != nil {
			_, tuple := tv.Type.(*types.Tuple)
			return tuple
		}
	}
	return true
}

// unwrapPanic returns the value passed to panic.
func unwrapPanic(r any) any {
	if pe, ok := r.(interp.Panic); ok {
		return pe.Value
	}
	return r
}

// exitPanic matches the panic value of os.Exit in restricted mode.
var exitPanic = regexp.MustCompile(`^os\.Exit\((-?\d+)\)$`)

// exitCode returns the code of a call of os.Exit in restricted mode, which
// the interpreter turns into a panic.
func exitCode(v any) (int, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	m := exitPanic.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	code, _ := strconv.Atoi(m[1])
	return code, true
}

// internalError is a panic of the interpreter itself while compiling.
type internalError struct{ value any }

func (e internalError) Error() string { return fmt.Sprint(e.value) }

// interpTypeName matches the interpreter's internal names of basic types,
// such as "intT", in its messages.
var interpTypeName = regexp.MustCompile(`\b(bool|u?int(8|16|32|64)?|uintptr|float(32|64)|complex(64|128)|string|error|interface|func|ptr|slice|array|map|chan|struct)T\b`)

// interpMessage turns a message of the interpreter into one line with Go's
// type names.
func interpMessage(err error) string {
	msg := interpTypeName.ReplaceAllString(err.Error(), "$1")
	return strings.Join(strings.Fields(msg), " ")
}

// compileError formats an error of the interpreter's compiler about the
// file path (whose messages already begin with "file:line:col"); what is
// "this file" or "this input" for an internal failure of the interpreter.
// doc names the page that lists what the interpreter does not support.
func compileError(path, what, doc string, err error) error {
	var ie internalError
	if errors.As(err, &ie) {
		msg := fmt.Sprintf("the interpreter failed on %s (%v); it may use a construct the interpreter does not support", what, ie.value)
		if doc != "" {
			msg += ", see " + doc
		}
		if path != "" {
			msg = path + ": " + msg
		}
		return errors.New(msg)
	}
	msg := interpMessage(err)
	if path != "" && !strings.HasPrefix(msg, path+":") {
		msg = path + ": " + msg
	}
	return errors.New(msg)
}

// parseErrors turns a parse failure into one "file:line:col: message"
// error per problem; pos formats positions (nil: as the file set does).
func parseErrors(err error, pos func(token.Position) string) error {
	var list scanner.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	list.RemoveMultiples()
	errs := make([]error, len(list))
	for j, e := range list {
		where := e.Pos.String()
		if pos != nil {
			where = pos(e.Pos)
		}
		errs[j] = fmt.Errorf("%s: %s", where, e.Msg)
	}
	return errors.Join(errs...)
}

// parseFile parses a plugin or script.
func parseFile(fset *token.FileSet, path string, src []byte) (*ast.File, error) {
	f, err := parser.ParseFile(fset, path, src, parser.AllErrors|parser.DeclarationErrors|parser.ParseComments)
	if err != nil {
		return nil, parseErrors(err, nil)
	}
	return f, nil
}

// panicError describes a panic v of interpreted code: a call of os.Exit as
// an *ExitError (nil for code 0), any other as a *PanicError naming the
// interpreted functions of h's trace.
func (h *host) panicError(path string, v any) error {
	v = unwrapPanic(v)
	if code, ok := exitCode(v); ok {
		if code == 0 {
			return nil
		}
		return &ExitError{Path: path, Code: code}
	}
	return &PanicError{Path: path, Value: v, Funcs: h.trace.take()}
}

// locate completes a *PanicError with the file path and the position of
// the declaration of its innermost function in f. Other errors are
// returned as they are.
func locate(err error, path string, fset *token.FileSet, f *ast.File) error {
	if e, ok := err.(*PanicError); ok {
		e.Path = path
		if len(e.Funcs) > 0 {
			e.Pos = funcPos(fset, f, e.Funcs[0])
		}
	}
	return err
}

// funcPos returns the position ("file:line:col") of the declaration of the
// top-level function or method name (such as "helper" or "T.Method") in
// f, or "".
func funcPos(fset *token.FileSet, f *ast.File, name string) string {
	if f == nil {
		return ""
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		full := fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			t := fd.Recv.List[0].Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			if id, ok := t.(*ast.Ident); ok {
				full = id.Name + "." + full
			}
		}
		if full == name {
			return fset.Position(fd.Name.Pos()).String()
		}
	}
	return ""
}

// PanicError is a panic of interpreted code: a plugin, a script or an
// input of a session.
type PanicError struct {
	Path string // the file, "" for a session's input
	// Pos is the position of the declaration of the function that
	// panicked ("file:line:col"), or "" when unknown. The interpreter does
	// not report the panicking statement.
	Pos string
	// Funcs lists the interpreted functions of the panic, innermost first,
	// when known.
	Funcs []string
	// Init says that the panic happened while the package was initialised.
	Init bool
	// Goroutine says that the panic happened in a goroutine that the
	// interpreted code started.
	Goroutine bool
	Value     any // the value passed to panic
}

// Error returns "file:line:col: panic in f (called by g): value".
func (e *PanicError) Error() string {
	var b strings.Builder
	switch {
	case e.Pos != "":
		b.WriteString(e.Pos + ": ")
	case e.Path != "":
		b.WriteString(e.Path + ": ")
	}
	b.WriteString("panic")
	if e.Goroutine {
		b.WriteString(" in a goroutine")
	}
	if e.Init {
		b.WriteString(" during initialisation")
	}
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

// ExitError reports a call of os.Exit by interpreted code run in
// restricted mode, where it ends the script instead of the process.
type ExitError struct {
	Path string
	Code int
}

// Error returns "file: the script called os.Exit(code)".
func (e *ExitError) Error() string {
	return fmt.Sprintf("%s: the script called os.Exit(%d)", e.Path, e.Code)
}

// traceWriter is the interpreter's standard error. It keeps the functions
// of a panic, which the interpreter prints as one line per frame,
// "file:line:col: panic: pkg.Func(...)", while the panicking goroutine
// unwinds, and passes all other output on. A goroutine started by
// interpreted code (see host.goroutine) has its own frames, so that panics
// of several goroutines at once do not mix; all other code, which the
// interpreter may run in a goroutine of its own, shares one list.
type traceWriter struct {
	out     io.Writer
	mu      sync.Mutex
	frames  []string            // functions of the last panic, innermost first
	guarded map[uint64][]string // the same per goroutine started by interpreted code
}

// take returns the functions of the last panic outside the goroutines
// started by interpreted code and forgets them.
func (w *traceWriter) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	f := w.frames
	w.frames = nil
	return f
}

// reset forgets the last panic outside the goroutines started by
// interpreted code.
func (w *traceWriter) reset() { w.take() }

// enter gives the calling goroutine its own frames until leave.
func (w *traceWriter) enter() uint64 {
	id := goroutineID()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.guarded == nil {
		w.guarded = make(map[uint64][]string)
	}
	w.guarded[id] = nil
	return id
}

// leave returns the frames of goroutine id's panic and forgets them.
func (w *traceWriter) leave(id uint64) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	f := w.guarded[id]
	delete(w.guarded, id)
	return f
}

// goroutineID returns the id of the calling goroutine, read from the
// first line of its stack trace ("goroutine 12 [running]:"), or 0.
// It is called when interpreted code starts a goroutine and on panics.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

func (w *traceWriter) Write(b []byte) (int, error) {
	line := strings.TrimSpace(string(b))
	if i := strings.Index(line, ": panic: "); i >= 0 && strings.HasSuffix(line, "(...)") && !strings.Contains(line, "\n") {
		fn := strings.TrimSuffix(line[i+len(": panic: "):], "(...)")
		if j := strings.IndexByte(fn, '.'); j >= 0 {
			fn = fn[j+1:]
		}
		id := goroutineID()
		w.mu.Lock()
		if f, ok := w.guarded[id]; ok {
			w.guarded[id] = append(f, fn)
		} else {
			w.frames = append(w.frames, fn)
		}
		w.mu.Unlock()
		return len(b), nil
	}
	return w.out.Write(b)
}
