package script

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// calc is an extra package offered to the test programs.
var calc = Exports{"example.com/calc/calc": {"Add": reflect.ValueOf(func(a, b int) int { return a + b })}}

func TestProgramRun(t *testing.T) {
	var out bytes.Buffer
	l := &Loader{Stdout: &out}
	p, err := l.LoadProgram("testdata/prog_hello.go", calc)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "sum 5\n" {
		t.Fatalf("printed %q, want %q", got, "sum 5\n")
	}
	if p.Path() != "testdata/prog_hello.go" {
		t.Errorf("Path() = %q", p.Path())
	}
	if _, f := p.File(); f.Name.Name != "main" {
		t.Errorf("File() has package %s", f.Name.Name)
	}
}

func TestProgramLoadErrors(t *testing.T) {
	tests := []struct {
		name, file string
		extra      []Exports
		want       []string // one per line
	}{
		{"syntax", "testdata/prog_syntax.go.txt", nil, []string{
			"testdata/prog_syntax.go.txt:5:1: expected operand, found '}'",
		}},
		{"unknown package without its table", "testdata/prog_hello.go", nil, []string{
			`testdata/prog_hello.go:6:2: package "example.com/calc" is not available to scripts (they may import the standard library up to Go 1.22 and workbench/core/grow)`,
		}},
		{"every problem", "testdata/prog_bad.go", []Exports{calc}, []string{
			"testdata/prog_bad.go:4:2: import \"net/http\" is not allowed in scripts",
			"testdata/prog_bad.go:9:2: os.Remove is not available to scripts",
			"testdata/prog_bad.go:11:17: range over an integer is not supported by the script interpreter",
			"testdata/prog_bad.go:14:9: the script interpreter has no builtin max",
			"testdata/prog_bad.go:1:9: package tool: a script must be package main",
			"testdata/prog_bad.go: no func main: a script must define func main()",
		}},
		{"missing file", "testdata/nosuch.go", nil, []string{
			"script: testdata/nosuch.go: no such file or directory",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := new(Loader).LoadProgram(tc.file, tc.extra...)
			if err == nil {
				t.Fatal("loaded")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d lines, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d = %q, want prefix %q", i+1, lines[i], w)
				}
			}
		})
	}
}

func TestProgramRunErrors(t *testing.T) {
	var stderr bytes.Buffer
	l := &Loader{Stderr: &stderr}

	p, err := l.LoadProgram("testdata/prog_panic.go")
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(context.Background())
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a *PanicError", err)
	}
	want := "testdata/prog_panic.go:3:6: panic in lookup (called by main): index too large"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if stderr.Len() > 0 {
		t.Errorf("the interpreter's trace leaked to stderr: %q", stderr.String())
	}

	p, err = l.LoadProgram("testdata/prog_exit.go")
	if err != nil {
		t.Fatal(err)
	}
	var ee *ExitError
	if err := p.Run(context.Background()); !errors.As(err, &ee) || ee.Code != 3 {
		t.Fatalf("got %v, want exit code 3", err)
	}

	p, err = l.LoadProgram("testdata/prog_loop.go")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("got %v, want a stop by the deadline", err)
	}
}
