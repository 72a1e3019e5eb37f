package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"workbench/core/fsutil"
)

// Names of the files that WriteFiles writes; the plots are written with
// both a ".png" and a ".svg" extension.
const (
	MarkdownFile  = "compare.md"
	PlotFLOPsFile = "loss_vs_flops"
	PlotWallFile  = "loss_vs_wall"
)

// Size of the written plots.
const (
	plotWidth  = 8 * vg.Inch
	plotHeight = 5 * vg.Inch
)

// WriteFiles writes the Markdown report compare.md and the plots
// loss_vs_flops.png, loss_vs_flops.svg, loss_vs_wall.png and loss_vs_wall.svg
// into dir, which is created if needed. Each file is written atomically
// (fsutil.WriteFileAtomic), so a reader never sees a partial file.
// It returns the paths written.
func (c *Comparison) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	md := filepath.Join(dir, MarkdownFile)
	if err := fsutil.WriteFileAtomic(md, 0o644, func(w io.Writer) error { return c.writeMarkdown(w, true) }); err != nil {
		return written, err
	}
	written = append(written, md)
	for _, pl := range []struct {
		axis XAxis
		name string
	}{{ByFLOPs, PlotFLOPsFile}, {ByWall, PlotWallFile}} {
		p, err := c.Plot(pl.axis)
		if err != nil {
			return written, fmt.Errorf("%s: %v", filepath.Join(dir, pl.name), err)
		}
		paths, err := WritePlot(dir, pl.name, p)
		written = append(written, paths...)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// WritePlot writes p as name.png and name.svg into dir, each atomically,
// and returns the paths written.
func WritePlot(dir, name string, p *plot.Plot) ([]string, error) {
	var written []string
	for _, format := range []string{"png", "svg"} {
		path := filepath.Join(dir, name+"."+format)
		err := fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) (err error) {
			defer func() {
				if e := recover(); e != nil {
					err = fmt.Errorf("drawing the plot failed: %v", e)
				}
			}()
			wt, err := p.WriterTo(plotWidth, plotHeight, format)
			if err != nil {
				return err
			}
			_, err = wt.WriteTo(w)
			return err
		})
		if err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// WriteFiles writes the Markdown table budget_sweep.md and the plot
// saving_vs_budget.png and saving_vs_budget.svg into dir, which is created
// if needed, each atomically. It returns the paths written.
func (s *Sweep) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	md := filepath.Join(dir, SweepMarkdownFile)
	if err := fsutil.WriteFileAtomic(md, 0o644, s.WriteMarkdown); err != nil {
		return nil, err
	}
	p, err := s.Plot()
	if err != nil {
		return []string{md}, fmt.Errorf("%s: %v", filepath.Join(dir, PlotSweepFile), err)
	}
	paths, err := WritePlot(dir, PlotSweepFile, p)
	return append([]string{md}, paths...), err
}

// CommonDir returns the deepest directory that contains all of dirs, as an
// absolute path: for runs/a and runs/b it is runs, for a single run
// directory its parent.
func CommonDir(dirs []string) (string, error) {
	if len(dirs) == 0 {
		return "", errors.New("no directories given")
	}
	var common []string
	vol := ""
	for i, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return "", err
		}
		parent := filepath.Dir(abs)
		v := filepath.VolumeName(parent)
		parts := strings.Split(strings.Trim(parent[len(v):], string(filepath.Separator)), string(filepath.Separator))
		if len(parts) == 1 && parts[0] == "" {
			parts = nil
		}
		if i == 0 {
			common, vol = parts, v
			continue
		}
		if v != vol {
			return "", fmt.Errorf("%s and %s are on different volumes", dirs[0], d)
		}
		n := 0
		for n < len(common) && n < len(parts) && common[n] == parts[n] {
			n++
		}
		common = common[:n]
	}
	return vol + string(filepath.Separator) + filepath.Join(common...), nil
}
