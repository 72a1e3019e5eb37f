package report

import "testing"

func TestSeriesColorsDistinct(t *testing.T) {
	seen := map[[4]uint8]int{}
	for i := range palette {
		c := seriesColor(i)
		k := [4]uint8{c.R, c.G, c.B, c.A}
		if j, ok := seen[k]; ok {
			t.Errorf("series %d and %d share the colour %v", j, i, c)
		}
		seen[k] = i
		if seriesRound(i) != 0 {
			t.Errorf("seriesRound(%d) = %d, want 0", i, seriesRound(i))
		}
	}
	if n := len(palette); seriesColor(n) != seriesColor(0) || seriesRound(n) != 1 {
		t.Errorf("series %d: colour %v round %d, want the first colour again in round 1", n, seriesColor(n), seriesRound(n))
	}
}
