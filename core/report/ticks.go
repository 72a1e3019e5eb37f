package report

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// The tickers of the plots label every tick with its exact value: a label
// parsed as a number gives the tick's Value, so a curve never reads off
// its axis by a rounding of the label (as gonum's DefaultTicks, whose
// labels can have a digit too few, would).

// linearTicks marks a linear axis at the multiples of a round step (1, 2 or
// 5 times a power of ten) that give 3 to 6 labelled ticks, with an
// unlabelled minor tick halfway between them.
type linearTicks struct{}

// Ticks implements plot.Ticker.
func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !finite(lo) || !finite(hi) || hi < lo {
		return nil
	}
	if hi == lo {
		return []plot.Tick{exactTick(lo, strconv.FormatFloat(lo, 'g', -1, 64))}
	}
	span := hi - lo
	mag := math.Pow10(int(math.Floor(math.Log10(span / 5))))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if span/(m*mag) <= 6 {
			step = m * mag
			break
		}
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo/step) - 1; i*step <= hi+step; i++ {
		v := i*step + 0 // +0 turns -0 into 0
		if minor := v + step/2; minor >= lo && minor <= hi {
			ticks = append(ticks, plot.Tick{Value: minor})
		}
		t := exactTick(v, tickLabel(v, step, lo, hi))
		if t.Value >= lo-1e-12*math.Abs(lo) && t.Value <= hi+1e-12*math.Abs(hi) {
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// tickLabel formats v, a multiple of step on an axis from lo to hi, with
// the digits step needs: fixed-point for moderate magnitudes, else
// scientific notation as in the tables (3.5e14).
func tickLabel(v, step, lo, hi float64) string {
	k := int(math.Floor(math.Log10(step) + 1e-9)) // exponent of the step
	e := int(math.Floor(math.Log10(math.Max(math.Abs(lo), math.Abs(hi)))))
	if e < 5 && e > -4 {
		return strconv.FormatFloat(v, 'f', max(0, -k), 64)
	}
	if v == 0 {
		return "0"
	}
	s := strconv.FormatFloat(v, 'e', max(0, e-k), 64) // d.ddde±XX
	i := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[i+1:])
	return s[:i] + "e" + strconv.Itoa(exp)
}

// exactTick returns a tick labelled label whose value is the number label
// spells, which is v up to the rounding of the label's last digit.
func exactTick(v float64, label string) plot.Tick {
	if x, err := strconv.ParseFloat(label, 64); err == nil {
		v = x
	}
	return plot.Tick{Value: v, Label: label}
}

// logTicks marks a log-scale axis at 1, 2 and 5 times each power of ten,
// labelled as in the tables (for example 2e14), with unlabelled minor ticks
// at the other integers; over many decades only powers of ten are
// labelled. A range that holds fewer than two of those gets the labelled
// ticks of linearTicks instead.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	e0, e1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	few := e1-e0 <= 2
	var ticks []plot.Tick
	labelled := 0
	for e := e0; e <= e1; e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || few && (m == 2 || m == 5) {
				t = exactTick(v, strconv.Itoa(m)+"e"+strconv.Itoa(e))
				labelled++
			}
			ticks = append(ticks, t)
		}
	}
	if labelled < 2 {
		for i := range ticks {
			ticks[i].Label = ""
		}
		for _, t := range (linearTicks{}).Ticks(lo, hi) {
			if t.Label != "" {
				ticks = append(ticks, t)
			}
		}
	}
	return ticks
}
