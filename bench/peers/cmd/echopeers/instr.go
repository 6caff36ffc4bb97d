package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// callgrind runs a server under valgrind's callgrind tool for -instr: the
// count of instructions the server executes in user space (its own code,
// the Go runtime, libc; not the kernel) is the same from run to run
// whatever else the machine is doing, so it compares servers where CPU
// time on a shared machine jumps. Counting starts at the client's WARM
// (callgrind_control -z) and is dumped at its DONE (callgrind_control -d).
type callgrind struct {
	dir string
}

// newCallgrind checks that valgrind is installed and makes a directory
// for the dumps.
func newCallgrind() (*callgrind, error) {
	for _, tool := range []string{"valgrind", "callgrind_control"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("echopeers: -instr needs %s (apt-get install valgrind): %w", tool, err)
		}
	}
	dir, err := os.MkdirTemp("", "echopeers-callgrind-")
	if err != nil {
		return nil, fmt.Errorf("echopeers: %w", err)
	}
	return &callgrind{dir: dir}, nil
}

// wrap returns the server's command line under callgrind.
func (c *callgrind) wrap(args []string) []string {
	return append([]string{"valgrind", "--tool=callgrind", "--quiet",
		"--callgrind-out-file=" + filepath.Join(c.dir, "cg.out")}, args...)
}

// zero starts the count afresh.
func (c *callgrind) zero(pid int) error {
	return control(pid, "-z")
}

// dump writes the count so far and returns its total of instructions.
func (c *callgrind) dump(pid int) (int64, error) {
	if err := control(pid, "-d"); err != nil {
		return 0, err
	}
	files, _ := filepath.Glob(filepath.Join(c.dir, "cg.out.*"))
	if len(files) == 0 {
		return 0, errors.New("echopeers: callgrind wrote no dump")
	}
	return callgrindTotal(files[len(files)-1])
}

// cleanup removes the dumps.
func (c *callgrind) cleanup() { _ = os.RemoveAll(c.dir) }

// control runs callgrind_control with flag on pid.
func control(pid int, flag string) error {
	out, err := exec.Command("callgrind_control", flag, strconv.Itoa(pid)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("echopeers: callgrind_control %s: %w: %s", flag, err, out)
	}
	return nil
}

// callgrindTotal reads the instruction total ("summary:" or "totals:"
// line) of a callgrind dump.
func callgrindTotal(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("echopeers: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && (k == "summary" || k == "totals") {
			fs := strings.Fields(v)
			if len(fs) == 0 {
				break
			}
			return strconv.ParseInt(fs[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("echopeers: no instruction total in %s", path)
}
