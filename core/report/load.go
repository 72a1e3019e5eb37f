package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"

	"workbench/core/runlog"
)

// File names inside a run directory.
const (
	ConfigFile  = runlog.ConfigFile  // the run's settings, one JSON object
	MetricsFile = runlog.MetricsFile // one JSON object per logged optimizer step
	EventsFile  = runlog.EventsFile  // optional: one JSON object per expansion
)

// Point is one line of metrics.jsonl: the state after a logged optimizer
// step, as core/train writes it.
type Point = runlog.Metrics

// Event is one line of events.jsonl: an expansion of the real layers.
type Event = runlog.Event

// Run is a loaded run directory.
type Run struct {
	Dir    string  // the directory as given to Load
	Name   string  // "name" of config.json, or the directory's base name when empty
	Method string  // "method" of config.json
	Seed   int     // "seed" of config.json
	Points []Point // metrics.jsonl in step order
	Events []Event // events.jsonl, empty when the file is absent
	// GrowFrom is the trained model the run started from ("grow_from" of
	// config.json, empty if none); GrowFromFlops says whether the FLOPs
	// that trained it are counted in the run's.
	GrowFrom      string
	GrowFromFlops bool
	// Config holds every key of config.json, undecoded.
	Config map[string]json.RawMessage
	// Summary is summary.json, nil when the run has not written one.
	Summary *Summary
	// Evals holds the losses on the extra text files of EvalFiles, in
	// their order.
	Evals []TextLoss
	// Warnings lists problems that Load tolerated, such as a truncated
	// last line of metrics.jsonl; each names the file and line.
	Warnings []string
}

// Load reads the run directory dir: config.json, metrics.jsonl and, if
// present, events.jsonl and summary.json.
//
// A last line that is cut off (a run stopped while writing it) is dropped
// and reported in Run.Warnings. When a step is logged again with a number
// not above the previous one (a run resumed from a checkpoint), the later
// lines replace the earlier ones from that step on, also with a warning.
// Every other problem is an error naming the file and line: malformed JSON,
// a field of the wrong type, a missing required field ("step", "flops",
// "wall_s"; "method" and "seed" in config.json), FLOPs or wall time that go
// backwards, a missing file, or a run without any validation point.
func Load(dir string) (*Run, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such run directory: %w", dir, fs.ErrNotExist)
		}
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a run directory (want a directory holding %s and %s)", dir, ConfigFile, MetricsFile)
	}
	r := &Run{Dir: dir}
	if err := r.loadConfig(filepath.Join(dir, ConfigFile)); err != nil {
		return nil, err
	}
	if err := r.loadMetrics(filepath.Join(dir, MetricsFile)); err != nil {
		return nil, err
	}
	if err := r.loadEvents(filepath.Join(dir, EventsFile)); err != nil {
		return nil, err
	}
	if err := r.loadSummary(filepath.Join(dir, SummaryFile)); err != nil {
		return nil, err
	}
	return r, nil
}

// readFile reads a required file of a run directory.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: missing (a run directory holds %s and %s): %w", path, ConfigFile, MetricsFile, fs.ErrNotExist)
	}
	return data, err
}

func (r *Run) loadConfig(path string) error {
	data, err := readFile(path)
	if err != nil {
		return err
	}
	var c struct {
		Name   *string `json:"name"`
		Method *string `json:"method"`
		Seed   *int    `json:"seed"`

		GrowFrom      string `json:"grow_from"`
		GrowFromFlops bool   `json:"grow_from_flops"`
	}
	if err := strictDecode(data, &c); err != nil {
		return fmt.Errorf("%s:%d: %s", path, lineOf(data, err), describe(err))
	}
	if err := json.Unmarshal(data, &r.Config); err != nil {
		return fmt.Errorf("%s: %s", path, describe(err))
	}
	switch {
	case c.Method == nil || *c.Method == "":
		return fmt.Errorf("%s: missing \"method\" (want a string such as \"baseline\")", path)
	case c.Seed == nil:
		return fmt.Errorf("%s: missing \"seed\" (want an integer)", path)
	}
	r.Method, r.Seed = *c.Method, *c.Seed
	r.GrowFrom, r.GrowFromFlops = c.GrowFrom, c.GrowFromFlops
	if c.Name != nil && *c.Name != "" {
		r.Name = *c.Name
	} else {
		r.Name = filepath.Base(filepath.Clean(r.Dir))
	}
	return nil
}

func (r *Run) loadMetrics(path string) error {
	data, err := readFile(path)
	if err != nil {
		return err
	}
	err = eachLine(path, data, &r.Warnings, func(line int, b []byte) error {
		var p Point
		if err := strictDecode(b, &p); err != nil {
			return err
		}
		switch {
		case p.Step < 0:
			return fmt.Errorf(`"step" is %d, want a count >= 0`, p.Step)
		case !finite(p.FLOPs) || p.FLOPs < 0:
			return fmt.Errorf(`"flops" is %g, want a number >= 0`, p.FLOPs)
		case !finite(p.WallS) || p.WallS < 0:
			return fmt.Errorf(`"wall_s" is %g, want a number >= 0`, p.WallS)
		}
		if n := len(r.Points); n > 0 && p.Step <= r.Points[n-1].Step {
			k := n
			for k > 0 && r.Points[k-1].Step >= p.Step {
				k--
			}
			r.Points = r.Points[:k]
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s:%d: step %d logged again (resumed run?); its lines replace the earlier ones from step %d on", path, line, p.Step, p.Step))
		}
		if n := len(r.Points); n > 0 {
			prev := r.Points[n-1]
			if p.FLOPs < prev.FLOPs {
				return fmt.Errorf(`"flops" %g is below %g of step %d; want cumulative FLOPs`, p.FLOPs, prev.FLOPs, prev.Step)
			}
			if p.WallS < prev.WallS {
				return fmt.Errorf(`"wall_s" %g is below %g of step %d; want cumulative seconds`, p.WallS, prev.WallS, prev.Step)
			}
		}
		r.Points = append(r.Points, p)
		return nil
	})
	if err != nil {
		return err
	}
	if len(r.Points) == 0 {
		return fmt.Errorf("%s: no metrics lines", path)
	}
	for _, p := range r.Points {
		if p.HasVal {
			return nil
		}
	}
	return fmt.Errorf("%s: no validation points (no line of %s has \"val_loss\")", path, filepath.Base(path))
}

func (r *Run) loadEvents(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return eachLine(path, data, &r.Warnings, func(line int, b []byte) error {
		var e Event
		if err := strictDecode(b, &e); err != nil {
			return err
		}
		r.Events = append(r.Events, e)
		return nil
	})
}

// eachLine calls f for every non-blank line of the JSON Lines file data,
// numbering lines from 1. An error from f is prefixed with "path:line: ".
// A last line that is cut off is skipped with a warning instead.
func eachLine(path string, data []byte, warnings *[]string, f func(line int, b []byte) error) error {
	rd := bufio.NewReader(bytes.NewReader(data))
	for line := 1; ; line++ {
		b, err := rd.ReadBytes('\n')
		if len(b) == 0 && err == io.EOF {
			return nil
		}
		last := err == io.EOF
		b = bytes.TrimSpace(b)
		if len(b) > 0 {
			if ferr := f(line, b); ferr != nil {
				if last && truncated(ferr, data) {
					*warnings = append(*warnings, fmt.Sprintf("%s:%d: last line is cut off (run stopped while writing?); ignored", path, line))
					return nil
				}
				return fmt.Errorf("%s:%d: %s", path, line, describe(ferr))
			}
		}
		if last {
			return nil
		}
	}
}

// truncated reports whether err, from the last line of data, shows a line
// that was cut off: its JSON ends early, or it is malformed and lacks the
// newline that ends every complete line.
func truncated(err error, data []byte) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var se *json.SyntaxError
	return errors.As(err, &se) && !bytes.HasSuffix(data, []byte("\n"))
}

// strictDecode decodes one JSON object from b into v and rejects anything
// after it.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		if err == io.EOF {
			return errors.New("empty file, want a JSON object")
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON: extra text after the JSON object")
	}
	return nil
}

// describe turns a decoding error into a short message.
func describe(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "invalid JSON: unexpected end of input"
	case errors.As(err, &se):
		return "invalid JSON: " + se.Error()
	case errors.As(err, &te):
		if te.Field == "" {
			return fmt.Sprintf("want a JSON object, got %s", te.Value)
		}
		return fmt.Sprintf("field %q: want %s, got %s", te.Field, kindName(te.Type), te.Value)
	}
	return err.Error()
}

// kindName names the JSON value a Go type expects.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	}
	return t.String()
}

// lineOf returns the 1-based line of data on which a JSON error occurred.
func lineOf(data []byte, err error) int {
	off := int64(len(data))
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
