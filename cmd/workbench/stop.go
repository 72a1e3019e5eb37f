package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"workbench/core/script"
)

// stuckGrace is how long an interpreted plugin call may go on after a stop
// request (a signal or --timeout) before the process exits without
// waiting for it. A plugin call normally takes microseconds; one that runs
// this long after the request is taken to be stuck in a loop, which
// nothing can interrupt.
var stuckGrace = 5 * time.Second

// exitStuck is the exit status of a process ended by watchStuck.
const exitStuck = 3

// watchStuck ends the process, once ctx has ended, when a plugin call goes
// on for longer than stuckGrace after it ended. The message says which
// plugin and, through saved, what was saved and how to continue. The
// returned function stops watching.
func watchStuck(ctx context.Context, stderr io.Writer, saved func() string) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		requested := time.Now()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			path, since, ok := script.Busy()
			if !ok {
				continue
			}
			if since.Before(requested) {
				since = requested
			}
			if time.Since(since) < stuckGrace {
				continue
			}
			fmt.Fprintf(stderr, "\nworkbench: %v, but plugin %s has not returned for %v (an endless loop?); exiting without waiting for it. %s\n",
				context.Cause(ctx), path, stuckGrace, saved())
			os.Exit(exitStuck)
		}
	}()
	return func() { close(done) }
}
