// Package stack grows a model by stacking copies of the old blocks on top
// of each other: every full block of new slots repeats slots 0..old−1, and
// a partial last block of q slots copies the top q old slots
// (3→6: 0 1 2 0 1 2; 4→6: 0 1 2 3 2 3).
package stack

// Expand returns the old slot copied into each of the newReal new slots.
func Expand(oldReal, newReal int) []int {
	src := make([]int, newReal)
	full := newReal / oldReal * oldReal
	partial := newReal - full
	for t := range src {
		if t < full {
			src[t] = t % oldReal
		} else {
			src[t] = oldReal - partial + t - full
		}
	}
	return src
}
