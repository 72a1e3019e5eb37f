package script

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSessionIncomplete(t *testing.T) {
	s, err := new(Loader).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"x := 1\n", false},
		{"for i := 0; i < 3; i++ {\n", true},
		{"for i := 0; i < 3; i++ {\n}\n", false},
		{"f(1,\n", true},
		{"x := 1 +\n", true},
		{"s := `raw\n", true},
		{"func f() {\n", true},
		{"func f() {}\n", false},
		{"type T struct {\n", true},
		{"x := )\n", false}, // a syntax error, reported by Eval
		{"cube(3\n", true},
		{"cube(3\n)\n", false},
		{"cube(3\n+ 4\n", true},
		{"[]int{1, 2\n", true},
		{"", false},
	} {
		if got := s.Incomplete(tc.src); got != tc.want {
			t.Errorf("Incomplete(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestSessionEval(t *testing.T) {
	var out bytes.Buffer
	s, err := (&Loader{Stdout: &out}).NewSession(calc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	steps := []struct {
		src    string
		want   string // fmt.Sprint of the values, for expressions
		expr   bool
		err    string // prefix of the error
		output string // printed by the input
	}{
		{src: `import "fmt"`},
		{src: `import "example.com/calc"`},
		{src: "x := calc.Add(1, 2)"},
		{src: "x * 2", want: "[6]", expr: true},
		{src: `fmt.Sprint("a", x)`, want: "[a3]", expr: true},
		{src: "func two() (int, error) { return 2, nil }"},
		{src: "two()", want: "[2 <nil>]", expr: true},
		{src: `fmt.Println("hi")`, output: "hi\n"},
		{src: `fmt.Sprintln("hi")`, want: "[hi\n]", expr: true},
		{src: "func hello() { fmt.Println(\"hello\") }"},
		{src: "hello()", want: "[]", expr: true, output: "hello\n"},
		// Blocks declaring variables, and function literals, run once.
		{src: "for i := 0; i < 2; i++ {\n\tn, _ := two()\n\tx += n\n}", output: ""},
		{src: "x", want: "[7]", expr: true},
		{src: "if y := x; y > 5 {\n\tfmt.Println(\"big\")\n}", output: "big\n"},
		{src: "func() { fmt.Println(\"once\") }()", want: "[]", expr: true, output: "once\n"},
		{src: "x", want: "[7]", expr: true},
		{src: "y := 1\nfor i := 0; i < 3; i++ {\n\ty *= 2\n}\nfmt.Println(y)", output: "8\n"},
		// Errors: checks, then the interpreter's, with the input's positions.
		{src: `import "os/exec"`, err: `1:8: import "os/exec" is not allowed in scripts`},
		{src: "for i := range 3 {\n\tfmt.Println(i)\n}", err: "1:16: range over an integer is not supported"},
		{src: "undefinedThing + 1", err: "1:1: undefined: undefinedThing", expr: true},
		{src: "z := 1\n\tfmt.Println(z, nosuch)", err: "2:17: undefined: nosuch"},
		{src: "x := )", err: "1:6: expected operand"},
		// Positions and messages of go/types where the interpreter's are
		// poor; names of earlier inputs are known.
		{src: "c := nosuch", err: "1:6: undefined: nosuch"},
		{src: "d := x +\n\t\"s\"", err: "1:6: invalid operation: mismatched types int and untyped string"},
		{src: "fmt.Sprint(1,\n\t2\n)", want: "[1 2]", expr: true},
		{src: `panic("boom")`, err: "panic: boom", expr: false},
	}
	for _, st := range steps {
		out.Reset()
		vals, expr, err := s.Eval(ctx, st.src)
		if st.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), st.err) {
				t.Errorf("%q: error %v, want prefix %q", st.src, err, st.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", st.src, err)
			continue
		}
		if expr != st.expr {
			t.Errorf("%q: expr = %v, want %v", st.src, expr, st.expr)
		}
		if st.expr && fmt.Sprint(vals) != st.want {
			t.Errorf("%q = %v, want %s", st.src, vals, st.want)
		}
		if out.String() != st.output {
			t.Errorf("%q printed %q, want %q", st.src, out.String(), st.output)
		}
	}
}

func TestSessionStop(t *testing.T) {
	s, err := new(Loader).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := s.Eval(ctx, "n := 0\nfor {\n\tn++\n}"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a stop by the deadline", err)
	}
	// The session stays usable.
	vals, _, err := s.Eval(context.Background(), "1 + 1")
	if err != nil || fmt.Sprint(vals) != "[2]" {
		t.Fatalf("after a stop: %v, %v", vals, err)
	}
}
