// Package sysmem tells how much memory this process may use: the
// machine's RAM, or its control group's limit when that is lower.
package sysmem

import (
	"os"
	"strconv"
	"strings"
)

// cgroupLimits are the files that hold a control group's memory limit
// (cgroup v2, then v1).
var cgroupLimits = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// Available returns the memory available to the process in bytes: the
// machine's total memory (MemTotal of /proc/meminfo), or the control
// group's limit when lower; 0 when unknown.
func Available() int64 {
	total := memTotal()
	for _, p := range cgroupLimits {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	return total
}

// memTotal returns MemTotal of /proc/meminfo in bytes, or 0.
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
