// Package env holds the state that package wb shares with the host that
// runs a script or the read-eval-print loop: the experiment directory, the
// --set parameters, the context that cancels training, and the output
// streams. Scripts cannot reach it: only wb and its host import it.
package env

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Session is the environment of one script run or one read-eval-print
// loop.
type Session struct {
	// Dir is the experiment directory; it is created by EnsureDir, on
	// first use.
	Dir string
	// Script is the path of the running script, "" in the loop.
	Script string
	// Source is the script's source, copied into the experiment directory.
	Source []byte
	// Stdout and Stderr receive the facade's output: results and progress.
	Stdout, Stderr io.Writer
	// Unrestricted lets plugins loaded by the facade use the whole
	// standard library.
	Unrestricted bool
	// Params holds the --set parameters.
	Params *Params
	// Resume continues the runs already in Dir: a finished run is not
	// trained again, an interrupted one resumes from its newest checkpoint.
	Resume bool
	// Plan switches the engine off: each run the script starts writes a
	// plan directory (train.WritePlan) instead of training; PlanBatches
	// adds the training windows of every micro-batch. Planned counts the
	// plans written.
	Plan, PlanBatches bool
	Planned           int

	mu      sync.Mutex
	ctx     context.Context
	active  int
	idle    *sync.Cond
	stopMsg string
	dirErr  error
	dirDone bool
}

// New returns a session with the given experiment directory and
// parameters, printing to the process's standard streams, with a
// background context.
func New(dir string, params *Params) *Session {
	if params == nil {
		params = &Params{}
	}
	s := &Session{Dir: dir, Params: params, Stdout: os.Stdout, Stderr: os.Stderr, ctx: context.Background()}
	s.idle = sync.NewCond(&s.mu)
	return s
}

var (
	current  atomic.Pointer[Session]
	fallback = sync.OnceValue(func() *Session {
		name := filepath.Base(os.Args[0])
		return New(filepath.Join("checkpoints", fmt.Sprintf("%s-%s", name, time.Now().Format("20060102-150405"))), nil)
	})
)

// Current returns the installed session or, when none is (package wb used
// from compiled Go), a default one: no parameters, the standard streams,
// and checkpoints/<program>-<time> as experiment directory.
func Current() *Session {
	if s := current.Load(); s != nil {
		return s
	}
	return fallback()
}

// Install makes s the current session until the returned function is
// called.
func Install(s *Session) (uninstall func()) {
	current.Store(s)
	return func() { current.CompareAndSwap(s, nil) }
}

// Context returns the context that cancels the session's work.
func (s *Session) Context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

// SetContext replaces the context that cancels the session's work and
// forgets the message of the last stop.
func (s *Session) SetContext(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctx = ctx
	s.stopMsg = ""
}

// Enter marks the start of a facade call that may take long; the returned
// function marks its end. Wait waits for all of them to end.
func (s *Session) Enter() (leave func()) {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.active--
		if s.active == 0 {
			s.idle.Broadcast()
		}
		s.mu.Unlock()
	}
}

// Wait waits until no facade call is under way.
func (s *Session) Wait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.active > 0 {
		s.idle.Wait()
	}
}

// Stop is the panic value with which facade calls end a script whose
// context has ended. The host reports Msg; the run it names has been
// saved.
type Stop struct{ Msg string }

// Error returns the message.
func (e *Stop) Error() string { return e.Msg }

// Failure is the panic value with which facade calls end a script on a
// problem the script cannot go on from, such as a malformed --set value or
// a call of wb.Fatal. The host reports Msg as the script's error.
type Failure struct{ Msg string }

// Error returns the message.
func (e *Failure) Error() string { return e.Msg }

// Failf ends the script with a Failure.
func Failf(format string, args ...any) {
	panic(&Failure{Msg: fmt.Sprintf(format, args...)})
}

// CheckStopped ends the script with a Stop when the session's context
// has ended.
func (s *Session) CheckStopped() {
	if err := s.Context().Err(); err != nil {
		s.Stopf("stopped: %v", context.Cause(s.Context()))
	}
}

// Stopf records why the script stops and ends it with a Stop.
func (s *Session) Stopf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	if s.stopMsg == "" {
		s.stopMsg = msg
	}
	s.mu.Unlock()
	panic(&Stop{Msg: msg})
}

// StopMessage returns the message recorded by the last stop, or "".
func (s *Session) StopMessage() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopMsg
}

// EnsureDir creates the experiment directory on first use and writes
// experiment.json (the script, its parameters and the time) and a copy of
// the script's source into it.
func (s *Session) EnsureDir() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dirDone {
		return s.dirErr
	}
	s.dirDone = true
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		s.dirErr = fmt.Errorf("creating the experiment directory: %v", err)
		return s.dirErr
	}
	manifest := map[string]any{
		"script":  s.Script,
		"set":     s.Params.Settings(),
		"started": time.Now().Format(time.RFC3339),
	}
	b, _ := json.MarshalIndent(manifest, "", "  ")
	if err := os.WriteFile(filepath.Join(s.Dir, "experiment.json"), append(b, '\n'), 0o644); err != nil {
		s.dirErr = err
		return err
	}
	if s.Source != nil {
		if err := os.WriteFile(filepath.Join(s.Dir, "script.go.txt"), s.Source, 0o644); err != nil {
			s.dirErr = err
			return err
		}
	}
	return nil
}
