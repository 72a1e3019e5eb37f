package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"path/filepath"
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

// Names of the loss columns; the notes explain them.
const (
	colWindowLoss = "final val loss (fixed windows)"
	colWindowBPB  = "final val bpb (fixed windows)"
	colSplitLoss  = "val loss (whole split)"
	colSplitBPB   = "val bpb (whole split)"
)

// evalHeaders returns the column names of the extra text files: per file
// its loss, bits per byte and the difference to the reference, each
// named by the file's base name (its path when two base names clash).
func (c *Comparison) evalHeaders() []string {
	count := map[string]int{}
	for _, f := range c.EvalFiles {
		count[filepath.Base(f)]++
	}
	var h []string
	for _, f := range c.EvalFiles {
		name := filepath.Base(f)
		if count[name] > 1 {
			name = f
		}
		h = append(h, name+" loss", name+" bpb", name+" Δ bpb vs ref")
	}
	return h
}

// newTable returns a table with the columns named by left (left-aligned),
// then right (right-aligned), then the columns of the extra text files.
func (c *Comparison) newTable(left, right []string) table {
	t := table{header: append(append(append([]string{}, left...), right...), c.evalHeaders()...)}
	for i := range t.header {
		t.right = append(t.right, i >= len(left))
	}
	return t
}

// methodTable returns the per-method table of c.
func (c *Comparison) methodTable() table {
	t := c.newTable([]string{"method"}, []string{"n", "seeds", "steps", "FLOPs", "wall s", colWindowLoss, colWindowBPB, colSplitLoss, colSplitBPB,
		"FLOPs to target", "wall s to target", "FLOPs saving", "wall saving"})
	t.right[2] = false // seeds
	for _, m := range c.Methods {
		n := len(m.Runs)
		seeds := make([]string, n)
		for i, rr := range m.Runs {
			seeds[i] = strconv.Itoa(rr.Run.Seed)
		}
		row := []string{
			m.Method, strconv.Itoa(n), strings.Join(seeds, ","),
			statCell(m.Steps, fmtSteps, 0), statCell(m.FLOPs, Sci, 0), statCell(m.WallS, fmtWall, 0),
			statCell(m.FinalValLoss, fmtLoss, 0), statCell(m.FinalValBPB, fmtLoss, n),
			statCell(m.SplitValLoss, fmtLoss, n), statCell(m.SplitBitsPerByte, fmtLoss, n),
			statCell(m.ReachFLOPs, Sci, n), statCell(m.ReachWallS, fmtWall, n),
			c.savingCell(m.FLOPsSaving, n), c.savingCell(m.WallSaving, n),
		}
		for _, e := range m.Evals {
			row = append(row, statCell(e.Loss, fmtLoss, 0), statCell(e.BitsPerByte, fmtLoss, 0), deltaCell(e.Delta))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// runTable returns the per-run table of c.
func (c *Comparison) runTable() table {
	t := c.newTable([]string{"run", "method"}, []string{"seed", "steps", "FLOPs", "wall s", colWindowLoss, colWindowBPB, colSplitLoss, colSplitBPB,
		"FLOPs to target", "wall s to target", "FLOPs saving", "wall saving"})
	for _, rr := range c.Runs {
		r := rr.Run
		name := r.Name
		if rr.Ref {
			name += " (ref)"
		}
		row := []string{
			name, r.Method, strconv.Itoa(r.Seed), strconv.Itoa(r.Steps()),
			Sci(r.TotalFLOPs()), fmtWall(r.WallS()), fmtLoss(r.FinalValLoss()), none,
			none, none, none, none, none, none,
		}
		if r.Summary != nil {
			row[8], row[9] = fmtLoss(r.Summary.ValLoss), fmtLoss(r.Summary.ValBPB)
		}
		if b := r.FinalValBPB(); !math.IsNaN(b) {
			row[7] = fmtLoss(b)
		}
		if rr.Reached {
			row[10], row[11] = Sci(rr.ReachFLOPs), fmtWall(rr.ReachWallS)
			if c.HasRef {
				row[12], row[13] = fmtPercent(rr.FLOPsSaving)+"%", fmtPercent(rr.WallSaving)+"%"
			}
		}
		for i, e := range r.Evals {
			delta := none
			if len(rr.EvalDelta) > 0 {
				delta = fmtDelta(rr.EvalDelta[i])
			}
			row = append(row, fmtLoss(e.Loss), fmtLoss(e.BitsPerByte), delta)
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

// deltaCell formats a difference statistic as "+mean ± std".
func deltaCell(s Stat) string {
	switch s.N {
	case 0:
		return none
	case 1:
		return fmtDelta(s.Mean)
	}
	return fmtDelta(s.Mean) + " ± " + fmtLoss(s.Std)
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

// fmtDelta formats a difference of losses with its sign.
func fmtDelta(x float64) string {
	if math.Abs(x) < 5e-5 {
		x = 0 // no "-0.0000"
	}
	s := strconv.FormatFloat(x, 'f', 4, 64)
	if x >= 0 {
		s = "+" + s
	}
	return s
}

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
func (c *Comparison) notes() []string {
	n := []string{
		"To target: the first crossing of the target on the validation curve, linearly interpolated between the two evaluations that bracket it (when the first evaluation is already at or below the target, its own FLOPs and seconds count); " + none + " = never reached.",
		"By method: mean ± sample standard deviation over the n seeds; [k/n] = only k of the n seeds have the value (reach the target, or wrote summary.json), and the statistic is over those k.",
		"Two validation losses, each in nats per token and in bits per byte of text (bpb): \"" + colWindowLoss + "\" and \"" + colWindowBPB + "\" are the last evaluation of the training curve, on the same fixed validation windows at every evaluation (the curve, the plots and the target use it); \"" + colSplitLoss + "\" and \"" + colSplitBPB + "\" are the final model's loss on the whole validation split from the run's summary.json, every token predicted once (as workbench eval --split val).",
		"FLOPs are those logged by the trainer, whose formula counts matrix multiplications only (biases, LayerNorm, softmax, GELU, loss and optimizer arithmetic excluded). Wall time is training time without evaluation.",
	}
	if len(c.EvalFiles) > 0 {
		n = append(n, "Extra text files ("+strings.Join(c.EvalFiles, ", ")+"): each run's final model evaluated on the whole file with the run's own tokenizer, as workbench eval does (loss in nats per token, bpb); \"Δ bpb vs ref\" is a run's bits per byte minus the mean of the reference runs' (negative: better than the reference), by method its mean ± standard deviation over the seeds.")
	}
	return n
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
	for _, l := range c.notes() {
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
	for _, l := range c.notes() {
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
