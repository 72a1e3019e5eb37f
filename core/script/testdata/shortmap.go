package shortmap

// Share returns one position too few.
func Share(real, depth int) []int {
	return make([]int, depth-1)
}
