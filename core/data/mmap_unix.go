//go:build unix

package data

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the first size bytes of f read-only, for random access.
func mapFile(f *os.File, size int) ([]byte, error) {
	mem, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %v", err)
	}
	_ = unix.Madvise(mem, unix.MADV_RANDOM)
	return mem, nil
}

// dropPages lets the kernel drop the mapping's resident pages; they stay
// in the page cache.
func dropPages(mem []byte) { _ = unix.Madvise(mem, unix.MADV_DONTNEED) }

// unmapFile removes a mapping made by mapFile.
func unmapFile(mem []byte) error { return unix.Munmap(mem) }
