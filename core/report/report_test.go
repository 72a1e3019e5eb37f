package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// runsDir holds the synthetic runs: baseline and apollo with seeds 1 and 2,
// and stack seed 1, which never reaches the target and whose metrics end in
// a cut-off line.
const runsDir = "testdata/runs"

func loadRuns(t testing.TB, names ...string) []*Run {
	t.Helper()
	dirs := make([]string, len(names))
	for i, n := range names {
		dirs[i] = filepath.Join(runsDir, n)
	}
	return loadDirs(t, dirs...)
}

func loadDirs(t testing.TB, dirs ...string) []*Run {
	t.Helper()
	var runs []*Run
	for _, d := range dirs {
		r, err := Load(d)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	return runs
}

// Runs of the reference method that differ in more than their seed make
// an ambiguous reference; other methods may mix recipes.
func TestCompareAmbiguousRef(t *testing.T) {
	runs := loadRuns(t, allRuns...)
	runs[3].Config["sampler"] = json.RawMessage(`"lvps"`)
	if _, err := Compare(runs, Options{}); err != nil {
		t.Errorf("a method other than the reference mixes recipes: %v", err)
	}
	runs[1].Config["stages"] = json.RawMessage(`[1, 3, 6]`)
	want := `reference method "baseline" is ambiguous: its runs baseline_s1 and baseline_s2 differ in "stages" (null against [1,3,6]); give each recipe its own method name`
	if _, err := Compare(runs, Options{}); err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	if _, err := Compare(runs, Options{RefMethod: "apollo"}); err == nil || !strings.Contains(err.Error(), `differ in "sampler" (null against "lvps")`) {
		t.Errorf("apollo as reference: error %v", err)
	}
	if _, err := Compare(runs, Options{Ref: runs[0]}); err != nil {
		t.Errorf("one reference run: %v", err)
	}
}

func TestRunDirs(t *testing.T) {
	tests := []struct {
		path string
		want string // the directories, or the error
	}{
		{"testdata/runs/apollo_s1", "testdata/runs/apollo_s1"},
		{"testdata/runs", "testdata/runs/apollo_s1 testdata/runs/apollo_s2 testdata/runs/baseline_s1 testdata/runs/baseline_s2 testdata/runs/stack_s1"},
		{"testdata", "testdata/resumed"},
		{"../report", "../report: neither a run directory (no config.json) nor an experiment directory (no subdirectory holds config.json)"},
		{"testdata/absent", "testdata/absent: no such run or experiment directory: file does not exist"},
		{"testdata/compare.golden.md", "testdata/compare.golden.md: not a run directory (want a directory holding config.json and metrics.jsonl) nor an experiment directory (holding run directories)"},
	}
	for _, tt := range tests {
		dirs, err := RunDirs(tt.path)
		got := strings.Join(dirs, " ")
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("RunDirs(%s) = %s, want %s", tt.path, got, tt.want)
		}
	}
}

var allRuns = []string{"baseline_s1", "baseline_s2", "apollo_s1", "apollo_s2", "stack_s1"}

// near reports whether got equals want to a relative 1e-12.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))
}

func TestLoad(t *testing.T) {
	tests := []struct {
		dir                     string
		name, method            string
		seed, points, steps     int
		flops, wall, final      float64
		events                  int
		warning                 string // substring of the only warning, if any
		firstSampled, lastDepth int
	}{
		{"runs/baseline_s1", "baseline_s1", "baseline", 1, 8, 40, 4e14, 40, 3.0, 0, "", 6, 6},
		{"runs/apollo_s2", "apollo_s2", "apollo", 2, 8, 40, 2.8e14, 31.9, 2.95, 2, "", 6, 6},
		{"runs/stack_s1", "stack_s1", "stack", 1, 8, 40, 3e14, 30, 3.2, 0,
			"testdata/runs/stack_s1/metrics.jsonl:9: last line is cut off (run stopped while writing?); ignored", 3, 6},
		{"resumed", "resumed", "apollo", 3, 4, 40, 4e14, 40, 3.0, 0,
			"testdata/resumed/metrics.jsonl:4: step 30 logged again (resumed run?); its lines replace the earlier ones from step 30 on", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			r, err := Load(filepath.Join("testdata", tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != tt.name || r.Method != tt.method || r.Seed != tt.seed {
				t.Errorf("name, method, seed = %q, %q, %d; want %q, %q, %d", r.Name, r.Method, r.Seed, tt.name, tt.method, tt.seed)
			}
			if len(r.Points) != tt.points || r.Steps() != tt.steps || r.TotalFLOPs() != tt.flops || r.WallS() != tt.wall || r.FinalValLoss() != tt.final {
				t.Errorf("points, steps, flops, wall, final = %d, %d, %g, %g, %g; want %d, %d, %g, %g, %g",
					len(r.Points), r.Steps(), r.TotalFLOPs(), r.WallS(), r.FinalValLoss(), tt.points, tt.steps, tt.flops, tt.wall, tt.final)
			}
			if len(r.Events) != tt.events {
				t.Errorf("%d events, want %d", len(r.Events), tt.events)
			}
			switch {
			case tt.warning == "" && len(r.Warnings) > 0:
				t.Errorf("warnings %q, want none", r.Warnings)
			case tt.warning != "" && (len(r.Warnings) != 1 || r.Warnings[0] != tt.warning):
				t.Errorf("warnings %q, want [%q]", r.Warnings, tt.warning)
			}
			if d := r.Points[0].SampledDepth; tt.firstSampled != 0 && (len(d) == 0 || d[0] != tt.firstSampled) {
				t.Errorf("first sampled_depth %v, want it to start with %d", d, tt.firstSampled)
			}
			if d := r.Points[len(r.Points)-1].Depth; d != tt.lastDepth {
				t.Errorf("last depth %d, want %d", d, tt.lastDepth)
			}
		})
	}
}

func TestLoadEvents(t *testing.T) {
	r := loadRuns(t, "apollo_s1")[0]
	if len(r.Events) != 2 {
		t.Fatalf("%d events, want 2", len(r.Events))
	}
	e := r.Events[1]
	if e.Step != 20 || e.From != 3 || e.To != 6 || len(e.Map) != 6 || e.Map[5] != 2 || e.ValFullBefore == nil || *e.ValFullBefore != 3.31 {
		t.Errorf("event = %+v", e)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		dir, want string
	}{
		{"bad/malformed_metrics", "testdata/bad/malformed_metrics/metrics.jsonl:3: invalid JSON: invalid character ',' looking for beginning of object key string"},
		{"bad/malformed_config", "testdata/bad/malformed_config/config.json:4: invalid JSON: invalid character '\"' after object key:value pair"},
		{"bad/malformed_events", "testdata/bad/malformed_events/events.jsonl:2: field \"to\": want an integer, got string"},
		{"bad/missing_metrics", "testdata/bad/missing_metrics/metrics.jsonl: missing (a run directory holds config.json and metrics.jsonl): file does not exist"},
		{"bad/no_val", "testdata/bad/no_val/metrics.jsonl: no validation points (no line of metrics.jsonl has \"val_loss\")"},
		{"bad/wrong_type", "testdata/bad/wrong_type/metrics.jsonl:2: field \"step\": want an integer, got string"},
		{"bad/flops_backwards", "testdata/bad/flops_backwards/metrics.jsonl:3: \"flops\" 1.5e+14 is below 2e+14 of step 20; want cumulative FLOPs"},
		{"bad/no_method", "testdata/bad/no_method/config.json: missing \"method\" (want a string such as \"baseline\")"},
		{"bad/absent", "testdata/bad/absent: no such run directory: file does not exist"},
		{"bad/no_val/config.json", "testdata/bad/no_val/config.json: not a run directory (want a directory holding config.json and metrics.jsonl)"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			_, err := Load(filepath.Join("testdata", tt.dir))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n  %v\nwant\n  %s", err, tt.want)
			}
		})
	}
}

// curve builds a run from (flops, wall, val loss) triples; a negative loss
// marks a point without validation.
func curve(pts ...[3]float64) *Run {
	r := &Run{Name: "c", Method: "m"}
	for i, p := range pts {
		pt := Point{Step: i + 1, FLOPs: p[0], WallS: p[1]}
		if p[2] >= 0 {
			pt.ValLoss, pt.HasVal = p[2], true
		}
		r.Points = append(r.Points, pt)
	}
	return r
}

func TestReach(t *testing.T) {
	tests := []struct {
		name        string
		run         *Run
		target      float64
		flops, wall float64
		ok          bool
	}{
		{"midway", curve([3]float64{100, 10, 4}, [3]float64{200, 30, 2}), 3, 150, 20, true},
		{"quarter", curve([3]float64{100, 10, 4}, [3]float64{200, 30, 2}), 3.5, 125, 15, true},
		{"exactly at a point", curve([3]float64{100, 10, 4}, [3]float64{200, 30, 3}, [3]float64{300, 50, 2}), 3, 200, 30, true},
		{"first point already below", curve([3]float64{100, 10, 2.5}, [3]float64{200, 30, 2}), 3, 100, 10, true},
		{"first crossing, not a later one", curve([3]float64{100, 10, 4}, [3]float64{200, 20, 2}, [3]float64{300, 30, 4}, [3]float64{400, 40, 1}), 3, 150, 15, true},
		{"points without validation skipped", curve([3]float64{100, 10, 4}, [3]float64{150, 15, -1}, [3]float64{300, 30, 2}), 3, 200, 20, true},
		{"never", curve([3]float64{100, 10, 4}, [3]float64{200, 30, 3.5}), 3, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, w, ok := tt.run.Reach(tt.target)
			if ok != tt.ok || !near(f, tt.flops) || !near(w, tt.wall) {
				t.Errorf("Reach(%g) = %g, %g, %v; want %g, %g, %v", tt.target, f, w, ok, tt.flops, tt.wall, tt.ok)
			}
		})
	}
}

func TestNewStat(t *testing.T) {
	tests := []struct {
		xs        []float64
		mean, std float64
	}{
		{nil, 0, 0},
		{[]float64{3}, 3, 0},
		{[]float64{40, 44}, 42, math.Sqrt(8)},
		{[]float64{1, 2, 3, 4}, 2.5, math.Sqrt(5.0 / 3)},
	}
	for _, tt := range tests {
		s := NewStat(tt.xs)
		if s.N != len(tt.xs) || !near(s.Mean, tt.mean) || !near(s.Std, tt.std) {
			t.Errorf("NewStat(%v) = %+v, want mean %g std %g", tt.xs, s, tt.mean, tt.std)
		}
	}
}

// The expected numbers of the synthetic runs. The target is the mean final
// loss of the baselines, (3.0+3.1)/2 = 3.05; the reference totals are
// 4e14 FLOPs and (40+44)/2 = 42 s.
func TestCompare(t *testing.T) {
	c, err := Compare(loadRuns(t, allRuns...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !near(c.Target, 3.05) || !near(c.RefFLOPs, 4e14) || !near(c.RefWallS, 42) || c.RefRuns != 2 || !c.HasRef {
		t.Fatalf("target %g, ref %g FLOPs %g s from %d runs", c.Target, c.RefFLOPs, c.RefWallS, c.RefRuns)
	}
	runs := []struct {
		name        string
		ref, ok     bool
		flops, wall float64 // to reach the target
	}{
		// Crosses between step 30 (3.3) and 40 (3.0): t = 0.25/0.3.
		{"baseline_s1", true, true, 3e14 + 0.25/0.3*1e14, 30 + 0.25/0.3*10},
		{"baseline_s2", true, false, 0, 0},
		// Crosses between step 20 (3.3; 1e14, 11 s) and 30 (3.0; 1.8e14, 19 s).
		{"apollo_s1", false, true, 1e14 + 0.25/0.3*0.8e14, 11 + 0.25/0.3*8},
		// Crosses between step 30 (3.1; 1.8e14, 20.9 s) and 40 (2.95; 2.8e14, 31.9 s): t = 1/3.
		{"apollo_s2", false, true, 1.8e14 + 1e14/3, 20.9 + 11.0/3},
		{"stack_s1", false, false, 0, 0},
	}
	if len(c.Runs) != len(runs) {
		t.Fatalf("%d runs, want %d", len(c.Runs), len(runs))
	}
	for i, want := range runs {
		got := c.Runs[i]
		if got.Run.Name != want.name || got.Ref != want.ref || got.Reached != want.ok ||
			!near(got.ReachFLOPs, want.flops) || !near(got.ReachWallS, want.wall) {
			t.Errorf("run %d = %s ref %v reached %v at %g FLOPs %g s; want %s ref %v reached %v at %g FLOPs %g s",
				i, got.Run.Name, got.Ref, got.Reached, got.ReachFLOPs, got.ReachWallS, want.name, want.ref, want.ok, want.flops, want.wall)
		}
		if want.ok && (!near(got.FLOPsSaving, 1-want.flops/4e14) || !near(got.WallSaving, 1-want.wall/42)) {
			t.Errorf("%s savings %g, %g; want %g, %g", want.name, got.FLOPsSaving, got.WallSaving, 1-want.flops/4e14, 1-want.wall/42)
		}
	}

	a1, a2 := runs[2], runs[3]
	methods := []struct {
		method                 string
		n                      int
		flops, wall, loss      Stat
		reachF, reachW, fs, ws Stat
	}{
		{"baseline", 2, Stat{4e14, 0, 2}, Stat{42, math.Sqrt(8), 2}, Stat{3.05, 0.1 / math.Sqrt2, 2},
			Stat{runs[0].flops, 0, 1}, Stat{runs[0].wall, 0, 1}, Stat{1 - runs[0].flops/4e14, 0, 1}, Stat{1 - runs[0].wall/42, 0, 1}},
		{"apollo", 2, Stat{2.8e14, 0, 2}, Stat{30.45, 2.9 / math.Sqrt2, 2}, Stat{2.925, 0.05 / math.Sqrt2, 2},
			Stat{(a1.flops + a2.flops) / 2, (a2.flops - a1.flops) / math.Sqrt2, 2},
			Stat{(a1.wall + a2.wall) / 2, (a2.wall - a1.wall) / math.Sqrt2, 2},
			Stat{1 - (a1.flops+a2.flops)/8e14, (a2.flops - a1.flops) / 4e14 / math.Sqrt2, 2},
			Stat{1 - (a1.wall+a2.wall)/84, (a2.wall - a1.wall) / 42 / math.Sqrt2, 2}},
		{"stack", 1, Stat{3e14, 0, 1}, Stat{30, 0, 1}, Stat{3.2, 0, 1}, Stat{}, Stat{}, Stat{}, Stat{}},
	}
	if len(c.Methods) != len(methods) {
		t.Fatalf("%d methods, want %d", len(c.Methods), len(methods))
	}
	for i, want := range methods {
		got := c.Methods[i]
		if got.Method != want.method || len(got.Runs) != want.n {
			t.Errorf("method %d = %s with %d runs, want %s with %d", i, got.Method, len(got.Runs), want.method, want.n)
			continue
		}
		for _, s := range []struct {
			what      string
			got, want Stat
		}{
			{"FLOPs", got.FLOPs, want.flops}, {"wall", got.WallS, want.wall}, {"final loss", got.FinalValLoss, want.loss},
			{"FLOPs to target", got.ReachFLOPs, want.reachF}, {"wall to target", got.ReachWallS, want.reachW},
			{"FLOPs saving", got.FLOPsSaving, want.fs}, {"wall saving", got.WallSaving, want.ws},
		} {
			if s.got.N != s.want.N || !near(s.got.Mean, s.want.Mean) || !near(s.got.Std, s.want.Std) {
				t.Errorf("%s %s = %+v, want %+v", want.method, s.what, s.got, s.want)
			}
		}
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %q, want none", c.Warnings)
	}
}

func TestCompareOptions(t *testing.T) {
	runs := loadRuns(t, allRuns...)
	tests := []struct {
		name             string
		runs             []*Run
		opt              Options
		target, refFLOPs float64
		source           string
		hasRef           bool
		err              string
	}{
		{"ref run", runs, Options{Ref: runs[1]}, 3.1, 4e14, "final validation loss of reference run baseline_s2", true, ""},
		{"target overrides", runs, Options{Target: 3.2}, 3.2, 4e14, "given", true, ""},
		{"single baseline", runs[1:], Options{}, 3.1, 4e14, "final validation loss of the baseline run baseline_s2", true, ""},
		{"target without baseline", runs[2:], Options{Target: 3}, 3, 0, "given", false, ""},
		{"no reference", runs[2:], Options{}, 0, 0, "", false, `no reference: no run has method "baseline" and neither a reference run nor a target loss was given`},
		{"ref not compared", runs[2:], Options{Ref: runs[0]}, 0, 0, "", false, "reference run testdata/runs/baseline_s1 is not among the compared runs"},
		{"no runs", nil, Options{}, 0, 0, "", false, "no runs to compare"},
		{"ref method", runs, Options{RefMethod: "apollo"}, 2.925, 2.8e14, "mean final validation loss of 2 apollo runs", true, ""},
		{"single run of ref method", runs, Options{RefMethod: "stack"}, 3.2, 3e14, "final validation loss of the stack run stack_s1", true, ""},
		{"ref method absent", runs, Options{RefMethod: "lvps"}, 0, 0, "", false, `reference method "lvps": no compared run has it (methods: baseline, apollo, stack)`},
		{"ref method absent with target", runs, Options{RefMethod: "lvps", Target: 3}, 0, 0, "", false, `reference method "lvps": no compared run has it (methods: baseline, apollo, stack)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare(tt.runs, tt.opt)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("error %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Target != tt.target || c.RefFLOPs != tt.refFLOPs || c.TargetSource != tt.source || c.HasRef != tt.hasRef {
				t.Errorf("target %g (%s), ref FLOPs %g, has ref %v; want %g (%s), %g, %v", c.Target, c.TargetSource, c.RefFLOPs, c.HasRef, tt.target, tt.source, tt.refFLOPs, tt.hasRef)
			}
		})
	}
}

func TestCompareDuplicateSeed(t *testing.T) {
	runs := loadRuns(t, "baseline_s1", "apollo_s1", "apollo_s1")
	c, err := Compare(runs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "method apollo has seed 1 more than once (runs apollo_s1 and apollo_s1); both count in its mean"
	if len(c.Warnings) != 1 || c.Warnings[0] != want {
		t.Errorf("warnings %q, want [%q]", c.Warnings, want)
	}
}

// golden compares got with the file testdata/name, or rewrites the file
// with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
}

func TestTables(t *testing.T) {
	c, err := Compare(loadRuns(t, allRuns...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var text, md bytes.Buffer
	if err := c.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.golden.txt", text.Bytes())
	golden(t, "compare.golden.md", md.Bytes())

	// The cells that carry the numbers, independent of the layout.
	rows := map[string][]string{}
	for _, r := range c.methodTable().rows {
		rows["method "+r[0]] = r
	}
	for _, r := range c.runTable().rows {
		rows["run "+r[0]] = r
	}
	tests := []struct {
		row  string
		want []string
	}{
		{"method baseline", []string{"baseline", "2", "1,2", "40 ± 0", "4.00e14 ± 0", "42.0 ± 2.8", "3.0500 ± 0.0707", "—", "3.0350 ± 0.0636", "4.3786 ± 0.0918", "3.83e14 [1/2]", "38.3 [1/2]", "4.2% [1/2]", "8.7% [1/2]"}},
		{"method apollo", []string{"apollo", "2", "1,2", "40 ± 0", "2.80e14 ± 0", "30.4 ± 2.1", "2.9250 ± 0.0354", "—", "2.8800 [1/2]", "4.1550 [1/2]", "1.90e14 ± 3.30e13", "21.1 ± 4.9", "52.5 ± 8.2%", "49.7 ± 11.6%"}},
		{"method stack", []string{"stack", "1", "1", "40", "3.00e14", "30.0", "3.2000", "—", "—", "—", "—", "—", "—", "—"}},
		{"run baseline_s1 (ref)", []string{"baseline_s1 (ref)", "baseline", "1", "40", "4.00e14", "40.0", "3.0000", "—", "2.9900", "4.3137", "3.83e14", "38.3", "4.2%", "8.7%"}},
		{"run baseline_s2 (ref)", []string{"baseline_s2 (ref)", "baseline", "2", "40", "4.00e14", "44.0", "3.1000", "—", "3.0800", "4.4435", "—", "—", "—", "—"}},
		{"run apollo_s1", []string{"apollo_s1", "apollo", "1", "40", "2.80e14", "29.0", "2.9000", "—", "2.8800", "4.1550", "1.67e14", "17.7", "58.3%", "57.9%"}},
		{"run apollo_s2", []string{"apollo_s2", "apollo", "2", "40", "2.80e14", "31.9", "2.9500", "—", "—", "—", "2.13e14", "24.6", "46.7%", "41.5%"}},
		{"run stack_s1", []string{"stack_s1", "stack", "1", "40", "3.00e14", "30.0", "3.2000", "—", "—", "—", "—", "—", "—", "—"}},
	}
	for _, tt := range tests {
		if got := rows[tt.row]; strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
			t.Errorf("%s:\n  got  %q\n  want %q", tt.row, got, tt.want)
		}
	}
}

func TestSci(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{
		{1.234e15, "1.23e15"}, {4e14, "4.00e14"}, {1e-3, "1.00e-3"}, {-2.5e7, "-2.50e7"},
		{9.999e15, "1.00e16"}, {1, "1.00e0"}, {0, "0"}, {math.Inf(1), "+Inf"},
	}
	for _, tt := range tests {
		if got := Sci(tt.x); got != tt.want {
			t.Errorf("Sci(%g) = %q, want %q", tt.x, got, tt.want)
		}
	}
}

func TestWriteFiles(t *testing.T) {
	c, err := Compare(loadRuns(t, allRuns...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	written, err := c.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkWritten(t, dir, written, []writtenFile{
		{"compare.md", "# Comparison of 5 runs"},
		{"loss_vs_flops.png", "\x89PNG"},
		{"loss_vs_flops.svg", "<?xml"},
		{"loss_vs_wall.png", "\x89PNG"},
		{"loss_vs_wall.svg", "<?xml"},
	})
	md, _ := os.ReadFile(filepath.Join(dir, "compare.md"))
	if !bytes.Contains(md, []byte("](loss_vs_flops.svg)")) {
		t.Error("compare.md does not show the FLOPs plot")
	}
}

// writtenFile is a file a WriteFiles method should write: its name and
// how it starts.
type writtenFile struct{ name, prefix string }

// checkWritten checks that written lists the files of want, that each
// is in dir, longer than 100 bytes and starts as it should, and that dir
// holds nothing else (no temporary files).
func checkWritten(t *testing.T, dir string, written []string, want []writtenFile) {
	t.Helper()
	if len(written) != len(want) {
		t.Errorf("wrote %q, want %d files", written, len(want))
	}
	for _, w := range want {
		b, err := os.ReadFile(filepath.Join(dir, w.name))
		if err != nil {
			t.Error(err)
			continue
		}
		if len(b) < 100 || !bytes.HasPrefix(b, []byte(w.prefix)) {
			t.Errorf("%s: %d bytes starting %q, want more than 100 starting %q", w.name, len(b), b[:min(len(b), 8)], w.prefix)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != len(want) {
		t.Errorf("%d entries in the output directory, want %d (no temporary files left)", len(entries), len(want))
	}
}

func TestPlotTicks(t *testing.T) {
	tests := []struct {
		ticker plot.Ticker
		lo, hi float64
		labels string
	}{
		{logTicks{}, 4e13, 3e14, "5e13 1e14 2e14"},
		{logTicks{}, 2e12, 3e16, "1e13 1e14 1e15 1e16"},
		{logTicks{}, 3.1e14, 3.9e14, "3.2e14 3.4e14 3.6e14 3.8e14"},
		// gonum's DefaultTicks labels 2.35 as "2.4" on this range.
		{linearTicks{}, 2.348, 2.571, "2.35 2.40 2.45 2.50 2.55"},
		{linearTicks{}, 0, 187.6, "0 50 100 150"},
		{linearTicks{}, 12.3, 14.1, "12.5 13.0 13.5 14.0"},
		{linearTicks{}, -0.3, 0.2, "-0.3 -0.2 -0.1 0.0 0.1 0.2"},
		{linearTicks{}, 2.5, 2.5, "2.5"},
	}
	for _, tt := range tests {
		var labels []string
		for _, tk := range tt.ticker.Ticks(tt.lo, tt.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, " "); got != tt.labels {
			t.Errorf("%T.Ticks(%g, %g) labelled %q, want %q", tt.ticker, tt.lo, tt.hi, got, tt.labels)
		}
	}
}

// checkTicks fails unless ticker labels at least two ticks in [lo, hi],
// each label parses back to exactly its tick's value, and the labels are
// distinct.
func checkTicks(t *testing.T, what string, ticker plot.Ticker, lo, hi float64) {
	t.Helper()
	seen := map[string]bool{}
	for _, tk := range ticker.Ticks(lo, hi) {
		if tk.Label == "" {
			continue
		}
		v, err := strconv.ParseFloat(tk.Label, 64)
		if err != nil || v != tk.Value {
			t.Errorf("%s [%g, %g]: tick at %v labelled %q", what, lo, hi, tk.Value, tk.Label)
		}
		if tk.Value < lo-1e-9*math.Abs(lo) || tk.Value > hi+1e-9*math.Abs(hi) {
			t.Errorf("%s [%g, %g]: tick %q outside the range", what, lo, hi, tk.Label)
		}
		if seen[tk.Label] {
			t.Errorf("%s [%g, %g]: label %q twice", what, lo, hi, tk.Label)
		}
		seen[tk.Label] = true
	}
	if len(seen) < 2 {
		t.Errorf("%s [%g, %g]: %d labelled ticks, want at least 2", what, lo, hi, len(seen))
	}
}

// Every labelled tick says its value, over ranges of many widths and
// magnitudes.
func TestTicksExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		lo := math.Pow(10, rng.Float64()*24-8) * (rng.Float64() - 0.3)
		hi := lo + math.Abs(lo)*math.Pow(10, rng.Float64()*4-3) + math.Pow(10, rng.Float64()*20-8)
		checkTicks(t, "linear", linearTicks{}, lo, hi)
		if lo > 0 {
			checkTicks(t, "log", logTicks{}, lo, hi)
		}
	}
}

// comparisonPlots compares runs and returns the comparison's plots,
// indexed by XAxis.
func comparisonPlots(t *testing.T, runs []*Run) []*plot.Plot {
	t.Helper()
	c, err := Compare(runs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var plots []*plot.Plot
	for _, x := range []XAxis{ByFLOPs, ByWall} {
		p, err := c.Plot(x)
		if err != nil {
			t.Fatal(err)
		}
		plots = append(plots, p)
	}
	return plots
}

// Every axis of every plot of a comparison labels its ticks with their
// values.
func TestPlotAxesExact(t *testing.T) {
	for x, p := range comparisonPlots(t, loadRuns(t, allRuns...)) {
		for _, ax := range []struct {
			name string
			axis *plot.Axis
		}{{"x", &p.X}, {"y", &p.Y}} {
			checkTicks(t, fmt.Sprintf("plot %d, %s axis", x, ax.name), ax.axis.Tick.Marker, ax.axis.Min, ax.axis.Max)
		}
	}
}

func TestCommonDir(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dirs []string
		want string
	}{
		{[]string{"/a/runs/x", "/a/runs/y"}, "/a/runs"},
		{[]string{"/a/runs/x", "/a/runs/sub/y", "/a/runs/z/"}, "/a/runs"},
		{[]string{"/a/runs/x"}, "/a/runs"},
		{[]string{"/a/x", "/b/y"}, "/"},
		{[]string{"/x", "/y"}, "/"},
		{[]string{"runs/x", "runs/y"}, filepath.Join(wd, "runs")},
	}
	for _, tt := range tests {
		if filepath.Separator != '/' {
			t.Skip("paths in this test are Unix paths")
		}
		got, err := CommonDir(tt.dirs)
		if err != nil || got != tt.want {
			t.Errorf("CommonDir(%q) = %q, %v; want %q", tt.dirs, got, err, tt.want)
		}
	}
}

// TestFinalValBPB reads val_bpb from a log that has it.
func TestFinalValBPB(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"config.json", "events.jsonl", "metrics.jsonl"} {
		b, err := os.ReadFile(filepath.Join("testdata", "runs", "apollo_s1", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "metrics.jsonl" {
			b = bytes.ReplaceAll(b, []byte(`"val_loss": 2.9}`), []byte(`"val_loss": 2.9, "val_bpb": 1.25}`))
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.FinalValBPB(); got != 1.25 {
		t.Errorf("FinalValBPB = %v, want 1.25", got)
	}
	old, err := Load(filepath.Join("testdata", "runs", "apollo_s1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := old.FinalValBPB(); !math.IsNaN(got) {
		t.Errorf("a log without val_bpb: FinalValBPB = %v, want NaN", got)
	}
}

// A point above every run's first evaluation is drawn on the top edge of
// the loss plot and labelled with its value, instead of stretching the
// y-axis; without one the axis spans the data.
func TestPlotPointsAboveTheAxis(t *testing.T) {
	tests := []struct {
		name   string
		losses []float64 // the second run's validation losses; the reference's are 5, 4, 3
		labels []string  // the labels of points above the axis (each run's highest)
	}{
		{"no spike", []float64{5.5, 4, 3.5}, nil},
		{"one spike", []float64{5.5, 12.034, 3.5}, []string{"12.03"}},
		{"the highest of two", []float64{5.5, 9, 14.5, 3.5}, []string{"14.50"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := curve([3]float64{100, 1, 5}, [3]float64{200, 2, 4}, [3]float64{300, 3, 3})
			ref.Name, ref.Method, ref.Seed = "b", "baseline", 1
			var pts [][3]float64
			for i, l := range tt.losses {
				pts = append(pts, [3]float64{float64(100 * (i + 1)), float64(i + 1), l})
			}
			run := curve(pts...)
			run.Name, run.Method, run.Seed = "a", "apollo", 1
			for x, p := range comparisonPlots(t, []*Run{ref, run}) {
				checkTicks(t, fmt.Sprintf("plot %d, y axis", x), p.Y.Tick.Marker, p.Y.Min, p.Y.Max)
				w, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "svg")
				if err != nil {
					t.Fatal(err)
				}
				var svg bytes.Buffer
				if _, err := w.WriteTo(&svg); err != nil {
					t.Fatal(err)
				}
				var texts []string
				for _, m := range regexp.MustCompile(`>([^<]*)</text>`).FindAllStringSubmatch(svg.String(), -1) {
					texts = append(texts, m[1])
				}
				legend := slices.Contains(texts, "above the axis (value)")
				if legend != (tt.labels != nil) {
					t.Errorf("axis %d: legend entry for points above the axis: %v, want %v", x, legend, tt.labels != nil)
				}
				for _, l := range tt.labels {
					if !slices.Contains(texts, l) {
						t.Errorf("axis %d: no label %q among the texts %q", x, l, texts)
					}
				}
				if slices.Contains(texts, "9.00") {
					t.Errorf("axis %d: a point above the axis that is not its run's highest is labelled", x)
				}
				highest := slices.Max(tt.losses)
				if clipped := p.Y.Max < highest; clipped != (tt.labels != nil) {
					t.Errorf("axis %d: y-axis up to %g with a highest point of %g", x, p.Y.Max, highest)
				}
				if p.Y.Max < 5.5 {
					t.Errorf("axis %d: y-axis up to %g, below the first evaluation 5.5", x, p.Y.Max)
				}
			}
		})
	}
}
