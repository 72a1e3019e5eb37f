package script

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/traefik/yaegi/stdlib"

	"workbench/core/grow"
)

// runProgram compiles and runs src as a restricted script and returns the
// first error.
func runProgram(t *testing.T, src string) error {
	t.Helper()
	var out bytes.Buffer
	p, err := (&Loader{Stdout: &out, Stderr: &out}).CompileProgram("prog.go", []byte(src))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return p.Run(ctx)
}

// TestSandboxFileMethods checks that a restricted script cannot change a
// file, the working directory or the environment through the methods of
// an opened file, nor through the ways around the type system.
func TestSandboxFileMethods(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(file, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	tests := []struct {
		name, body string
		want       string // substring of the error
	}{
		{"chmod", `f, _ := os.Open(FILE); f.Chmod(0)`, "Chmod"},
		{"chown", `f, _ := os.Open(FILE); f.Chown(0, 0)`, "Chown"},
		{"chdir", `f, _ := os.Open(DIR); f.Chdir()`, "Chdir"},
		{"truncate", `f, _ := os.Open(FILE); f.Truncate(0)`, "Truncate"},
		{"fd", `f, _ := os.Open(FILE); _ = f.Fd()`, "Fd"},
		{"stdout chmod", `os.Stdout.Chmod(0)`, "Chmod"},
		{"write to an opened file", `f, _ := os.Open(FILE); _, err := f.Write([]byte("x")); panic(err)`, "read-only"},
		{"interface assertion", `f, _ := os.Open(FILE)
	var x any = f
	c, ok := x.(interface{ Chmod(os.FileMode) error })
	if ok {
		c.Chmod(0)
	}
	panic("no Chmod")`, "no Chmod"},
		{"DirFS", `fsys := os.DirFS(DIR); _ = fsys`, "os.DirFS is not available"},
		{"reflect.NewAt", `_ = reflect.NewAt`, "reflect.NewAt is not available"},
		{"package function", `os.Chmod(FILE, 0)`, "os.Chmod is not available"},
		{"memory limit", `debug.SetMemoryLimit(1 << 40)`, "debug.SetMemoryLimit is not available"},
		{"GOMAXPROCS", `runtime.GOMAXPROCS(1)`, "runtime.GOMAXPROCS is not available"},
		{"temporary files", `import2`, `import "mime/multipart" is not allowed in restricted scripts`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.NewReplacer("FILE", `"`+file+`"`, "DIR", `"`+dir+`"`).Replace(tc.body)
			imports := `"os"; "reflect"; "runtime"; "runtime/debug"`
			if body == "import2" {
				imports, body = `"mime/multipart"`, "_ = multipart.ErrMessageTooLarge"
			}
			src := "package main\n\nimport (" + imports + ")\n\nvar _, _, _, _ = os.Args, reflect.TypeOf, runtime.NumCPU, debug.Stack\n\nfunc main() {\n\t" + body + "\n}\n"
			if tc.name == "temporary files" {
				src = "package main\n\nimport (" + imports + ")\n\nfunc main() {\n\t" + body + "\n}\n"
			}
			err := runProgram(t, src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
			if st, _ := os.Stat(file); st.Mode().Perm() != 0o644 || st.Size() != 5 {
				t.Errorf("the file changed: mode %v, size %d", st.Mode(), st.Size())
			}
			if now, _ := os.Getwd(); now != wd {
				os.Chdir(wd)
				t.Errorf("the working directory changed to %s", now)
			}
		})
	}
}

// TestSandboxReads checks what restricted scripts may still do with files:
// open, read, seek, stat, list a directory, and print to the streams.
func TestSandboxReads(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `package main

import (
	"fmt"
	"io"
	"os"
)

func read(f *os.File) string {
	b, err := io.ReadAll(f)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func main() {
	f, err := os.Open(DIR + "/a.txt")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	f.Seek(1, io.SeekStart)
	d, _ := os.Open(DIR)
	names, _ := d.Readdirnames(-1)
	fmt.Fprintln(os.Stdout, read(f), st.Size(), names, f.Name() == DIR+"/a.txt")
	fmt.Fprintln(os.Stderr, "to stderr")
}
`
	src = strings.ReplaceAll(src, "DIR", `"`+dir+`"`)
	var out, errw bytes.Buffer
	p, err := (&Loader{Stdout: &out, Stderr: &errw}).CompileProgram("read.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out.String() != "ello 5 [a.txt] true\n" || errw.String() != "to stderr\n" {
		t.Errorf("stdout %q, stderr %q", &out, &errw)
	}
}

// TestSandboxReachableTypes checks the allowlist as a whole: no function,
// variable or type it offers reaches, through results, exported fields,
// elements or methods, a type whose methods change files, the working
// directory or processes (*os.File, *os.Process).
func TestSandboxReachableTypes(t *testing.T) {
	bad := map[reflect.Type]bool{
		reflect.TypeFor[os.File]():         true,
		reflect.TypeFor[*os.File]():        true,
		reflect.TypeFor[os.Process]():      true,
		reflect.TypeFor[*os.Process]():     true,
		reflect.TypeFor[os.ProcessState](): true,
	}
	seen := map[reflect.Type]bool{}
	var path []string
	var visit func(reflect.Type)
	visit = func(typ reflect.Type) {
		if typ == nil || seen[typ] {
			return
		}
		seen[typ] = true
		if bad[typ] {
			t.Errorf("%s reaches %s", strings.Join(path, " -> "), typ)
			return
		}
		path = append(path, typ.String())
		defer func() { path = path[:len(path)-1] }()
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
			visit(typ.Elem())
		case reflect.Map:
			visit(typ.Key())
			visit(typ.Elem())
		case reflect.Func:
			for i := 0; i < typ.NumOut(); i++ {
				visit(typ.Out(i))
			}
		case reflect.Struct:
			for i := 0; i < typ.NumField(); i++ {
				if typ.Field(i).IsExported() {
					visit(typ.Field(i).Type)
				}
			}
		}
		for i := 0; i < typ.NumMethod(); i++ {
			visit(typ.Method(i).Type)
		}
		if typ.Kind() != reflect.Pointer && typ.Kind() != reflect.Interface {
			visit(reflect.PointerTo(typ))
		}
	}
	for k, syms := range restrictedStdlib() {
		for name, v := range syms {
			if !v.IsValid() {
				continue
			}
			path = []string{k + "." + name}
			typ := v.Type()
			if v.Kind() == reflect.Pointer && v.IsNil() && !v.CanAddr() {
				typ = typ.Elem() // a type
			}
			visit(typ)
		}
	}
	for name, v := range stdStreams(os.Stdout, os.Stderr)["os/os"] {
		path = []string{"os." + name}
		visit(v.Type())
	}
}

// TestSandboxAllowlist checks that the allowlist names only symbols that
// exist, so that a typo cannot silently drop one.
func TestSandboxAllowlist(t *testing.T) {
	for p := range allowedPkgs {
		if !isStdlib(p) {
			t.Errorf("allowed package %s is not in the interpreter's standard library", p)
		}
	}
	for p, names := range partialPkgs {
		var table map[string]reflect.Value
		for k, v := range stdlib.Symbols {
			if filepath.Dir(k) == p {
				table = v
			}
		}
		for n := range names {
			if _, ok := table[n]; !ok {
				t.Errorf("allowed symbol %s.%s does not exist", p, n)
			}
		}
	}
}

// TestGoroutinePanic checks that a panic in a goroutine started by a
// script, by a plugin or by a session's input is reported as a panic of
// the code, naming the file and function, instead of ending the process.
// Several goroutines panic at once: each panic names only its own frames.
func TestGoroutinePanic(t *testing.T) {
	src := `package main

import "time"

func work(n int, xs ...int) {
	_ = xs[n]
}

func main() {
	done := make(chan bool)
	for i := 0; i < 8; i++ {
		go work(i+5, 1, 2)
	}
	go func() { done <- true }()
	<-done
	time.Sleep(10 * time.Second)
}
`
	err := runProgram(t, src)
	var pe *PanicError
	if !errors.As(err, &pe) || !pe.Goroutine {
		t.Fatalf("got %v, want a *PanicError of a goroutine", err)
	}
	if want := "prog.go:5:6: panic in a goroutine in work: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %q, want prefix %q", err, want)
	}

	// A timer's function.
	err = runProgram(t, `package main

import "time"

func fire() { panic("from a timer") }

func main() {
	time.AfterFunc(time.Millisecond, fire)
	time.Sleep(10 * time.Second)
}
`)
	if err == nil || !strings.HasPrefix(err.Error(), "prog.go:5:6: panic in a goroutine in fire: from a timer") {
		t.Errorf("timer: got %v", err)
	}

	// A plugin: the call reports it.
	dir := t.TempDir()
	plug := filepath.Join(dir, "gopanic.go")
	if err := os.WriteFile(plug, []byte(`package gopanic

import (
	"time"

	"workbench/core/grow"
)

func boom(c chan bool) {
	defer close(c)
	panic("from a goroutine")
}

// Sample panics in a goroutine, and waits for it.
func Sample(s grow.SampleState) int {
	c := make(chan bool)
	go boom(c)
	<-c
	time.Sleep(200 * time.Millisecond)
	return s.Real
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var errw bytes.Buffer
	p, err := (&Loader{Stderr: &errw}).LoadSampler(plug)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Sample(sampleState())
	if err == nil || !strings.Contains(err.Error(), "gopanic.go:9:6: panic in a goroutine in boom: from a goroutine") {
		t.Errorf("plugin: got %v", err)
	}
	if errw.Len() > 0 {
		t.Errorf("stderr: %s", &errw)
	}

	// A session.
	s, err := new(Loader).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, _, err := s.Eval(ctx, `import "time"`); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Eval(ctx, "go func() { panic(\"in the loop\") }()\ntime.Sleep(10 * time.Second)")
	if err == nil || !strings.Contains(err.Error(), "panic in a goroutine") || !strings.Contains(err.Error(), "in the loop") {
		t.Errorf("session: got %v", err)
	}
}

// TestTypeErrorsAtOnce checks that every type error of a script is
// reported, not only the first.
func TestTypeErrorsAtOnce(t *testing.T) {
	src := `package main

import (
	"fmt"
	"math"
	"strings"
)

func main() {
	var n int = "three"
	fmt.Println(n + 1)
	s := strings.ToUpper(4)
	x := math.Pi + s
	fmt.Println(x, math.MaxInt64, undefinedThing)
}
`
	_, err := new(Loader).CompileProgram("types.go", []byte(src))
	if err == nil {
		t.Fatal("compiled")
	}
	lines := strings.Split(err.Error(), "\n")
	wantPrefixes := []string{"types.go:10:", "types.go:12:", "types.go:13:", "types.go:14:"}
	if len(lines) != len(wantPrefixes) {
		t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(wantPrefixes), err)
	}
	for i, w := range wantPrefixes {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i+1, lines[i], w)
		}
	}
}

// sampleState returns a valid state for a sampler call.
func sampleState() grow.SampleState {
	return grow.SampleState{Real: 3, Target: 12, Rand: rand.New(rand.NewPCG(1, 2))}
}
