package script

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCompile feeds arbitrary source to the script loader (parse, checks,
// go-statement rewriting, type checking and the interpreter's compiler):
// whatever the input, it must return a program or an error whose lines
// read as messages, never panic, hang or print a stack trace. The seed
// corpus is every plugin and script of the repository and of testdata.
func FuzzCompile(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"testdata/*.go", "testdata/*.go.txt", "../../plugins/*/*/*.go", "../../scripts/*.go"} {
		files, _ := filepath.Glob(pattern)
		seeds = append(seeds, files...)
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("package main\n\nfunc main() {\n\tgo f(g())\n\tgo println(1)\n\tgo func(xs ...int) {}(1, 2)\n}\n\nfunc f(a, b int) {}\n\nfunc g() (int, int) { return 1, 2 }\n"))
	l := &Loader{Stdout: discard{}, Stderr: discard{}}
	f.Fuzz(func(t *testing.T, src []byte) {
		_, err := l.CompileProgram("fuzz.go", src)
		if err == nil {
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if strings.HasPrefix(line, "goroutine ") || strings.Contains(line, "runtime/debug.Stack") {
				t.Fatalf("stack trace in the error:\n%v", err)
			}
		}
	})
}

// discard is an io.Writer that drops what it is given.
type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
