// Package lvpsk is the lvps(k) family of depth samplers: depth l in
// [N, L] has probability proportional to 1/(1 + K·(l−N)/(L−N)), so K = 0
// is uniform and a larger K favours shallow depths more strongly. The
// depth is drawn by inverse CDF from one uniform number.
//
// Against the official LVPS distribution at L = 12, the total-variation
// distance averaged over N = 1, 3 and 6 is smallest at K ≈ 40 (39.97, mean
// distance 0.095; 0.30 at the default K = 10). Taken one at a time, N = 1,
// 3 and 6 are closest at K ≈ 87, 40 and 23.5. TestBestK in package
// workbench/core/script computes these numbers.
package lvpsk

import "workbench/core/grow"

// K is the decay strength; it must be greater than -1.
var K = 10.0

// Sample returns the executed depth of the next micro-batch.
func Sample(s grow.SampleState) int {
	n, l := s.Real, s.Target
	if n == l {
		return l
	}
	if !(K > -1) {
		panic("lvpsk: K must be greater than -1")
	}
	// Depth n+i has weight 1/(1 + K·i/span).
	span := float64(l - n)
	total := 0.0
	for i := 0; i <= l-n; i++ {
		total += 1 / (1 + K*float64(i)/span)
	}
	u := s.Rand.Float64() * total
	acc := 0.0
	for i := 0; i < l-n; i++ {
		acc += 1 / (1 + K*float64(i)/span)
		if u < acc {
			return n + i
		}
	}
	return l
}
