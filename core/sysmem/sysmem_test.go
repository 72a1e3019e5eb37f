package sysmem

import (
	"runtime"
	"testing"
)

func TestAvailable(t *testing.T) {
	got := Available()
	if runtime.GOOS != "linux" {
		if got < 0 {
			t.Fatalf("Available() = %d, want >= 0", got)
		}
		return
	}
	// Any Linux machine that runs the tests has more than 64 MB and less than 1 PB.
	if got < 64<<20 || got > 1<<50 {
		t.Fatalf("Available() = %d bytes, want a plausible memory size", got)
	}
}
