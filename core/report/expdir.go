package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// RunDirs returns the run directories that path stands for: path itself
// when it holds config.json (a run directory), else those of its
// subdirectories that hold one, in name order (an experiment directory,
// as workbench run --out writes it).
func RunDirs(path string) ([]string, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: no such run or experiment directory: %w", path, fs.ErrNotExist)
	case err != nil:
		return nil, err
	case !fi.IsDir():
		return nil, fmt.Errorf("%s: not a run directory (want a directory holding %s and %s) nor an experiment directory (holding run directories)", path, ConfigFile, MetricsFile)
	}
	if isRunDir(path) {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if d := filepath.Join(path, e.Name()); e.IsDir() && isRunDir(d) {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("%s: neither a run directory (no %s) nor an experiment directory (no subdirectory holds %s)", path, ConfigFile, ConfigFile)
	}
	sort.Strings(dirs)
	return dirs, nil
}

func isRunDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ConfigFile))
	return err == nil
}
