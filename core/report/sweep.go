package report

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Names of the files that Sweep.WriteFiles writes; the plot is written
// with both a ".png" and a ".svg" extension.
const (
	SweepMarkdownFile = "budget_sweep.md"
	PlotSweepFile     = "saving_vs_budget"
)

// SweepRun is the outcome of one run in a budget sweep: the budget it was
// compared at, its method, and whether and with what FLOPs saving it
// reached the reference's final validation loss at that budget.
type SweepRun struct {
	// Budget is the reference's total training FLOPs at this budget
	// (Comparison.RefFLOPs).
	Budget float64
	Method string
	// Reached and Saving are RunResult.Reached and RunResult.FLOPsSaving
	// (a fraction); Saving means nothing when Reached is false.
	Reached bool
	Saving  float64
}

// SweepRuns returns the runs of c that are not the reference as runs of a
// budget sweep at the budget c.RefFLOPs, with the savings c computed. It
// is an error when c has no reference runs, since then it has no savings.
func (c *Comparison) SweepRuns() ([]SweepRun, error) {
	if !c.HasRef {
		return nil, errors.New("a comparison without reference runs has no FLOPs savings to sweep")
	}
	var out []SweepRun
	for _, rr := range c.Runs {
		if !rr.Ref {
			out = append(out, SweepRun{Budget: c.RefFLOPs, Method: rr.Run.Method, Reached: rr.Reached, Saving: rr.FLOPsSaving})
		}
	}
	return out, nil
}

// SweepCell aggregates the runs of one method at one budget.
type SweepCell struct {
	Runs int // runs (seeds) of the method at the budget; 0 when it was not run there
	// Saving is the mean and sample standard deviation of the FLOPs
	// saving over the runs that reached the target (Saving.N of Runs);
	// Min and Max are their extremes. Saving.N is 0 when no run reached
	// it.
	Saving   Stat
	Min, Max float64
}

// Sweep is the FLOPs saving of each method against the budget: for each
// method and budget, the saving to first reach the reference's final
// validation loss at that budget, aggregated over seeds.
type Sweep struct {
	Budgets []float64 // ascending
	Methods []string  // in order of first appearance
	// Cells holds, for each method, one cell per budget of Budgets.
	Cells map[string][]SweepCell
}

// NewSweep aggregates runs by method and budget. Budgets that agree to a
// relative 1e-6 are one budget (the reference runs of different seeds
// spend the same FLOPs). Every budget must be positive and every saving
// of a run that reached the target finite.
func NewSweep(runs []SweepRun) (*Sweep, error) {
	if len(runs) == 0 {
		return nil, errors.New("no runs to sweep")
	}
	s := &Sweep{Cells: map[string][]SweepCell{}}
	for _, r := range runs {
		if !(r.Budget > 0) || math.IsInf(r.Budget, 0) {
			return nil, fmt.Errorf("method %s: budget %v FLOPs, want a positive number", r.Method, r.Budget)
		}
		if r.Reached && (math.IsNaN(r.Saving) || math.IsInf(r.Saving, 0)) {
			return nil, fmt.Errorf("method %s at budget %s: saving %v, want a finite number", r.Method, Sci(r.Budget), r.Saving)
		}
		if s.budgetIndex(r.Budget) < 0 {
			s.Budgets = append(s.Budgets, r.Budget)
		}
		if _, ok := s.Cells[r.Method]; !ok {
			s.Methods = append(s.Methods, r.Method)
			s.Cells[r.Method] = nil
		}
	}
	sort.Float64s(s.Budgets)
	savings := map[string][][]float64{}
	for _, m := range s.Methods {
		s.Cells[m] = make([]SweepCell, len(s.Budgets))
		savings[m] = make([][]float64, len(s.Budgets))
	}
	for _, r := range runs {
		i := s.budgetIndex(r.Budget)
		s.Cells[r.Method][i].Runs++
		if r.Reached {
			savings[r.Method][i] = append(savings[r.Method][i], r.Saving)
		}
	}
	for _, m := range s.Methods {
		for i, xs := range savings[m] {
			c := &s.Cells[m][i]
			c.Saving = NewStat(xs)
			if len(xs) > 0 {
				c.Min, c.Max = xs[0], xs[0]
				for _, x := range xs {
					c.Min, c.Max = math.Min(c.Min, x), math.Max(c.Max, x)
				}
			}
		}
	}
	return s, nil
}

// budgetIndex returns the index in s.Budgets of the budget within a
// relative 1e-6 of b, or -1.
func (s *Sweep) budgetIndex(b float64) int {
	for i, x := range s.Budgets {
		if math.Abs(x-b) <= 1e-6*math.Max(x, b) {
			return i
		}
	}
	return -1
}

// WriteMarkdown writes the sweep as a Markdown table: one row per method,
// one column per budget, each cell the mean FLOPs saving over the seeds
// that reached the target, with their range when more than one did,
// "[k/n]" when only k of the n seeds did, and "— [0/n]" when none did.
// A method not run at a budget has an empty cell.
func (s *Sweep) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# FLOPs saving against budget\n\n")
	b.WriteString("FLOPs saving = 1 − F(first reaching the reference's final validation loss at that budget) / F(reference), ")
	b.WriteString("as in compare.md; the budget is the reference's training FLOPs. ")
	b.WriteString("Each cell: the mean over the seeds that reached the target, (min to max) when more than one did; ")
	b.WriteString("[k/n]: only k of n seeds reached it; — [0/n]: none did.\n\n")
	b.WriteString("| method |")
	for _, x := range s.Budgets {
		fmt.Fprintf(&b, " %s FLOPs |", Sci(x))
	}
	b.WriteString("\n|:--|")
	for range s.Budgets {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
	for _, m := range s.Methods {
		fmt.Fprintf(&b, "| %s |", m)
		for _, c := range s.Cells[m] {
			b.WriteString(" " + c.cell() + " |")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell formats c for the Markdown table.
func (c SweepCell) cell() string {
	switch {
	case c.Runs == 0:
		return ""
	case c.Saving.N == 0:
		return fmt.Sprintf("— [0/%d]", c.Runs)
	}
	out := fmt.Sprintf("%.1f%%", 100*c.Saving.Mean)
	if c.Saving.N > 1 {
		out += fmt.Sprintf(" (%.1f to %.1f)", 100*c.Min, 100*c.Max)
	}
	if c.Saving.N < c.Runs {
		out += fmt.Sprintf(" [%d/%d]", c.Saving.N, c.Runs)
	}
	return out
}

// Plot returns the plot of FLOPs saving (percent) against budget (FLOPs,
// log scale): for each method a line through the mean saving at each
// budget with a shaded band from the lowest to the highest saving of its
// seeds (a whisker where the line has a single point), labelled "k/n"
// where only k of n seeds reached the target. Where no seed of a method
// reached the target, its marker is a cross on a separate row below the
// data, labelled "never reached", and its line breaks there. A dashed gray
// line marks no saving.
func (s *Sweep) Plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "FLOPs saving against budget"
	p.X.Label.Text = "budget: training FLOPs of the reference (log scale)"
	p.Y.Label.Text = "FLOPs saving to the reference's final loss (%)"
	p.Legend.Top = true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(-8), vg.Points(-8)
	p.Add(plotter.NewGrid())

	lo, hi := 0.0, 0.0 // the savings' range in percent, 0 included
	never, partial := false, false
	for _, m := range s.Methods {
		for _, c := range s.Cells[m] {
			if c.Runs > 0 && c.Saving.N == 0 {
				never = true
			}
			if c.Saving.N > 0 {
				lo, hi = math.Min(lo, 100*c.Min), math.Max(hi, 100*c.Max)
				partial = partial || c.Saving.N < c.Runs
			}
		}
	}
	if hi-lo < 10 {
		hi = lo + 10
	}
	span := hi - lo
	neverY := lo - 0.12*span // the row of the methods that never reached the target
	bottom := lo - 0.04*span
	if never {
		bottom = neverY - 0.06*span
	}
	// The legend sits in a band above the data, one line per entry.
	entries := len(s.Methods) + 1
	if never {
		entries++
	}
	if partial {
		entries++
	}
	f := math.Min(0.6, 0.05*float64(entries)+0.04)
	p.Y.Min, p.Y.Max = bottom, (hi+0.02*span-f*bottom)/(1-f)
	p.Y.Tick.Marker = ticksWithin{min: lo - 0.02*span, max: hi + 0.02*span, Ticker: linearTicks{}}
	xmin, xmax := s.Budgets[0]/1.3, s.Budgets[len(s.Budgets)-1]*1.3
	p.X.Min, p.X.Max = xmin, xmax
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}

	zero, err := refLine(xmin, xmax, 0)
	if err != nil {
		return nil, err
	}
	p.Add(zero)

	for mi, m := range s.Methods {
		col := seriesColor(mi)
		dashes := plotutil.Dashes(seriesRound(mi))
		shape := plotutil.Shape(mi)
		var line *plotter.Line
		var marks *plotter.Scatter
		var nevers plotter.XYs
		var labels plotter.XYLabels
		// segment holds the budgets in a row at which some seed reached the target.
		var segment []int
		flush := func() error {
			if len(segment) == 0 {
				return nil
			}
			defer func() { segment = segment[:0] }()
			var mean, upper, lower plotter.XYs
			for _, i := range segment {
				c := s.Cells[m][i]
				x := s.Budgets[i]
				mean = append(mean, plotter.XY{X: x, Y: 100 * c.Saving.Mean})
				upper = append(upper, plotter.XY{X: x, Y: 100 * c.Max})
				lower = append([]plotter.XY{{X: x, Y: 100 * c.Min}}, lower...)
			}
			if len(segment) > 1 {
				band, err := plotter.NewPolygon(append(upper, lower...))
				if err != nil {
					return err
				}
				r, g, b, _ := col.RGBA()
				band.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 56}
				band.LineStyle.Width = 0
				p.Add(band)
			} else if c := s.Cells[m][segment[0]]; c.Max > c.Min {
				bar, err := plotter.NewYErrorBars(minMax{x: s.Budgets[segment[0]], mean: 100 * c.Saving.Mean, min: 100 * c.Min, max: 100 * c.Max})
				if err != nil {
					return err
				}
				bar.Color = col
				p.Add(bar)
			}
			l, pts, err := plotter.NewLinePoints(mean)
			if err != nil {
				return err
			}
			l.Color, l.Width, l.Dashes = col, vg.Points(1.5), dashes
			pts.Color, pts.Shape, pts.Radius = col, shape, vg.Points(2.5)
			p.Add(l, pts)
			line, marks = l, pts
			return nil
		}
		for i, c := range s.Cells[m] {
			switch {
			case c.Runs == 0:
				continue // not run at this budget: the line goes on to the next
			case c.Saving.N == 0:
				if err := flush(); err != nil {
					return nil, fmt.Errorf("method %s: %v", m, err)
				}
				// Methods that miss at the same budget sit side by side.
				x := s.Budgets[i] * math.Pow(1.04, float64(mi)-float64(len(s.Methods)-1)/2)
				nevers = append(nevers, plotter.XY{X: x, Y: neverY})
				continue
			}
			segment = append(segment, i)
			if c.Saving.N < c.Runs {
				labels.XYs = append(labels.XYs, plotter.XY{X: s.Budgets[i], Y: 100 * c.Saving.Mean})
				labels.Labels = append(labels.Labels, fmt.Sprintf(" %d/%d", c.Saving.N, c.Runs))
			}
		}
		if err := flush(); err != nil {
			return nil, fmt.Errorf("method %s: %v", m, err)
		}
		var thumbs []plot.Thumbnailer
		if line != nil {
			thumbs = append(thumbs, line, marks)
		}
		if len(nevers) > 0 {
			sc, err := plotter.NewScatter(nevers)
			if err != nil {
				return nil, fmt.Errorf("method %s: %v", m, err)
			}
			sc.Color, sc.Shape, sc.Radius = col, draw.CrossGlyph{}, vg.Points(4)
			p.Add(sc)
			if line == nil {
				thumbs = append(thumbs, sc)
			}
		}
		if len(labels.XYs) > 0 {
			lb, err := plotter.NewLabels(labels)
			if err != nil {
				return nil, fmt.Errorf("method %s: %v", m, err)
			}
			for i := range lb.TextStyle {
				lb.TextStyle[i].Color = col
			}
			p.Add(lb)
		}
		p.Legend.Add(m, thumbs...)
	}
	if never {
		row, err := refLine(xmin, xmax, neverY)
		if err != nil {
			return nil, err
		}
		row.Color = color.Gray{Y: 170}
		row.Width = vg.Points(0.5)
		row.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: xmin, Y: neverY}}, Labels: []string{" never reached"}})
		if err != nil {
			return nil, err
		}
		lb.Offset.Y = vg.Points(3)
		p.Add(row, lb)
		p.Legend.Add("× never reached (no seed)")
	}
	if partial {
		p.Legend.Add("k/n: k of n seeds reached it (mean, band over those)")
	}
	p.Legend.Add("band: lowest to highest seed")
	return p, nil
}

// minMax is one point with an error bar from min to max, for
// plotter.NewYErrorBars.
type minMax struct{ x, mean, min, max float64 }

func (m minMax) Len() int                      { return 1 }
func (m minMax) XY(int) (float64, float64)     { return m.x, m.mean }
func (m minMax) YError(int) (float64, float64) { return m.mean - m.min, m.max - m.mean }

// ticksWithin marks only the range from min to max, that of the savings,
// with the ticks of Ticker: the row of the methods that never reached the target, below
// the data, gets no saving label, nor does the legend's band above it.
type ticksWithin struct {
	min, max float64
	plot.Ticker
}

// Ticks implements plot.Ticker.
func (t ticksWithin) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, tk := range t.Ticker.Ticks(math.Max(lo, t.min), math.Min(hi, t.max)) {
		if tk.Value >= t.min && tk.Value <= t.max {
			out = append(out, tk)
		}
	}
	return out
}
