package wrongsig

// Sample takes the wrong argument.
func Sample(n int) int {
	return n
}
