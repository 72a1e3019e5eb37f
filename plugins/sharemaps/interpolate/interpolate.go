// Package interpolate shares the real blocks evenly along the executed
// depth: position i runs block floor(i·real/depth), so each block serves a
// contiguous run of positions (real=3, depth=7: 0 0 0 1 1 2 2).
package interpolate

// Share returns the real block of each of the depth executed positions.
func Share(real, depth int) []int {
	ids := make([]int, depth)
	for i := range ids {
		ids[i] = i * real / depth
	}
	return ids
}
