package kern

// attnDriver returns the driver of the Sgemm implementation in use, whose
// micro-kernels attention runs on (the fastest one for Reference).
func attnDriver() *driver {
	switch impl.(type) {
	case Blocked:
		return goDriver
	case AVX2:
		if hasAVX2 {
			return avx2Driver
		}
		return goDriver
	}
	return bestDriver()
}
