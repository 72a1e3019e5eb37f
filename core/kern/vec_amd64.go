package kern

var (
	dotImpl   = dotGo
	axpyImpl  = axpyGo
	scaleImpl = scaleGo
)

func init() {
	p := vecPaths()[0]
	dotImpl, axpyImpl, scaleImpl = p.dot, p.axpy, p.scale
}

// vecPaths lists the vector kernels this CPU runs, fastest first.
func vecPaths() []vecPath {
	var p []vecPath
	if hasAVX512 {
		p = append(p, vecPath{"avx512", dotAVX512, axpyAVX512, scaleAVX512})
	}
	if hasAVX2 {
		p = append(p, vecPath{"avx2", dotAVX2, axpyAVX2, scaleAVX2})
	}
	return append(p, vecPath{"go", dotGo, axpyGo, scaleGo})
}
