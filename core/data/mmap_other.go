//go:build !unix

package data

import (
	"io"
	"os"
)

// mapFile reads the first size bytes of f into memory: systems without
// Unix memory mapping hold token files in the Go heap.
func mapFile(f *os.File, size int) ([]byte, error) {
	mem := make([]byte, size)
	if _, err := io.ReadFull(f, mem); err != nil {
		return nil, err
	}
	return mem, nil
}

// dropPages does nothing: the tokens are in the heap.
func dropPages([]byte) {}

// unmapFile does nothing: the garbage collector frees the tokens.
func unmapFile([]byte) error { return nil }
