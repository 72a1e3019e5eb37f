//go:build !amd64

package kern

// attnDriver returns the driver whose micro-kernels attention runs on.
func attnDriver() *driver { return goDriver }
