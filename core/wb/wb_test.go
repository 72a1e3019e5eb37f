package wb

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"workbench/core/train"
	"workbench/core/wb/internal/env"
)

// session installs a session with the given --set arguments for the
// duration of the test.
func session(t *testing.T, set ...string) *env.Session {
	t.Helper()
	p, err := env.ParseSet(set)
	if err != nil {
		t.Fatal(err)
	}
	s := env.New(filepath.Join(t.TempDir(), "exp"), p)
	var out bytes.Buffer
	s.Stdout, s.Stderr = &out, &out
	t.Cleanup(env.Install(s))
	return s
}

// failure runs f and returns the message of the Failure it panics with.
func failure(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			var fe *env.Failure
			if err, ok := r.(error); ok && errors.As(err, &fe) {
				msg = fe.Msg
				return
			}
			panic(r)
		}
	}()
	f()
	return ""
}

func TestParams(t *testing.T) {
	session(t, "n=4,x=0.25,s=hi,b=true", "bad=zz")
	if Int("n", 1) != 4 || Float("x", 1) != 0.25 || String("s", "") != "hi" || !Bool("b", false) {
		t.Fatal("parameters not read")
	}
	if Int("missing", 7) != 7 || String("other", "d") != "d" {
		t.Fatal("defaults not returned")
	}
	for _, tc := range []struct {
		f    func()
		want string
	}{
		{func() { Int("bad", 0) }, "--set bad=zz: want an integer"},
		{func() { Float("bad", 0) }, "--set bad=zz: want a finite number"},
		{func() { Bool("bad", false) }, "--set bad=zz: want true or false"},
		{func() { Fatalf("stop %d", 3) }, "stop 3"},
		{func() { Check(errors.New("checked")) }, "checked"},
		{func() { Check(nil) }, ""},
	} {
		if got := failure(tc.f); got != tc.want {
			t.Errorf("failure %q, want %q", got, tc.want)
		}
	}
}

func TestConfig(t *testing.T) {
	session(t, "layers=12,stages=1,3,6,12,stage-ends=0.05,0.1,0.25,wd=0.1,freeze=true,share=interpolate,seed=9")
	c := Config()
	d := train.Defaults()
	if c.Layers != 12 || !slices.Equal(c.Stages, []int{1, 3, 6, 12}) || !slices.Equal(c.StageEnds, []float64{0.05, 0.1, 0.25}) ||
		c.WeightDecay != 0.1 || !c.Freeze || c.ShareMap != "interpolate" || c.Seed != 9 || c.Dim != d.Dim || c.Steps != d.Steps {
		t.Fatalf("Config() = %+v", c)
	}
	keys := ConfigKeys()
	if !slices.Contains(keys, "flops-budget") || !slices.Contains(keys, "stage-ends") || slices.Contains(keys, "out") {
		t.Fatalf("ConfigKeys() = %v", keys)
	}

	session(t, "heads=many")
	if got := failure(func() { Config() }); got != "--set heads=many: want an integer" {
		t.Fatalf("failure %q", got)
	}
	session(t, "stages=1,x")
	if got := failure(func() { Config() }); !strings.HasPrefix(got, "--set stages=1,x: ") {
		t.Fatalf("failure %q", got)
	}
}

func TestSameBudget(t *testing.T) {
	c := train.Defaults()
	c.Stages, c.StageEnds = DefaultStages(c.Layers)
	b := SameBudget(c)
	if want := float64(c.Steps) * FlopsPerStep(c); b.FlopsBudget != want {
		t.Fatalf("budget %g, want %g", b.FlopsBudget, want)
	}
	if float64(b.Steps)*flopsAt(c, c.Stages[0]) < b.FlopsBudget {
		t.Fatalf("%d steps at depth %d cannot spend the budget", b.Steps, c.Stages[0])
	}
	c.FlopsBudget = 1e12
	if SameBudget(c).FlopsBudget != 1e12 {
		t.Fatal("a given budget was replaced")
	}
	// Full-depth FLOPs of the default model: 6·B·T·(L·12d² + dV) + 12·L·B·T²·d.
	d := train.Defaults()
	bt, dm := 16.0*128, 256.0
	want := 6*bt*(6*12*dm*dm+dm*256) + 12*6*bt*128*dm
	if got := FlopsPerStep(d); math.Abs(got-want) > 1 {
		t.Fatalf("FlopsPerStep = %g, want %g", got, want)
	}
}

func TestWriteFile(t *testing.T) {
	s := session(t)
	if err := WriteFile("notes/a.txt", []byte("hi")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(s.Dir, "notes", "a.txt"))
	if err != nil || string(b) != "hi" {
		t.Fatalf("read %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "experiment.json")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../x.txt", "/tmp/x.txt", "", "a/../../x"} {
		if err := WriteFile(name, nil); err == nil || !strings.Contains(err.Error(), "not a relative path inside the experiment directory") {
			t.Errorf("WriteFile(%q): %v", name, err)
		}
	}
}

// TestWriteFileSymlink checks that WriteFile does not write through a
// symbolic link that already exists in the experiment directory, whether
// the link is the file or a directory on its way.
func TestWriteFileSymlink(t *testing.T) {
	s := session(t)
	if err := s.EnsureDir(); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	target := filepath.Join(outside, "victim.txt")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(s.Dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(s.Dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"link.txt", "linkdir/new.txt", "linkdir/victim.txt"} {
		err := WriteFile(name, []byte("overwritten"))
		if err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
			t.Errorf("WriteFile(%q): %v, want a refusal", name, err)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the file outside was changed: %q", b)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("files appeared outside: %v", entries)
	}
	if st, err := os.Lstat(filepath.Join(s.Dir, "link.txt")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
}

func TestTrainNames(t *testing.T) {
	s := session(t)
	c := Config()
	for _, tc := range []struct {
		name, out, want string
	}{
		{"a/b", "", "must be one path element"},
		{"..", "", "must be one path element"},
		{"x", "/tmp/elsewhere", "leave Out empty"},
	} {
		c.Name, c.Out = tc.name, tc.out
		if _, err := Train(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("name %q out %q: %v, want %q", tc.name, tc.out, err, tc.want)
		}
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "taken"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.Dir, "taken", "x"), nil, 0o644)
	c.Name, c.Out = "taken", ""
	if _, err := Train(c); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing run directory: %v", err)
	}
}
