// Package raptr trains a random sub-path of the layers, as RaPTr does
// (Panigrahi et al., "Efficient stagewise pretraining via progressive
// subnetworks", ICLR 2024): every micro-batch runs a random subset of the
// real layers in their order, always including the first and the last,
// and the length of the path grows from stage to stage.
//
// RaPTr's stages are phases of training by progress (s.Progress), not
// growth stages of the model: the whole model exists from the start, so a
// RaPTr run usually has one stage of the trainer. Nothing is rescaled.
package raptr

import (
	"strconv"
	"strings"

	"workbench/core/grow"
)

// Lengths lists the path length of each RaPTr stage, separated by "/", such
// as "6/8/10/12". Empty means L/2, 2L/3, 5L/6 and L of the real layers L
// (rounded to the nearest integer, at least 2). A length above the real
// layers runs them all.
var Lengths = ""

// Ends lists where each RaPTr stage but the last ends, as fractions of
// training separated by "/", such as "0.25/0.5/0.75". Empty means stages
// of equal length.
var Ends = ""

// Plan returns the layers of the next micro-batch: 0, a uniform random
// ordered subset of the middle layers, and the last layer.
func Plan(s grow.SampleState) []int {
	n := s.Real
	if n == 1 {
		return []int{0}
	}
	lengths, ends := schedule(n)
	stage := 0
	for stage < len(ends) && s.Progress >= ends[stage] {
		stage++
	}
	k := lengths[stage]
	if k < 2 {
		panic("raptr: path length " + strconv.Itoa(k) + " cannot hold both the first and the last layer")
	}
	if k > n {
		k = n
	}
	// Selection sampling (Knuth's algorithm S): each middle layer is taken
	// with probability needed/remaining, which gives a uniform subset in
	// order.
	plan := make([]int, 0, k)
	plan = append(plan, 0)
	need := k - 2
	for i := 1; i < n-1; i++ {
		if s.Rand.IntN(n-1-i) < need {
			plan = append(plan, i)
			need--
		}
	}
	return append(plan, n-1)
}

// parsed caches the schedule of the last parameters and depth seen, so
// that the strings are not parsed at every call.
var parsed struct {
	lengths, ends string
	n             int
	ls            []int
	es            []float64
}

// schedule returns the path length of each stage and the stage ends for n
// real layers.
func schedule(n int) ([]int, []float64) {
	if parsed.ls != nil && parsed.lengths == Lengths && parsed.ends == Ends && parsed.n == n {
		return parsed.ls, parsed.es
	}
	lengths := parseInts(Lengths)
	if len(lengths) == 0 {
		lengths = []int{roundLen(n, 1, 2), roundLen(n, 2, 3), roundLen(n, 5, 6), n}
	}
	ends := parseFloats(Ends)
	if len(ends) == 0 {
		for i := 1; i < len(lengths); i++ {
			ends = append(ends, float64(i)/float64(len(lengths)))
		}
	}
	if len(ends) != len(lengths)-1 {
		panic("raptr: ends has " + strconv.Itoa(len(ends)) + " values, want " + strconv.Itoa(len(lengths)-1) + " (one per boundary of lengths " + Lengths + ")")
	}
	parsed.lengths, parsed.ends, parsed.n, parsed.ls, parsed.es = Lengths, Ends, n, lengths, ends
	return lengths, ends
}

// roundLen returns n·num/den rounded to the nearest integer, at least 2.
func roundLen(n, num, den int) int {
	k := (2*n*num + den) / (2 * den)
	if k < 2 {
		return 2
	}
	return k
}

func parseInts(v string) []int {
	var out []int
	for _, f := range fields(v) {
		k, err := strconv.Atoi(f)
		if err != nil {
			panic("raptr: lengths " + v + ": want integers separated by /")
		}
		out = append(out, k)
	}
	return out
}

func parseFloats(v string) []float64 {
	var out []float64
	for _, f := range fields(v) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil || x <= 0 || x >= 1 || (len(out) > 0 && x <= out[len(out)-1]) {
			panic("raptr: ends " + v + ": want increasing fractions in (0, 1) separated by /")
		}
		out = append(out, x)
	}
	return out
}

func fields(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	parts := strings.Split(v, "/")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
