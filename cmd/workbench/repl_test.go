package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREPLPiped drives the loop through standard input: it builds a small
// model, trains 20 steps, prints the loss, saves and quits.
func TestREPLPiped(t *testing.T) {
	data := scriptData(t)
	out := filepath.Join(t.TempDir(), "exp")
	input := `cfg := wb.Config()
cfg.Layers, cfg.Dim, cfg.Heads, cfg.Seq, cfg.Batch = 2, 32, 2, 16, 2
cfg.Steps, cfg.EvalEvery, cfg.EvalBatches = 20, 10, 1
cfg.Data = "` + data + `"
cfg.Name = "tiny"
t, err := wb.NewTrainer(cfg)
err
loss, err := t.Steps(20)
fmt.Printf("loss %.2f after %d steps\n",
	loss, t.Status().Step)
res, err := t.Save()
res.Steps
:quit
`
	stdin = strings.NewReader(input)
	defer func() { stdin = os.Stdin }()
	code, stdout, stderr := run("repl", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	want := "<nil>\nloss "
	if !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, " after 20 steps\n20\n") {
		t.Errorf("stdout %q, want %q... after 20 steps\\n20", stdout, want)
	}
	if _, err := os.Stat(filepath.Join(out, "tiny", "model.safetensors")); err != nil {
		t.Error(err)
	}

	// A failed input makes a piped session fail, after running the rest.
	stdin = strings.NewReader("nosuch()\n1 + 1\n")
	code, stdout, stderr = run("repl", "--out", out)
	if code == 0 || stdout != "2\n" || !strings.Contains(stderr, "undefined: nosuch") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestIsTerminal checks that files and character devices that are not
// terminals, such as /dev/null, are not taken for one.
func TestIsTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	file, err := os.Open("repl_test.go")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, r := range []*os.File{null, file} {
		if isTerminal(r) {
			t.Errorf("isTerminal(%s) = true", r.Name())
		}
	}
	if isTerminal(strings.NewReader("x")) {
		t.Error("isTerminal(a reader) = true")
	}
}

// TestREPLContinuation checks that an unclosed call continues on the next
// line and that structs print with their field names.
func TestREPLContinuation(t *testing.T) {
	stdin = strings.NewReader("func cube(x int) int { return x * x * x }\ncube(3\n)\ntype P struct{ X, Y int }\nP{1, 2}\n")
	defer func() { stdin = os.Stdin }()
	code, stdout, stderr := run("repl", "--out", filepath.Join(t.TempDir(), "exp"))
	if code != 0 || stdout != "27\n{X:1 Y:2}\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
