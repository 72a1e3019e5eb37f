package kern

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedAssemblyUpToDate runs the avo generator in
// internal/asmgen (its own module, fetched through the Go module proxy on
// first use) into a temporary directory, with the arguments of the
// go:generate line in gemm_amd64.go, and fails when kern_amd64.s or
// kern_stub_amd64.go differ from its output: the generator changed
// without go generate being run in core/kern.
func TestGeneratedAssemblyUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the assembly generator; .ci/run runs it")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run the generator: %v", err)
	}
	// The generated files record the command line, so the generator runs
	// two levels below the output directory, as it does from core/kern.
	out := t.TempDir()
	gen := filepath.Join(out, "internal", "asmgen")
	if err := os.MkdirAll(gen, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Glob(filepath.Join("internal", "asmgen", "*"))
	if err != nil || len(src) == 0 {
		t.Fatalf("no generator sources: %v", err)
	}
	for _, p := range src {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(gen, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(gobin, "run", ".", "-out", "../../kern_amd64.s", "-stubs", "../../kern_stub_amd64.go", "-pkg", "kern")
	cmd.Dir = gen
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the generator failed: %v\n%s", err, msg)
	}
	for _, name := range []string{"kern_amd64.s", "kern_stub_amd64.go"} {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("core/kern/%s is stale: run go generate in core/kern", name)
		}
	}
}
