package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
)

// sample is what a server measures of itself.
type sample struct {
	rss, heap, stack uint64 // bytes: VmRSS, HeapInuse, StackInuse
	goroutines       int
}

func (s sample) String() string {
	return fmt.Sprintf("%d %d %d %d", s.rss, s.heap, s.stack, s.goroutines)
}

func parseSample(f []string) (sample, error) {
	if len(f) != 4 {
		return sample{}, fmt.Errorf("idlepeers: bad sample %q", f)
	}
	var s sample
	var err [4]error
	s.rss, err[0] = strconv.ParseUint(f[0], 10, 64)
	s.heap, err[1] = strconv.ParseUint(f[1], 10, 64)
	s.stack, err[2] = strconv.ParseUint(f[2], 10, 64)
	s.goroutines, err[3] = strconv.Atoi(f[3])
	for _, e := range err {
		if e != nil {
			return sample{}, fmt.Errorf("idlepeers: bad sample %q: %w", f, e)
		}
	}
	return s, nil
}

// settle collects garbage (three times, so stacks shrink as far as they
// can: each collection halves a stack at most) and returns free memory to
// the OS, then measures.
func settle() sample {
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return sample{rss: vmRSS(), heap: ms.HeapInuse, stack: ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

// vmRSS is the process's resident set size (VmRSS of /proc/self/status).
func vmRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// raiseNoFile lifts the soft limit of open files to the hard limit.
func raiseNoFile() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	lim.Cur = lim.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return lim.Cur
}

// memProfile is where the server writes a heap profile (-memprofile); in
// the parent, the prefix of each server's file.
var memProfile string

// writeHeapProfile writes the heap profile (allocations live at the last
// collection) to file.
func writeHeapProfile(file string) {
	f, err := os.Create(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "idlepeers:", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, "idlepeers:", err)
	}
}
