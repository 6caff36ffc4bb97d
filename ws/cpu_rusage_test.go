//go:build unix

package ws

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the test process has used so
// far, for benchmarks that report CPU per operation: on a loaded machine
// wall time per op overstates the work, CPU time does not.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
