package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// none marks a value that does not exist, such as a target never reached.
const none = "—"

// table is a grid of cells with a header; right marks right-aligned columns.
type table struct {
	header []string
	right  []bool
	rows   [][]string
}

// methodTable returns the per-method table of c.
func (c *Comparison) methodTable() table {
	t := table{
		header: []string{"method", "n", "seeds", "steps", "FLOPs", "wall s", "final val loss", "final val bpb", "FLOPs to target", "wall s to target", "FLOPs saving", "wall saving"},
		right:  []bool{false, true, false, true, true, true, true, true, true, true, true, true},
	}
	for _, m := range c.Methods {
		n := len(m.Runs)
		seeds := make([]string, n)
		for i, rr := range m.Runs {
			seeds[i] = strconv.Itoa(rr.Run.Seed)
		}
		t.rows = append(t.rows, []string{
			m.Method, strconv.Itoa(n), strings.Join(seeds, ","),
			statCell(m.Steps, fmtSteps, 0), statCell(m.FLOPs, Sci, 0), statCell(m.WallS, fmtWall, 0),
			statCell(m.FinalValLoss, fmtLoss, 0), statCell(m.FinalValBPB, fmtLoss, n),
			statCell(m.ReachFLOPs, Sci, n), statCell(m.ReachWallS, fmtWall, n),
			c.savingCell(m.FLOPsSaving, n), c.savingCell(m.WallSaving, n),
		})
	}
	return t
}

// runTable returns the per-run table of c.
func (c *Comparison) runTable() table {
	t := table{
		header: []string{"run", "method", "seed", "steps", "FLOPs", "wall s", "final val loss", "final val bpb", "FLOPs to target", "wall s to target", "FLOPs saving", "wall saving"},
		right:  []bool{false, false, true, true, true, true, true, true, true, true, true, true},
	}
	for _, rr := range c.Runs {
		r := rr.Run
		name := r.Name
		if rr.Ref {
			name += " (ref)"
		}
		row := []string{
			name, r.Method, strconv.Itoa(r.Seed), strconv.Itoa(r.Steps()),
			Sci(r.TotalFLOPs()), fmtWall(r.WallS()), fmtLoss(r.FinalValLoss()), none,
			none, none, none, none,
		}
		if b := r.FinalValBPB(); !math.IsNaN(b) {
			row[7] = fmtLoss(b)
		}
		if rr.Reached {
			row[8], row[9] = Sci(rr.ReachFLOPs), fmtWall(rr.ReachWallS)
			if c.HasRef {
				row[10], row[11] = fmtPercent(rr.FLOPsSaving)+"%", fmtPercent(rr.WallSaving)+"%"
			}
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// savingCell formats a saving statistic as a percentage.
func (c *Comparison) savingCell(s Stat, total int) string {
	if !c.HasRef || s.N == 0 {
		return none
	}
	cell := statCell(s, fmtPercent, 0) + "%"
	if s.N < total {
		cell += fmt.Sprintf(" [%d/%d]", s.N, total)
	}
	return cell
}

// statCell formats s as "mean", or "mean ± std" over several values, or
// none when it has no values. With total > 0 and fewer values than total,
// " [N/total]" follows.
func statCell(s Stat, f func(float64) string, total int) string {
	if s.N == 0 {
		return none
	}
	cell := f(s.Mean)
	if s.N > 1 {
		cell += " ± " + f(s.Std)
	}
	if total > 0 && s.N < total {
		cell += fmt.Sprintf(" [%d/%d]", s.N, total)
	}
	return cell
}

// Sci formats x in scientific notation with three significant digits and
// an exponent without sign or leading zeros, such as 1.23e15 or 4.50e-3;
// 0 is "0".
func Sci(x float64) string {
	if x == 0 {
		return "0"
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	s := strconv.FormatFloat(x, 'e', 2, 64) // d.dde±XX
	i := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[i+1:])
	return s[:i] + "e" + strconv.Itoa(exp)
}

func fmtSteps(x float64) string   { return strconv.FormatFloat(x, 'f', 0, 64) }
func fmtWall(x float64) string    { return strconv.FormatFloat(x, 'f', 1, 64) }
func fmtLoss(x float64) string    { return strconv.FormatFloat(x, 'f', 4, 64) }
func fmtPercent(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) }

// intro returns the sentences that state the target and the reference.
func (c *Comparison) intro() []string {
	lines := []string{fmt.Sprintf("Target validation loss %s (%s).", fmtLoss(c.Target), c.TargetSource)}
	if c.HasRef {
		of := "the reference run"
		if c.RefRuns > 1 {
			of = fmt.Sprintf("mean of the %d reference runs", c.RefRuns)
		}
		lines = append(lines, fmt.Sprintf("Reference totals (%s): %s FLOPs, %s s; saving = 1 − (FLOPs or seconds to reach the target) / reference total.",
			of, Sci(c.RefFLOPs), fmtWall(c.RefWallS)))
	} else {
		lines = append(lines, "No reference run: savings are not computed.")
	}
	for _, rr := range c.Runs {
		if r := rr.Run; r.GrowFrom != "" {
			counted := "are not counted"
			if r.GrowFromFlops {
				counted = "are counted"
			}
			lines = append(lines, fmt.Sprintf("Run %s grew from the trained model %s; the FLOPs that trained it %s in its FLOPs.", r.Name, r.GrowFrom, counted))
		}
	}
	return lines
}

// notes explains how the numbers of the tables are obtained.
var notes = []string{
	"To target: the first crossing of the target on the validation curve, linearly interpolated between the two evaluations that bracket it (when the first evaluation is already at or below the target, its own FLOPs and seconds count); " + none + " = never reached.",
	"By method: mean ± sample standard deviation over the n seeds; [k/n] = only k of the n seeds reach the target, and the statistic is over those k.",
	"FLOPs are those logged by the trainer, whose formula counts matrix multiplications only (biases, LayerNorm, softmax, GELU, loss and optimizer arithmetic excluded). Wall time is training time without evaluation.",
}

// WriteText writes the comparison as plain text with aligned columns: the
// target, a table by method, a table by run and notes on the method.
func (c *Comparison) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, l := range c.intro() {
		fmt.Fprintln(bw, l)
	}
	fmt.Fprintln(bw, "\nBy method:")
	c.methodTable().writeText(bw)
	fmt.Fprintln(bw, "\nBy run:")
	c.runTable().writeText(bw)
	fmt.Fprintln(bw)
	for _, l := range notes {
		fmt.Fprintln(bw, l)
	}
	for _, l := range c.Warnings {
		fmt.Fprintln(bw, "Warning: "+l)
	}
	return bw.Flush()
}

// WriteMarkdown writes the comparison as a Markdown document with the same
// content as WriteText.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	return c.writeMarkdown(w, false)
}

// writeMarkdown writes the Markdown document, with links to the plots that
// WriteFiles writes beside it when plots is set.
func (c *Comparison) writeMarkdown(w io.Writer, plots bool) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# Comparison of %d runs\n\n", len(c.Runs))
	fmt.Fprintln(bw, strings.Join(c.intro(), " "))
	fmt.Fprintln(bw, "\n## By method")
	fmt.Fprintln(bw)
	c.methodTable().writeMarkdown(bw)
	fmt.Fprintln(bw, "\n## By run")
	fmt.Fprintln(bw)
	c.runTable().writeMarkdown(bw)
	fmt.Fprintln(bw, "\n## Notes")
	fmt.Fprintln(bw)
	for _, l := range notes {
		fmt.Fprintln(bw, "- "+l)
	}
	for _, l := range c.Warnings {
		fmt.Fprintln(bw, "- Warning: "+l)
	}
	if plots {
		fmt.Fprintln(bw, "\n## Plots")
		fmt.Fprintln(bw)
		fmt.Fprintf(bw, "![validation loss against training FLOPs](%s)\n\n", PlotFLOPsFile+".svg")
		fmt.Fprintf(bw, "![validation loss against training wall-clock seconds](%s)\n", PlotWallFile+".svg")
	}
	return bw.Flush()
}

// writeText writes t with columns separated by two spaces.
func (t table) writeText(w io.Writer) {
	width := make([]int, len(t.header))
	for _, row := range append([][]string{t.header}, t.rows...) {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range append([][]string{t.header}, t.rows...) {
		var sb strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			if i > 0 {
				sb.WriteString("  ")
			}
			if t.right[i] {
				sb.WriteString(pad + cell)
			} else {
				sb.WriteString(cell + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(sb.String(), " "))
	}
}

// writeMarkdown writes t as a Markdown pipe table.
func (t table) writeMarkdown(w io.Writer) {
	row := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintln(w, "| "+strings.Join(esc, " | ")+" |")
	}
	row(t.header)
	rule := make([]string, len(t.header))
	for i, r := range t.right {
		rule[i] = ":--"
		if r {
			rule[i] = "--:"
		}
	}
	fmt.Fprintln(w, "|"+strings.Join(rule, "|")+"|")
	for _, r := range t.rows {
		row(r)
	}
}
