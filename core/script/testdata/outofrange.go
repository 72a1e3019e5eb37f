package outofrange

// Expand copies a slot that does not exist.
func Expand(oldReal, newReal int) []int {
	src := make([]int, newReal)
	src[newReal-1] = oldReal
	return src
}
