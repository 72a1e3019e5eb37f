// Package interpolate grows a model by duplicating each old block in
// place: new slot t copies old slot floor(t·old/new) (3→6: 0 0 1 1 2 2).
package interpolate

// Expand returns the old slot copied into each of the newReal new slots.
func Expand(oldReal, newReal int) []int {
	src := make([]int, newReal)
	for t := range src {
		src[t] = t * oldReal / newReal
	}
	return src
}
