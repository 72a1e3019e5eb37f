package script

import (
	"bytes"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"workbench/core/grow"
)

// call loads the fixture testdata/<file> as kind k with the given
// parameter suffix and calls it once with small valid arguments.
func call(l *Loader, k Kind, ref string) error {
	switch k {
	case KindShareMap:
		p, err := l.LoadShareMap(ref)
		if err != nil {
			return err
		}
		_, err = p.Share(3, 7)
		return err
	case KindExpander:
		p, err := l.LoadExpander(ref)
		if err != nil {
			return err
		}
		_, err = p.Expand(3, 7)
		return err
	}
	p, err := l.LoadSampler(ref)
	if err != nil {
		return err
	}
	_, err = p.Sample(grow.SampleState{Real: 3, Target: 12, Rand: rand.New(rand.NewPCG(1, 2))})
	return err
}

// TestErrors checks that every problem is reported as one line per
// problem, beginning with the plugin's file (and position where there is
// one), without a stack trace.
func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		ref  string
		want []string // one per reported line, in order
	}{
		{"syntax error", KindSampler, "testdata/syntax.go.txt", []string{
			"testdata/syntax.go.txt:7:1: expected operand, found '}'",
			"testdata/syntax.go.txt:10:3: expected ';', found 'EOF'",
		}},
		{"type error", KindSampler, "testdata/typeerror.go", []string{
			`testdata/typeerror.go:7:9: cannot use "deep" (type string) as type int in return argument`,
		}},
		{"panic in plugin", KindSampler, "testdata/panics.go", []string{
			"testdata/panics.go:12:6: panic in lookup (called by Sample): reflect: slice index out of range",
		}},
		{"panic during initialisation", KindSampler, "testdata/initpanic.go", []string{
			"testdata/initpanic.go:7:6: panic during initialisation in compute: cannot compute the limit",
		}},
		{"depth out of range", KindSampler, "testdata/toodeep.go", []string{
			"testdata/toodeep.go: sampled depth 13 outside [3, 12]",
		}},
		{"fixed depth out of range", KindSampler, "fixed:depth=13", []string{
			"plugins/samplers/fixed/fixed.go: sampled depth 13 outside [3, 12]",
		}},
		{"wrong map length", KindShareMap, "testdata/shortmap.go", []string{
			"testdata/shortmap.go: Share(3, 7): share map has length 6, want 7",
		}},
		{"map value out of range", KindExpander, "testdata/outofrange.go", []string{
			"testdata/outofrange.go: Expand(3, 7): expansion map[6] = 3 outside [0, 3)",
		}},
		{"forbidden import", KindSampler, "testdata/runsprogram.go", []string{
			`testdata/runsprogram.go:4:2: import "os/exec" is not allowed in plugins`,
		}},
		{"file writing", KindSampler, "testdata/writesfile.go", []string{
			"testdata/writesfile.go:11:6: os.WriteFile is not available to plugins",
		}},
		{"unknown import", KindSampler, "testdata/unknownimport.go", []string{
			`testdata/unknownimport.go:4:2: package "example.com/depths" is not available to plugins`,
		}},
		{"missing function", KindSampler, "testdata/wrongkind.go", []string{
			"testdata/wrongkind.go: no function Sample: a sampler plugin must define func Sample(s grow.SampleState) int (the file defines Share, the function of a share map plugin)",
		}},
		{"wrong signature", KindSampler, "testdata/wrongsig.go", []string{
			"testdata/wrongsig.go:4:6: Sample has type func(int) int, want func(grow.SampleState) int",
		}},
		{"range over int", KindShareMap, "testdata/rangeint.go", []string{
			"testdata/rangeint.go:6:17: range over an integer is not supported by the plugin interpreter",
		}},
		{"range over int field", KindSampler, "testdata/rangecrash.go", []string{
			"testdata/rangecrash.go:8:17: range over an integer is not supported by the plugin interpreter",
		}},
		{"range over func", KindSampler, "testdata/rangefunc.go", []string{
			"testdata/rangefunc.go:15:17: range over a function is not supported by the plugin interpreter",
		}},
		{"range over an integer constant", KindSampler, "testdata/rangeconst.go", []string{
			"testdata/rangeconst.go:13:17: range over an integer is not supported by the plugin interpreter",
		}},
		{"max builtin", KindSampler, "testdata/usesmax.go", []string{
			"testdata/usesmax.go:7:9: the plugin interpreter has no builtin max",
		}},
		{"multiple assignment with a call", KindSampler, "testdata/tupleassign.go", []string{
			"testdata/tupleassign.go:12:2: the plugin interpreter mis-assigns a multiple assignment whose right side calls a function",
		}},
		{"non-parameter export", KindSampler, "testdata/badparam.go", []string{
			"testdata/badparam.go:6:5: exported variable Weights has type []float64; plugin parameters must be float64, int, bool or string",
		}},
		{"bad parameters", KindSampler, "lvpsk:q=1,k=x,k", []string{
			`plugins/samplers/lvpsk/lvpsk.go: unknown parameter "q" (parameters: K float64 = 10)`,
			`plugins/samplers/lvpsk/lvpsk.go: parameter K: "x" is not a valid float64 (parameters: K float64 = 10)`,
			`plugins/samplers/lvpsk/lvpsk.go: parameter setting "k" is not key=value (parameters: K float64 = 10)`,
		}},
		{"parameter set twice", KindSampler, "fixed:depth=3,Depth=4", []string{
			"plugins/samplers/fixed/fixed.go: parameter Depth set twice (depth=3 and Depth=4)",
		}},
		{"no parameters", KindSampler, "full:k=1", []string{
			`plugins/samplers/full/full.go: unknown parameter "k" (the plugin has no parameters)`,
		}},
		{"unknown name", KindSampler, "nosuch", []string{
			`unknown sampler "nosuch": no file plugins/samplers/nosuch/nosuch.go and no built-in sampler of that name (built-in: fixed, full, lvps, lvpsk, uniform)`,
		}},
		{"invalid name", KindExpander, "no such", []string{
			`invalid expander name "no such"`,
		}},
		{"missing file", KindSampler, "testdata/nosuch.go", []string{
			"sampler plugin: testdata/nosuch.go: no such file or directory",
		}},
		{"empty reference", KindShareMap, "", []string{
			`empty share map reference (want a name such as "interpolate" or a path to a .go file)`,
		}},
	}
	// The interpreter logs its own crash before panicking.
	defer log.SetOutput(log.Writer())
	log.SetOutput(io.Discard)
	var stderr bytes.Buffer
	l := &Loader{Stderr: &stderr}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := call(l, tt.kind, tt.ref)
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, want := range tt.want {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d:\n got %s\nwant %s...", i, lines[i], want)
				}
				if strings.Contains(lines[i], "goroutine") || strings.Contains(lines[i], ".go:0") {
					t.Errorf("line %d looks like a stack trace: %s", i, lines[i])
				}
			}
		})
	}
	if stderr.Len() > 0 {
		t.Errorf("the interpreter's panic trace leaked to the plugins' standard error:\n%s", &stderr)
	}
}

// TestNewPluginByPath writes a new sampler into a temporary directory,
// loads it by path, then edits it and loads it again: no rebuild is
// involved.
func TestNewPluginByPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "half.go")
	write := func(body string) {
		src := "package half\n\nimport \"workbench/core/grow\"\n\n// Extra is added to the depth.\nvar Extra = 0\n\n" +
			"// Sample returns a depth between N and L.\nfunc Sample(s grow.SampleState) int {\n\t" + body + "\n}\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sample := func(ref string) int {
		t.Helper()
		p, err := LoadSampler(ref)
		if err != nil {
			t.Fatal(err)
		}
		if p.Path() != file || p.Embedded() {
			t.Errorf("Path() = %q, Embedded() = %v", p.Path(), p.Embedded())
		}
		d, err := p.Sample(grow.SampleState{Real: 2, Target: 10})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	write("return (s.Real + s.Target) / 2 + Extra")
	if d := sample(file); d != 6 {
		t.Errorf("depth %d, want 6", d)
	}
	if d := sample(file + ":extra=3"); d != 9 {
		t.Errorf("with extra=3: depth %d, want 9", d)
	}
	write("return s.Target - Extra")
	if d := sample(file); d != 10 {
		t.Errorf("after the edit: depth %d, want 10", d)
	}
}

// TestResolution checks that a plugins directory under the loader's
// directory takes precedence over the shipped copy.
func TestResolution(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "plugins", "samplers", "full")
	if err := os.MkdirAll(own, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "package full\n\nimport \"workbench/core/grow\"\n\nfunc Sample(s grow.SampleState) int { return s.Real }\n"
	if err := os.WriteFile(filepath.Join(own, "full.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir      string
		path     string
		embedded bool
		want     int
	}{
		{"", filepath.Join("plugins", "samplers", "full", "full.go"), true, 12},
		{dir, filepath.Join(dir, "plugins", "samplers", "full", "full.go"), false, 3},
		{"../..", filepath.Join("../..", "plugins", "samplers", "full", "full.go"), false, 12},
	}
	for _, tt := range tests {
		l := &Loader{Dir: tt.dir}
		p, err := l.LoadSampler("full")
		if err != nil {
			t.Fatal(err)
		}
		d, err := p.Sample(grow.SampleState{Real: 3, Target: 12})
		if err != nil || d != tt.want || p.Path() != tt.path || p.Embedded() != tt.embedded {
			t.Errorf("Dir %q: depth %d, %v, path %q, embedded %v; want %d, %q, %v",
				tt.dir, d, err, p.Path(), p.Embedded(), tt.want, tt.path, tt.embedded)
		}
	}
	if got := (&Loader{Dir: dir}).Names(KindSampler); !slices.Equal(got, []string{"fixed", "full", "lvps", "lvpsk", "uniform"}) {
		t.Errorf("Names = %v", got)
	}
}

// TestSplitRef checks how references split into a plugin and settings.
func TestSplitRef(t *testing.T) {
	tests := []struct {
		ref, base string
		args      []string
	}{
		{"lvps", "lvps", nil},
		{"lvpsk:k=10", "lvpsk", []string{"k=10"}},
		{"fixed:depth=4,", "fixed", []string{"depth=4", ""}},
		{"lvps:", "lvps", nil},
		{"a/b.go:x=1,y=2", "a/b.go", []string{"x=1", "y=2"}},
		{`C:\plugins\x.go`, `C:\plugins\x.go`, nil},
		{`C:\plugins\x.go:k=2`, `C:\plugins\x.go`, []string{"k=2"}},
	}
	for _, tt := range tests {
		base, args := splitRef(tt.ref)
		if base != tt.base || !slices.Equal(args, tt.args) {
			t.Errorf("splitRef(%q) = %q, %q; want %q, %q", tt.ref, base, args, tt.base, tt.args)
		}
	}
}

// TestParams checks parameter discovery, case-insensitive setting and
// the canonical reference.
func TestParams(t *testing.T) {
	p, err := LoadSampler("testdata/params.go:offset=2,SCALE=0.25,enabled=false,label=a b")
	if err != nil {
		t.Fatal(err)
	}
	want := []Param{
		{Name: "Enabled", Type: "bool", Value: "false", Default: "true"},
		{Name: "Label", Type: "string", Value: "a b", Default: "x"},
		{Name: "Offset", Type: "int", Value: "2", Default: "0"},
		{Name: "Scale", Type: "float64", Value: "0.25", Default: "1.5"},
	}
	if got := p.Params(); !slices.Equal(got, want) {
		t.Errorf("Params() = %v, want %v", got, want)
	}
	if got, want := p.String(), "testdata/params.go:Enabled=false,Label=a b,Offset=2,Scale=0.25"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if d, err := p.Sample(grow.SampleState{Real: 3, Target: 12}); d != 3 || err != nil {
		t.Errorf("Sample = %d, %v; want 3 (Enabled is false)", d, err)
	}
	q, err := LoadSampler(p.String())
	if err != nil || !slices.Equal(q.Params(), want) {
		t.Errorf("reloading %q: %v, %v", p.String(), q, err)
	}
	r, err := LoadSampler("testdata/params.go:offset=4")
	if err != nil {
		t.Fatal(err)
	}
	if d, err := r.Sample(grow.SampleState{Real: 3, Target: 12}); d != 7 || err != nil {
		t.Errorf("Sample = %d, %v; want 7", d, err)
	}
}

// TestRestrictions checks what restricted plugins may do, and that
// Unrestricted lifts the restrictions.
func TestRestrictions(t *testing.T) {
	if err := call(new(Loader), KindSampler, "testdata/readsfile.go"); err != nil {
		t.Errorf("reading a file: %v", err)
	}
	u := &Loader{Unrestricted: true}
	for _, f := range []string{"testdata/runsprogram.go", "testdata/writesfile.go"} {
		if _, err := u.LoadSampler(f); err != nil {
			t.Errorf("unrestricted %s: %v", f, err)
		}
	}
}

// TestOutput checks that plugins print to the loader's writers.
func TestOutput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "chatty.go")
	src := `package chatty

import (
	"fmt"
	"log"

	"workbench/core/grow"
)

// Sample prints the depths it is given.
func Sample(s grow.SampleState) int {
	fmt.Println("N", s.Real)
	log.SetFlags(0)
	log.Println("L", s.Target)
	return s.Real
}
`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	p, err := (&Loader{Stdout: &stdout, Stderr: &stderr}).LoadSampler(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Sample(grow.SampleState{Real: 3, Target: 12}); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "N 3\n" || stderr.String() != "L 12\n" {
		t.Errorf("stdout %q, stderr %q", &stdout, &stderr)
	}
}

// TestPanicThenRecover checks that a plugin keeps working after a
// recovered panic and reports every panic.
func TestPanicThenRecover(t *testing.T) {
	p, err := LoadSampler("lvpsk:k=-2")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2; i++ {
		_, err = p.Sample(grow.SampleState{Real: 3, Target: 12, Rand: r})
		if err == nil || err.Error() != "plugins/samplers/lvpsk/lvpsk.go:19:6: panic in Sample: lvpsk: K must be greater than -1" {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if d, err := p.Sample(grow.SampleState{Real: 12, Target: 12, Rand: r}); d != 12 || err != nil {
		t.Errorf("after panics: %d, %v", d, err)
	}
}

// TestBuiltin checks the shipped plugin names.
func TestBuiltin(t *testing.T) {
	tests := []struct {
		kind Kind
		want []string
	}{
		{KindSampler, []string{"fixed", "full", "lvps", "lvpsk", "uniform"}},
		{KindShareMap, []string{"interpolate", "stack"}},
		{KindExpander, []string{"interpolate", "midas", "stack"}},
		{KindPlan, []string{"layerdrop", "pld", "raptr"}},
	}
	for _, tt := range tests {
		if got := Builtin(tt.kind); !slices.Equal(got, tt.want) {
			t.Errorf("Builtin(%v) = %v, want %v", tt.kind, got, tt.want)
		}
	}
}
