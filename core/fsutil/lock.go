package fsutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Lock is an exclusive lock on a file, held by one process at a time
// (flock(2) on Unix). The operating system releases it when the process
// ends, however it ends, so a killed process never leaves a stale lock.
type Lock struct {
	f *os.File
}

// LockedError reports that another process holds a lock.
type LockedError struct {
	Path string // the lock file
	PID  int    // the holder's process id, 0 if unknown
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s is locked by another process", e.Path)
	}
	return fmt.Sprintf("%s is locked by process %d", e.Path, e.PID)
}

// TryLock takes the lock on the file at path, creating it if needed, and
// records the process id in it. If another process (or another TryLock of
// this process) holds the lock, it returns a *LockedError naming the
// holder's process id at once, without waiting. The file stays in place
// after Unlock: removing it could let two processes lock two different
// files of the same name.
func TryLock(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, &LockedError{Path: path, PID: holder(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// holder returns the process id recorded in a lock file, or 0.
func holder(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// Unlock releases the lock. It may be called on a nil Lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}

// IsTemp reports whether name is that of a temporary file WriteFileAtomic
// creates (".BASE.tmp-*").
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")
}

// CleanTemp removes the temporary files that WriteFileAtomic calls killed
// in the middle left in dir (not in its subdirectories). Call it only
// while no write into dir is under way, e.g. holding the lock of the
// directory's owner. A missing dir is not an error.
func CleanTemp(dir string) error {
	des, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range des {
		if !d.IsDir() && IsTemp(d.Name()) {
			if err := os.Remove(filepath.Join(dir, d.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
