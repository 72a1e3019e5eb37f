// Package wb is the facade that experiment scripts import: a small,
// non-generic API to read parameters, build training configurations, train,
// compare runs and write results, interpreted by "workbench run" and
// "workbench repl".
//
// A script is a Go file of package main:
//
//	package main
//
//	import "workbench/core/wb"
//
//	func main() {
//		cfg := wb.Config() // the defaults of workbench train, with --set applied
//		cfg.Name = "baseline"
//		res, err := wb.Train(cfg)
//		wb.Check(err)
//		wb.Logf("final validation loss %.4f", res.ValLoss)
//	}
//
// Interpreted code decides and compiled code computes: the facade's calls
// run the engine natively, and a script only chooses what to run. Every run
// goes into a subdirectory of the experiment directory (Dir) named after the
// run; comparisons and files written with WriteFile go into the experiment
// directory itself.
//
// Parameters come from "--set key=value" on the command line. Int, Float,
// String and Bool read a script's own parameters; Config applies those whose
// keys are flags of workbench train. A malformed value ends the script with
// an error naming the key.
//
// When the run is interrupted (Ctrl-C, SIGTERM or --timeout), the run in
// progress stops after its current step, writes its model and summary, and
// the facade call ends the script. Calls outside a script (from compiled Go)
// use a default environment: no parameters, the standard streams and
// checkpoints/<program>-<time> as experiment directory; such programs
// import workbench/core/wb/engine for Train and Compare. See
// docs/scripting.md.
package wb

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"workbench/core/fsutil"
	"workbench/core/wb/internal/env"
)

// Int returns the integer parameter key: the value of --set key=..., or
// def when it is not set. A value that is not an integer ends the script
// with an error naming the key.
func Int(key string, def int) int {
	v, ok := env.Current().Params.Lookup(key)
	if !ok {
		return def
	}
	n, err := env.ParseInt(v)
	if err != nil {
		env.Failf("--set %s=%s: %v", key, v, err)
	}
	return n
}

// Float returns the floating-point parameter key, or def when it is not
// set. A malformed or non-finite value (NaN, Inf) ends the script with an
// error naming the key.
func Float(key string, def float64) float64 {
	v, ok := env.Current().Params.Lookup(key)
	if !ok {
		return def
	}
	x, err := env.ParseFloat(v)
	if err != nil {
		env.Failf("--set %s=%s: %v", key, v, err)
	}
	return x
}

// String returns the string parameter key, or def when it is not set.
func String(key string, def string) string {
	v, ok := env.Current().Params.Lookup(key)
	if !ok {
		return def
	}
	return v
}

// Bool returns the boolean parameter key (1, t, true, 0, f, false, ...), or
// def when it is not set. A malformed value ends the script with an error
// naming the key.
func Bool(key string, def bool) bool {
	v, ok := env.Current().Params.Lookup(key)
	if !ok {
		return def
	}
	b, err := env.ParseBool(v)
	if err != nil {
		env.Failf("--set %s=%s: %v", key, v, err)
	}
	return b
}

// Dir returns the experiment directory. It is created when first written
// to.
func Dir() string { return env.Current().Dir }

// ScriptDir returns the directory of the running script ("." in the
// read-eval-print loop), to refer to files kept next to it, such as a
// plugin: wb.ScriptDir() + "/my_sampler.go".
func ScriptDir() string {
	s := env.Current().Script
	if s == "" {
		return "."
	}
	return filepath.Dir(s)
}

// WriteFile writes data to the file name inside the experiment directory,
// creating subdirectories as needed, atomically. name must be a relative
// path that stays inside the directory; it is refused when it, or a
// directory on the way to it inside the experiment directory, is a
// symbolic link, as a link could lead outside.
func WriteFile(name string, data []byte) error {
	if !filepath.IsLocal(name) {
		return fmt.Errorf("wb.WriteFile: %q is not a relative path inside the experiment directory", name)
	}
	s := env.Current()
	if err := s.EnsureDir(); err != nil {
		return err
	}
	if err := noSymlinks(s.Dir, name); err != nil {
		return err
	}
	path := filepath.Join(s.Dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// noSymlinks returns an error if a component of the relative path name
// under dir exists and is a symbolic link.
func noSymlinks(dir, name string) error {
	p := dir
	for _, part := range strings.Split(filepath.Clean(name), string(filepath.Separator)) {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // created by WriteFile: not a link
		}
		if err != nil {
			return fmt.Errorf("wb.WriteFile %s: %w", name, err)
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("wb.WriteFile %s: %s is a symbolic link; WriteFile does not write through links (they may lead outside the experiment directory)", name, p)
		}
	}
	return nil
}

// Logf prints a line of progress to standard error.
func Logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	fmt.Fprint(env.Current().Stderr, msg)
}

// Fatal ends the script with an error made of args, as fmt.Sprint makes
// it; workbench run prints it and exits with status 1.
func Fatal(args ...any) {
	panic(&env.Failure{Msg: fmt.Sprint(args...)})
}

// Fatalf ends the script with an error formatted as fmt.Sprintf does.
func Fatalf(format string, args ...any) {
	panic(&env.Failure{Msg: fmt.Sprintf(format, args...)})
}

// Check ends the script with err's message when err is not nil.
func Check(err error) {
	if err != nil {
		panic(&env.Failure{Msg: err.Error()})
	}
}
