package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// XAxis selects what a plot puts on its horizontal axis.
type XAxis int

const (
	// ByFLOPs plots against cumulative training FLOPs, on a log scale.
	ByFLOPs XAxis = iota
	// ByWall plots against cumulative training wall-clock seconds.
	ByWall
)

// Plot returns the validation-loss curves of the compared runs against x:
// one line per run, one color per method and one dash pattern per seed of a
// method, with the target loss as a thin gray line. Points with zero FLOPs
// are left out of the log-scale FLOPs plot.
func (c *Comparison) Plot(x XAxis) (*plot.Plot, error) {
	p := plot.New()
	p.Y.Label.Text = "validation loss"
	switch x {
	case ByFLOPs:
		p.Title.Text = "Validation loss against training FLOPs"
		p.X.Label.Text = "training FLOPs (log scale)"
	case ByWall:
		p.Title.Text = "Validation loss against training time"
		p.X.Label.Text = "training wall-clock seconds (evaluation excluded)"
	default:
		return nil, fmt.Errorf("unknown plot axis %d", x)
	}
	// Loss curves fall from the top left to the bottom right, so the bottom
	// left corner is the one most often free for the legend.
	p.Legend.Left = true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), vg.Points(8)
	p.Add(plotter.NewGrid())

	xmin, xmax := math.Inf(1), math.Inf(-1)
	for mi, m := range c.Methods {
		for ri, rr := range m.Runs {
			var xys plotter.XYs
			for _, pt := range rr.Run.Points {
				if !pt.HasVal {
					continue
				}
				v := pt.WallS
				if x == ByFLOPs {
					if pt.FLOPs <= 0 {
						continue
					}
					v = pt.FLOPs
				}
				xys = append(xys, plotter.XY{X: v, Y: pt.ValLoss})
				xmin, xmax = math.Min(xmin, v), math.Max(xmax, v)
			}
			if len(xys) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, fmt.Errorf("run %s: %v", rr.Run.Name, err)
			}
			col := seriesColor(mi)
			line.Color = col
			line.Width = vg.Points(1.5)
			line.Dashes = plotutil.Dashes(ri)
			points.Color = col
			points.Shape = draw.CircleGlyph{}
			points.Radius = vg.Points(1.5)
			p.Add(line, points)
			p.Legend.Add(fmt.Sprintf("%s seed %d", m.Method, rr.Run.Seed), line)
		}
	}
	if xmin > xmax {
		return nil, fmt.Errorf("no validation point with positive FLOPs to plot")
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = linearTicks{}, linearTicks{}
	if x == ByFLOPs {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	target, err := refLine(xmin, xmax, c.Target)
	if err != nil {
		return nil, err
	}
	p.Add(target)
	p.Legend.Add("target "+fmtLoss(c.Target), target)
	return p, nil
}

// refLine returns the thin, dashed gray horizontal line at y from xmin to
// xmax that marks a reference value on a plot (the target loss, no
// saving).
func refLine(xmin, xmax, y float64) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: y}, {X: xmax, Y: y}})
	if err != nil {
		return nil, err
	}
	l.Color = color.Gray{Y: 110}
	l.Width = vg.Points(0.75)
	l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	return l, nil
}
