package host

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
	"workbench/core/sysmem"
)

// DefaultMemoryFraction is the share of the machine's memory (or of the
// cgroup's limit, when lower) that a script may use when
// Options.MemoryLimit is 0.
const DefaultMemoryFraction = 0.9

// MemoryError is the cause of a script stopped because the process's
// memory reached its ceiling.
type MemoryError struct {
	Limit, Used int64 // bytes
}

// Error says how much memory was used and how to raise the ceiling.
func (e *MemoryError) Error() string {
	return fmt.Sprintf("memory ceiling of %s reached (%s in use); raise it with --memory-limit or allocate less",
		FormatBytes(e.Limit), FormatBytes(e.Used))
}

// FormatBytes formats a byte count as "1.5 GB" (powers of 1024).
func FormatBytes(n int64) string {
	const unit = 1024
	units := []string{"B", "KB", "MB", "GB", "TB"}
	x := float64(n)
	i := 0
	for x >= unit && i < len(units)-1 {
		x /= unit
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", x, units[i])
}

// ParseBytes parses a size such as "512M", "8G", "8GB" or "1073741824"
// (powers of 1024).
func ParseBytes(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		}
		if mult > 1 {
			t = t[:len(t)-1]
		}
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || !(x > 0) || math.IsInf(x, 0) || x*float64(mult) > math.MaxInt64/2 {
		return 0, fmt.Errorf("invalid size %q (want a positive number of bytes, optionally with K, M, G or T, such as 8G)", s)
	}
	return int64(x * float64(mult)), nil
}

// memoryLimit returns the ceiling for limit as Options.MemoryLimit gives
// it: itself, or DefaultMemoryFraction of the machine's memory for 0; 0
// when unknown.
func memoryLimit(limit int64) int64 {
	if limit > 0 {
		return limit
	}
	return int64(DefaultMemoryFraction * float64(sysmem.Available()))
}

// heldMemory returns the memory the Go runtime holds from the system,
// less what it has released.
func heldMemory(samples []metrics.Sample) int64 {
	metrics.Read(samples)
	total := samples[0].Value.Uint64()
	released := samples[1].Value.Uint64()
	return int64(total - released)
}

// hardFactor is how far above its ceiling the process may grow, while the
// stopped script's compiled work finishes, before it is ended at once.
const hardFactor = 1.25

// watchMemory sets the Go runtime's soft memory limit to limit, so that
// the garbage collector works harder near it, and watches the memory the
// process holds: at the limit it cancels with a *MemoryError, which stops
// the script at its next statement and training after its current step;
// above hardFactor times the limit it ends the process with that message
// rather than let the runtime die of an out-of-memory fatal error. The
// returned function stops watching and restores the previous limit.
func watchMemory(limit int64, cancel context.CancelCauseFunc, stderr io.Writer) (stop func()) {
	if limit <= 0 {
		return func() {}
	}
	old := debug.SetMemoryLimit(limit)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var stopped *MemoryError
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			used := heldMemory(samples)
			switch {
			case used >= int64(hardFactor*float64(limit)):
				e := &MemoryError{Limit: limit, Used: used}
				fmt.Fprintf(stderr, "\nworkbench: %v; exiting\n", e)
				os.Exit(1)
			case used >= limit && stopped == nil:
				stopped = &MemoryError{Limit: limit, Used: used}
				cancel(stopped)
			}
		}
	}()
	return func() {
		close(done)
		<-exited
		debug.SetMemoryLimit(old)
	}
}
