package host

import (
	"bytes"
	"context"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParamChecks(t *testing.T) {
	tests := []struct {
		file string
		set  []string
		want string // error prefix, "" for success
		out  string // printed by the script
	}{
		{"testdata/params.go", nil, "", "600 3 x 0.5 false\n"},
		{"testdata/params.go", []string{"steps=7,n=4", "label=a,b", "scale=2", "verbose=true"}, "", "7 4 a,b 2 true\n"},
		{"testdata/params.go", []string{"m=1"}, `--set m: testdata/params.go reads no parameter "m" (it reads label, n, scale, verbose; and the flags of workbench train through wb.Config: `, ""},
		{"testdata/params.go", []string{"n=x"}, "testdata/params.go: --set n=x: want an integer", ""},
		{"testdata/params.go", []string{"verbose=maybe"}, "testdata/params.go: --set verbose=maybe: want true or false", ""},
		{"testdata/params.go", []string{"lr=fast"}, "testdata/params.go: --set lr=fast: want a number", ""},
		{"testdata/params.go", []string{"n"}, `--set "n": want key=value`, ""},
		// Keys that are not literals: unknown keys are only warned about.
		{"testdata/dynamic.go", []string{"a=1,zzz=2"}, "", ""},
	}
	for _, tc := range tests {
		var out, errb bytes.Buffer
		err := Run(context.Background(), tc.file, Options{Dir: t.TempDir(), Set: tc.set, Stdout: &out, Stderr: &errb})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %v: %v", tc.file, tc.set, err)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("%s %v: error %v, want prefix %q", tc.file, tc.set, err, tc.want)
		case out.String() != tc.out:
			t.Errorf("%s %v: printed %q, want %q", tc.file, tc.set, out.String(), tc.out)
		}
		if tc.file == "testdata/dynamic.go" && !strings.Contains(errb.String(), "warning: --set zzz was never read by testdata/dynamic.go") {
			t.Errorf("no warning about zzz: %q", errb.String())
		}
	}
}

// TestParamValuesFirst checks that every --set value is checked against
// the type its reader asks for before the script runs, so that a
// malformed value read late does not stop the script after its earlier
// work (here a file written, in real scripts runs trained).
func TestParamValuesFirst(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	err := Run(context.Background(), "testdata/late.go", Options{Dir: dir, Set: []string{"ramp=lots", "steps=many"}, Stdout: &out, Stderr: &errb})
	want := "testdata/late.go: --set ramp=lots: want a finite number\ntestdata/late.go: --set steps=many: want an integer"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want\n%s", err, want)
	}
	if out.Len() > 0 {
		t.Errorf("the script ran: %q", &out)
	}
	if _, err := os.Stat(dir + "/first.txt"); err == nil {
		t.Error("the script wrote first.txt before its parameters were checked")
	}
}

func TestScanParams(t *testing.T) {
	for _, tc := range []struct {
		src              string
		keys             string
		config, complete bool
	}{
		{`package main; import "workbench/core/wb"; func main() { wb.Int("a", 1); wb.Config() }`, "a", true, true},
		{`package main; import x "workbench/core/wb"; func main() { x.Float("b", 1); x.String("c", "") }`, "b,c", false, true},
		{`package main; import "workbench/core/wb"; func main() { k := "a"; wb.Int(k, 1) }`, "", false, false},
		{`package main; import "workbench/core/wb"; func main() { f := wb.Bool; f("a", true) }`, "", false, false},
		{`package main; import . "workbench/core/wb"; func main() { Int("a", 1) }`, "", true, false},
		{`package main; func main() {}`, "", false, true},
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", tc.src, 0)
		if err != nil {
			t.Fatal(err)
		}
		u := scanParams(fset, f)
		var keys []string
		for _, k := range []string{"a", "b", "c"} {
			if u.keys[k] {
				keys = append(keys, k)
			}
		}
		if got := strings.Join(keys, ","); got != tc.keys || u.config != tc.config || u.complete != tc.complete {
			t.Errorf("%s: keys %q config %v complete %v, want %q %v %v", tc.src, got, u.config, u.complete, tc.keys, tc.config, tc.complete)
		}
	}
}

func TestRunStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := Run(ctx, "testdata/loop.go", Options{Dir: t.TempDir(), Stderr: io.Discard})
	var se *StopError
	if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "testdata/loop.go: stopped") {
		t.Fatalf("got %v, want a stop by the deadline", err)
	}
}

func TestREPL(t *testing.T) {
	var out bytes.Buffer
	r, err := NewREPL(Options{Dir: t.TempDir(), Set: []string{"n=5", "unused=1"}, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ src, want, err string }{
		{src: `wb.Int("n", 1) * 2`, want: "10"},
		{src: `wb.FlopsPerStep(wb.Config()) > 0`, want: "true"},
		{src: `"s"`, want: `"s"`},
		{src: `wb.String("x", "")`, want: `""`},
		{src: `wb.Fatal("giving up")`, err: "giving up"},
		{src: `fmt.Errorf("bad")`, want: "error: bad"},
		{src: `wb.Int`, want: "func(string, int) int"},
	} {
		got, err := r.Eval(ctx, tc.src)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.src, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.src, got, err, tc.want)
		}
	}
	ctx2, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := r.Eval(ctx2, "for {\n}"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("endless loop: %v", err)
	}
	if got, err := r.Eval(ctx, "1 + 1"); err != nil || got != "2" {
		t.Errorf("after a stop: %q, %v", got, err)
	}
	out.Reset()
	r.Close()
	if out.String() != "warning: --set unused was never read\n" {
		t.Errorf("close printed %q", out.String())
	}
}

func TestUnrestricted(t *testing.T) {
	dir := t.TempDir()
	script := dir + "/writes.go"
	src := "package main\n\nimport \"os\"\n\nfunc main() {\n\tif err := os.WriteFile(\"" + dir + "/out.txt\", []byte(\"x\"), 0o644); err != nil {\n\t\tpanic(err)\n\t}\n}\n"
	if err := writeFile(script, src); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), script, Options{Dir: dir + "/exp"}); err == nil || !strings.Contains(err.Error(), "os.WriteFile is not available to scripts") {
		t.Fatalf("restricted: %v", err)
	}
	if err := Run(context.Background(), script, Options{Dir: dir + "/exp", Unrestricted: true}); err != nil {
		t.Fatalf("unrestricted: %v", err)
	}
}

func writeFile(path, src string) error { return os.WriteFile(path, []byte(src), 0o644) }
