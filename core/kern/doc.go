// Package kern holds the float32 compute kernels of the engine: matrix
// multiplication in the three shapes training needs (through a BLAS-style
// Sgemm) and a deterministic parallel loop.
//
// All matrices are row-major. Sgemm dispatches to the fastest implementation
// available on the running CPU; Reference is the plain-Go implementation
// every other path is tested against.
package kern
