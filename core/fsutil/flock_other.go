//go:build !unix

package fsutil

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("locked")

// flock does nothing where flock(2) is not available: the lock is then
// advisory in name only.
func flock(f *os.File) error { return nil }
