package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"workbench/core/script"
	"workbench/core/wb/internal/env"
	"workbench/core/wb/symbols"
)

// REPL is an interactive Go session with the facade imported as wb (and
// fmt): the engine of "workbench repl". Create it with NewREPL, feed it
// complete inputs with Eval, and Close it.
type REPL struct {
	s         *script.Session
	env       *env.Session
	uninstall func()
	stderr    io.Writer
	memLimit  int64
	closed    bool
}

// NewREPL starts a session. It holds the facade's environment until Close.
func NewREPL(opt Options) (*REPL, error) {
	params, err := env.ParseSet(opt.Set)
	if err != nil {
		return nil, err
	}
	stdout, stderr := opt.streams()
	l := &script.Loader{Unrestricted: opt.Unrestricted, Stdout: stdout, Stderr: stderr}
	sess, err := l.NewSession(symbols.Symbols)
	if err != nil {
		return nil, err
	}
	for _, imp := range []string{`import "workbench/core/wb"`, `import "fmt"`} {
		if _, _, err := sess.Eval(context.Background(), imp); err != nil {
			return nil, err
		}
	}
	dir := opt.Dir
	if dir == "" {
		dir = DefaultDir("repl")
	}
	one.Lock()
	e := env.New(dir, params)
	e.Stdout, e.Stderr = stdout, stderr
	e.Unrestricted = opt.Unrestricted
	return &REPL{s: sess, env: e, uninstall: env.Install(e), stderr: stderr, memLimit: memoryLimit(opt.MemoryLimit)}, nil
}

// Dir returns the experiment directory of the session.
func (r *REPL) Dir() string { return r.env.Dir }

// Incomplete reports whether src needs more lines: it ends inside braces,
// parentheses, brackets, a raw string or after an operator.
func (r *REPL) Incomplete(src string) bool { return r.s.Incomplete(src) }

// Eval evaluates one complete input and returns the text to print: the
// values of an expression, formatted with %+v (structs with their field
// names, strings quoted), separated by spaces, or "" for other inputs. When ctx ends first, the training in
// progress stops after its current step and Eval returns a *StopError; the
// session stays usable.
func (r *REPL) Eval(ctx context.Context, src string) (string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer watchMemory(r.memLimit, cancel, r.stderr)()
	r.env.SetContext(ctx)
	vals, expr, err := r.s.Eval(ctx, src)
	if err != nil && ctx.Err() != nil {
		r.env.Wait()
		return "", stopError("", r.env, ctx)
	}
	if err != nil {
		return "", scriptError("", err)
	}
	if !expr || len(vals) == 0 {
		return "", nil
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = format(v)
	}
	return strings.Join(parts, " "), nil
}

// format formats one value of an expression.
func format(v any) string {
	switch x := v.(type) {
	case nil:
		return "<nil>"
	case string:
		return fmt.Sprintf("%q", x)
	case error:
		return "error: " + x.Error()
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Func {
		return rv.Type().String()
	}
	return fmt.Sprintf("%+v", v)
}

// Close ends the session, warning about --set keys never read, and
// releases the facade's environment.
func (r *REPL) Close() error {
	if r.closed {
		return errors.New("REPL closed twice")
	}
	r.closed = true
	for _, k := range r.env.Params.Unread() {
		fmt.Fprintf(r.stderr, "warning: --set %s was never read\n", k)
	}
	r.uninstall()
	one.Unlock()
	return nil
}
