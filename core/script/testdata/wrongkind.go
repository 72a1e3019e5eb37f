package wrongkind

// Share is a share map's function, not a sampler's.
func Share(real, depth int) []int {
	return make([]int, depth)
}
