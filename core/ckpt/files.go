package ckpt

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Entry is a checkpoint file in a directory.
type Entry struct {
	Path string
	Step int
}

// parseName returns the step of a conventional checkpoint file name.
func parseName(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "step-")
	if !ok {
		return 0, false
	}
	if r, ok := strings.CutSuffix(rest, ".safetensors.zst"); ok {
		rest = r
	} else if r, ok := strings.CutSuffix(rest, ".safetensors"); ok {
		rest = r
	} else {
		return 0, false
	}
	if rest == "" || strings.TrimLeft(rest, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

// List returns the checkpoint files in dir (named as Name names them),
// newest (highest step) first. A missing directory holds none.
func List(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, d := range des {
		if step, ok := parseName(d.Name()); ok && d.Type().IsRegular() {
			out = append(out, Entry{filepath.Join(dir, d.Name()), step})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Step != out[j].Step {
			return out[i].Step > out[j].Step
		}
		return out[i].Path > out[j].Path
	})
	return out, nil
}

// Prune removes all but the newest keep checkpoint files of dir; keep < 1
// keeps them all.
func Prune(dir string, keep int) error {
	if keep < 1 {
		return nil
	}
	es, err := List(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range es[min(keep, len(es)):] {
		if err := os.Remove(e.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
