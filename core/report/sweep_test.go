package report

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// sweepRuns are two seeds of three methods at two budgets: apollo reaches
// the target everywhere, stack with one seed at the small budget and with
// none at the large one, and full never.
var sweepRuns = []SweepRun{
	{Budget: 2e13, Method: "apollo", Reached: true, Saving: 0.10},
	{Budget: 2e13, Method: "apollo", Reached: true, Saving: 0.30},
	{Budget: 2e13, Method: "stack", Reached: true, Saving: 0.50},
	{Budget: 2e13 * (1 + 1e-12), Method: "stack"}, // the same budget, summed in another order
	{Budget: 2e13, Method: "full"},
	{Budget: 2e13, Method: "full"},
	{Budget: 2e14, Method: "apollo", Reached: true, Saving: 0.40},
	{Budget: 2e14, Method: "apollo", Reached: true, Saving: 0.44},
	{Budget: 2e14, Method: "stack"},
	{Budget: 2e14, Method: "stack"},
	{Budget: 2e14, Method: "full"},
	{Budget: 2e14, Method: "full"},
}

func TestNewSweep(t *testing.T) {
	s, err := NewSweep(sweepRuns)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Budgets) != 2 || s.Budgets[0] != 2e13 || s.Budgets[1] != 2e14 {
		t.Fatalf("budgets %v, want [2e13 2e14]", s.Budgets)
	}
	if got := strings.Join(s.Methods, " "); got != "apollo stack full" {
		t.Errorf("methods %q, want in order of appearance", got)
	}
	for _, tc := range []struct {
		method       string
		budget       int
		runs, n      int
		mean, lo, hi float64
	}{
		{"apollo", 0, 2, 2, 0.20, 0.10, 0.30},
		{"apollo", 1, 2, 2, 0.42, 0.40, 0.44},
		{"stack", 0, 2, 1, 0.50, 0.50, 0.50},
		{"stack", 1, 2, 0, 0, 0, 0},
		{"full", 0, 2, 0, 0, 0, 0},
		{"full", 1, 2, 0, 0, 0, 0},
	} {
		c := s.Cells[tc.method][tc.budget]
		if c.Runs != tc.runs || c.Saving.N != tc.n || math.Abs(c.Saving.Mean-tc.mean) > 1e-12 || c.Min != tc.lo || c.Max != tc.hi {
			t.Errorf("%s at budget %d: %+v, want %d runs, %d reached, mean %v, range %v to %v", tc.method, tc.budget, c, tc.runs, tc.n, tc.mean, tc.lo, tc.hi)
		}
	}
}

func TestNewSweepErrors(t *testing.T) {
	for _, tc := range []struct {
		runs []SweepRun
		want string
	}{
		{nil, "no runs"},
		{[]SweepRun{{Budget: 0, Method: "apollo"}}, "method apollo: budget 0 FLOPs, want a positive number"},
		{[]SweepRun{{Budget: math.NaN(), Method: "apollo"}}, "budget NaN FLOPs"},
		{[]SweepRun{{Budget: 1e13, Method: "apollo", Reached: true, Saving: math.Inf(1)}}, "saving +Inf, want a finite number"},
	} {
		if _, err := NewSweep(tc.runs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewSweep(%v): error %v, want one containing %q", tc.runs, err, tc.want)
		}
	}
}

func TestSweepMarkdown(t *testing.T) {
	s, err := NewSweep(append(sweepRuns, SweepRun{Budget: 2e14, Method: "midas", Reached: true, Saving: -0.05}))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	want := `| method | 2.00e13 FLOPs | 2.00e14 FLOPs |
|:--|--:|--:|
| apollo | 20.0% (10.0 to 30.0) | 42.0% (40.0 to 44.0) |
| stack | 50.0% [1/2] | — [0/2] |
| full | — [0/2] | — [0/2] |
| midas |  | -5.0% |
`
	if !strings.HasPrefix(got, "# FLOPs saving against budget\n") || !strings.HasSuffix(got, want) {
		t.Errorf("table:\n%s\nwant it to end with\n%s", got, want)
	}
}

// The sweep's tables come from comparisons: the runs that are not the
// reference, with the savings Compare computed, at the reference's FLOPs.
func TestComparisonSweepRuns(t *testing.T) {
	c, err := Compare(loadRuns(t, allRuns...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := c.SweepRuns()
	if err != nil {
		t.Fatal(err)
	}
	var want []SweepRun
	for _, rr := range c.Runs {
		if !rr.Ref {
			want = append(want, SweepRun{Budget: c.RefFLOPs, Method: rr.Run.Method, Reached: rr.Reached, Saving: rr.FLOPsSaving})
		}
	}
	if len(runs) != 3 || len(runs) != len(want) {
		t.Fatalf("%d sweep runs, want the 3 runs that are not baselines", len(runs))
	}
	for i := range runs {
		if runs[i] != want[i] {
			t.Errorf("run %d: %+v, want %+v", i, runs[i], want[i])
		}
	}
	noRef, err := Compare(loadRuns(t, "apollo_s1"), Options{RefMethod: "apollo", Target: 3})
	if err != nil {
		t.Fatal(err)
	}
	noRef.HasRef = false
	if _, err := noRef.SweepRuns(); err == nil {
		t.Error("a comparison without reference gave sweep runs")
	}
}

func TestSweepPlot(t *testing.T) {
	for _, tc := range []struct {
		name  string
		runs  []SweepRun
		never bool // some method never reaches the target at some budget
	}{
		{"mixed", sweepRuns, true},
		{"all reached", sweepRuns[:2], false},
		{"none reached", []SweepRun{{Budget: 3e13, Method: "full"}, {Budget: 9e14, Method: "full"}}, true},
		{"one budget", []SweepRun{{Budget: 3.7e13, Method: "pld", Reached: true, Saving: 0.2}, {Budget: 3.7e13, Method: "pld", Reached: true, Saving: 0.25}}, false},
		{"negative", []SweepRun{{Budget: 1e12, Method: "pld", Reached: true, Saving: -0.3}, {Budget: 1e15, Method: "pld", Reached: true, Saving: 0.01}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSweep(tc.runs)
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Plot()
			if err != nil {
				t.Fatal(err)
			}
			if p.X.Label.Text == "" || p.Y.Label.Text == "" || p.Title.Text == "" {
				t.Errorf("unlabelled: title %q, x %q, y %q", p.Title.Text, p.X.Label.Text, p.Y.Label.Text)
			}
			if _, ok := p.X.Scale.(plot.LogScale); !ok {
				t.Errorf("budget axis scale %T, want log", p.X.Scale)
			}
			lowest, highest := 0.0, 0.0
			for _, r := range tc.runs {
				if r.Reached {
					if r.Budget < p.X.Min || r.Budget > p.X.Max {
						t.Errorf("budget %g outside the x axis %g to %g", r.Budget, p.X.Min, p.X.Max)
					}
					lowest, highest = math.Min(lowest, 100*r.Saving), math.Max(highest, 100*r.Saving)
				}
			}
			checkTicks(t, "x axis", p.X.Tick.Marker, p.X.Min, p.X.Max)
			checkTicks(t, "y axis", p.Y.Tick.Marker, p.Y.Min, p.Y.Max)
			labelled := 0
			for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
				if tk.Label == "" {
					continue
				}
				labelled++
				if tk.Value < lowest-10 {
					t.Errorf("y tick %q below the savings (lowest %g%%): the never-reached row must not read as a saving", tk.Label, lowest)
				}
			}
			if labelled < 2 {
				t.Errorf("%d labelled y ticks", labelled)
			}
			// A method that never reaches the target is drawn on its own
			// row below every saving (and 0), not as a saving of 0.
			if below := p.Y.Min < lowest-0.1*math.Max(highest-lowest, 10); below != tc.never {
				t.Errorf("room below the savings: %v (y from %g to %g, lowest saving %g%%), want %v", below, p.Y.Min, p.Y.Max, lowest, tc.never)
			}
			var svg bytes.Buffer
			wt, err := p.WriterTo(plotWidth, plotHeight, "svg")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wt.WriteTo(&svg); err != nil {
				t.Fatal(err)
			}
			if got := bytes.Contains(svg.Bytes(), []byte("never reached")); got != tc.never {
				t.Errorf("plot says \"never reached\": %v, want %v", got, tc.never)
			}
			for _, m := range s.Methods {
				if !bytes.Contains(svg.Bytes(), []byte(">"+m+"<")) {
					t.Errorf("legend lacks method %s", m)
				}
			}
		})
	}
}

func TestSweepWriteFiles(t *testing.T) {
	s, err := NewSweep(sweepRuns)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	written, err := s.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkWritten(t, dir, written, []writtenFile{
		{"budget_sweep.md", "# FLOPs saving against budget"},
		{"saving_vs_budget.png", "\x89PNG"},
		{"saving_vs_budget.svg", "<?xml"},
	})
}
