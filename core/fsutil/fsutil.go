// Package fsutil holds small file-system helpers, chiefly atomic file
// replacement for checkpoints and other outputs that must never be seen
// half-written.
package fsutil

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// bufferSize is the size of the buffer between the write callback and the
// temporary file.
const bufferSize = 256 << 10

// WriteFileAtomic replaces the file at path with the bytes write produces.
//
// It creates a temporary file in the directory of path, passes write a
// buffered writer on it, then flushes, fsyncs and closes the file, renames
// it over path and fsyncs the directory. A reader therefore sees either
// the previous file or the complete new one, even if the process dies at
// any moment; after a system crash the rename is durable once
// WriteFileAtomic has returned nil. A process killed while writing may
// leave a temporary file named ".BASE.tmp-*" beside path.
//
// The new file gets permission bits perm (not filtered by the umask). On
// any error, including one returned by write or a full disk, the temporary
// file is removed, the file at path is left as it was, and the returned
// error names path.
func WriteFileAtomic(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	closed, renamed := false, false
	defer func() {
		if renamed {
			return
		}
		// Failure, or a panic in write: drop the temporary file.
		if !closed {
			tmp.Close()
		}
		os.Remove(tmpName)
		if err != nil {
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()

	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(tmp, bufferSize)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	closed = true
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmpName, path); err != nil {
		return err
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		// The new file is in place; only the durability of the rename
		// across a system crash is in doubt.
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}

// WriteJSON writes v to path atomically (as WriteFileAtomic, permission
// 0644) as JSON indented by two spaces and ending with a newline.
func WriteJSON(path string, v any) error {
	return WriteFileAtomic(path, 0o644, func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(v)
	})
}

// syncDir flushes the directory entry changes of dir to stable storage.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for syncing there
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
