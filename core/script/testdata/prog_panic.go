package main

func lookup(xs []int, i int) int {
	if i >= len(xs) {
		panic("index too large")
	}
	return xs[i]
}

func main() {
	lookup([]int{1, 2}, 5)
}
