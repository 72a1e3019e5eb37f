// Package stack is a share map that runs the real blocks in stacked order,
// the rule of the stack expander: every full round of executed positions
// runs blocks 0..real−1, and a partial last round of q positions runs the
// top q blocks (real=3, depth=6: 0 1 2 0 1 2; real=4, depth=6:
// 0 1 2 3 2 3). Used by scripts/apollo_stack.go (LVPS with stacking).
package stack

// Share returns the real block run at each of the depth executed
// positions.
func Share(real, depth int) []int {
	ids := make([]int, depth)
	full := depth / real * real
	partial := depth - full
	for i := 0; i < depth; i++ {
		if i < full {
			ids[i] = i % real
		} else {
			ids[i] = real - partial + i - full
		}
	}
	return ids
}
