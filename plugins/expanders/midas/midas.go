// Package midas grows a model as MIDAS does (Saunshi et al., "On the
// inductive bias of stacking towards improving reasoning", NeurIPS 2024):
// gradual stacking that copies the middle block of layers rather than the
// top.
//
// Growing by g layers copies the g old layers centred in the model (the
// block starting at (old-g)/2) and inserts the copy right after the
// original, so the block runs twice in a row: 6 → 8 gives 0 1 2 3 2 3 4 5.
// When g exceeds the old depth, whole copies of the model come first and
// the remainder is inserted as above into the last copy: 2 → 7 gives
// 0 1 0 1 0 0 1.
package midas

// Expand returns the old slot copied into each new slot.
func Expand(oldReal, newReal int) []int {
	g := newReal - oldReal
	src := make([]int, 0, newReal)
	for g > oldReal {
		for i := 0; i < oldReal; i++ {
			src = append(src, i)
		}
		g -= oldReal
	}
	start := (oldReal - g) / 2
	for i := 0; i < start+g; i++ {
		src = append(src, i)
	}
	for i := start; i < oldReal; i++ {
		src = append(src, i)
	}
	return src
}
