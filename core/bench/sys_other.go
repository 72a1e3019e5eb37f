//go:build !unix

package bench

// peakRSSMB returns 0: the peak resident set size is not known here.
func peakRSSMB() float64 { return 0 }

// resetPeakRSS does nothing.
func resetPeakRSS() {}

// cpuSeconds returns 0: the process CPU time is not known here.
func cpuSeconds() float64 { return 0 }
