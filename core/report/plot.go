package report

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

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
// are left out of the log-scale FLOPs plot. The y-axis ends a little above
// the highest first evaluation of any run: a later point above that (a
// spike or a diverging run) would otherwise squeeze every curve into a
// thin band, so it is drawn as a triangle on the top edge, and each run's
// highest such point is labelled with its value.
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
	ymin, firstMax := math.Inf(1), math.Inf(-1)
	type curve struct {
		xys plotter.XYs
		col color.Color
	}
	var curves []curve
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
			firstMax = math.Max(firstMax, xys[0].Y)
			for _, xy := range xys {
				ymin = math.Min(ymin, xy.Y)
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
			curves = append(curves, curve{xys, col})
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

	span := math.Max(firstMax-math.Min(ymin, c.Target), 1e-3)
	top := firstMax + 0.04*span // where points above the axis are drawn
	var first *plotter.Scatter
	for _, cv := range curves {
		var off plotter.XYs
		highest := plotter.XY{Y: math.Inf(-1)}
		for _, xy := range cv.xys {
			if xy.Y > top {
				off = append(off, plotter.XY{X: xy.X, Y: top})
				if xy.Y > highest.Y {
					highest = xy
				}
			}
		}
		if len(off) == 0 {
			continue
		}
		marks, err := plotter.NewScatter(off)
		if err != nil {
			return nil, err
		}
		marks.Color = cv.col
		marks.Shape = draw.PyramidGlyph{}
		marks.Radius = vg.Points(3.5)
		value, err := plotter.NewLabels(plotter.XYLabels{
			XYs:    plotter.XYs{{X: highest.X, Y: top}},
			Labels: []string{strconv.FormatFloat(highest.Y, 'f', 2, 64)},
		})
		if err != nil {
			return nil, err
		}
		value.Offset = vg.Point{X: vg.Points(6), Y: -vg.Points(4)}
		p.Add(marks, value)
		if first == nil {
			first = marks
		}
	}
	if first != nil {
		p.Legend.Add("above the axis (value)", first)
		p.Y.Max = top + 0.03*span
	}
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
