//go:build !amd64

package kern

var act = actGo

// actPaths lists the implementations of the element-wise and row kernels
// this CPU runs, fastest first.
func actPaths() []actPath { return []actPath{actGo} }
