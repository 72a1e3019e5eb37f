package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// StepMetrics are the metrics of metrics.jsonl that PlotSteps draws, by
// their JSON names.
var StepMetrics = []string{"train_loss", "grad_norm", "val_loss", "lr"}

// StepCurve is one run's metric against the optimizer step.
type StepCurve struct {
	Run        *Run
	Steps      []int
	Values     []float64
	Expansions []int // steps after which the run expanded, from events.jsonl
}

// StepCurves returns metric (one of StepMetrics) of each run at the steps
// in [from, to]; to ≤ 0 means the last step. val_loss has values only at
// the steps where validation ran. Expansions outside the range are left
// out.
func StepCurves(runs []*Run, metric string, from, to int) ([]StepCurve, error) {
	value, err := stepMetric(metric)
	if err != nil {
		return nil, err
	}
	if to > 0 && to < from {
		return nil, fmt.Errorf("step range %d..%d is empty", from, to)
	}
	in := func(step int) bool { return step >= from && (to <= 0 || step <= to) }
	var curves []StepCurve
	for _, r := range runs {
		c := StepCurve{Run: r}
		for _, pt := range r.Points {
			if v, ok := value(pt); ok && in(pt.Step) {
				c.Steps, c.Values = append(c.Steps, pt.Step), append(c.Values, v)
			}
		}
		for _, e := range r.Events {
			if in(e.Step) {
				c.Expansions = append(c.Expansions, e.Step)
			}
		}
		curves = append(curves, c)
	}
	return curves, nil
}

// stepMetric returns the accessor of a metric named as in metrics.jsonl.
func stepMetric(metric string) (func(Point) (float64, bool), error) {
	switch metric {
	case "train_loss":
		return func(p Point) (float64, bool) { return p.TrainLoss, true }, nil
	case "grad_norm":
		return func(p Point) (float64, bool) { return p.GradNorm, true }, nil
	case "val_loss":
		return func(p Point) (float64, bool) { return p.ValLoss, p.HasVal }, nil
	case "lr":
		return func(p Point) (float64, bool) { return p.LR, true }, nil
	}
	return nil, fmt.Errorf("unknown metric %q: want one of %v", metric, StepMetrics)
}

// PlotSteps returns the plot of curves (from StepCurves) of metric
// against the optimizer step: one line per run, one color per run, and
// each run's expansions as dashed vertical lines of its color, so that a
// jump or a spike at an expansion shows.
func PlotSteps(curves []StepCurve, metric string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = metric + " against optimizer steps"
	p.X.Label.Text = "optimizer step (dashed: expansions)"
	p.Y.Label.Text = metric
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, v := range c.Values {
			if finite(v) {
				ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
			}
		}
	}
	if ymin > ymax {
		return nil, fmt.Errorf("no finite %s in the step range to plot", metric)
	}
	for i, c := range curves {
		var xys plotter.XYs
		for j, v := range c.Values {
			if finite(v) {
				xys = append(xys, plotter.XY{X: float64(c.Steps[j]), Y: v})
			}
		}
		if len(xys) == 0 {
			continue
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("run %s: %v", c.Run.Name, err)
		}
		line.Color = seriesColor(i)
		line.Width = vg.Points(1.25)
		p.Add(line)
		p.Legend.Add(c.Run.Name, line)
		for _, s := range c.Expansions {
			mark, err := plotter.NewLine(plotter.XYs{{X: float64(s), Y: ymin}, {X: float64(s), Y: ymax}})
			if err != nil {
				return nil, err
			}
			mark.Color = seriesColor(i)
			mark.Width = vg.Points(0.75)
			mark.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
			p.Add(mark)
		}
	}
	// A margin below the data, and room above it for the legend (one line
	// per run), so that neither a peak nor the legend hides the other.
	span := ymax - ymin
	if span == 0 {
		span = math.Max(math.Abs(ymax), 1)
	}
	p.Y.Min = ymin - 0.03*span
	p.Y.Max = ymax + (0.05+0.07*float64(len(curves)))*span
	p.X.Tick.Marker = linearTicks{}
	p.Y.Tick.Marker = ticksWithin{min: ymin - 0.03*span, max: ymax + 0.03*span, Ticker: linearTicks{}}
	return p, nil
}
