package fsutil_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"workbench/core/fsutil"
)

func ExampleWriteFileAtomic() {
	dir, err := os.MkdirTemp("", "fsutil-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.json")

	err = fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error {
		_, err := fmt.Fprintln(w, `{"step": 100}`)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output: {"step": 100}
}

func ExampleTryLock() {
	dir, err := os.MkdirTemp("", "fsutil-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	lock, err := fsutil.TryLock(filepath.Join(dir, ".lock"))
	if err != nil {
		log.Fatal(err)
	}
	defer lock.Unlock()

	// Anyone else is refused at once, with the holder's process id.
	_, err = fsutil.TryLock(filepath.Join(dir, ".lock"))
	var locked *fsutil.LockedError
	fmt.Println(errors.As(err, &locked), locked.PID == os.Getpid())
	// Output: true true
}
