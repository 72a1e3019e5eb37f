//go:build unix && !linux

package bench

import (
	"runtime"
	"syscall"
)

// peakRSSMB returns the peak resident set size of the process in MiB, from
// getrusage (process-wide: it cannot be reset).
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return float64(ru.Maxrss) / (1 << 20) // bytes
	}
	return float64(ru.Maxrss) / 1024 // KiB
}

// resetPeakRSS does nothing: the peak stays process-wide.
func resetPeakRSS() {}
