//go:build !amd64

package kern

var (
	dotImpl   = dotGo
	axpyImpl  = axpyGo
	scaleImpl = scaleGo
)

// vecPaths lists the vector kernels this CPU runs, fastest first.
func vecPaths() []vecPath { return []vecPath{{"go", dotGo, axpyGo, scaleGo}} }
