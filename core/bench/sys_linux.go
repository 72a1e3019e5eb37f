package bench

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// peakRSSMB returns the peak resident set size of the process in MiB, from
// VmHWM in /proc/self/status, or from getrusage when that is unreadable.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range bytes.Split(b, []byte("\n")) {
			rest, ok := bytes.CutPrefix(line, []byte("VmHWM:"))
			if !ok {
				continue
			}
			f := bytes.Fields(rest)
			if len(f) > 0 {
				if kb, err := strconv.ParseFloat(string(f[0]), 64); err == nil {
					return kb / 1024
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

// resetPeakRSS sets the peak resident set size to the current one (Linux
// 4.0 and later); where that is not allowed the peak stays process-wide.
func resetPeakRSS() {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
