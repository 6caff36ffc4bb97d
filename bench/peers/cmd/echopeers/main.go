// Command echopeers compares echo servers: autobahn-go against
// lxzan/gws, gorilla/websocket and coder/websocket, each on one core
// (GOMAXPROCS=1, pinned with taskset to -server-cpu), driven by the same
// gorilla client pinned to -client-cpu, back to back for each case. For
// every case (text ASCII, text multi-byte UTF-8 and binary; 64 B over 8
// connections, 1 KiB over 256, 16 KiB over 8, 1 MiB over 8; one message in
// flight per connection) it measures echoed messages per second and the
// server's CPU time per message (utime+stime from /proc/PID/stat over the
// measured window, divided by the messages), and writes them as
// `go test -bench` lines that bench/cmd/report turns into tables and a
// chart:
//
//	cd bench/peers && go run ./cmd/echopeers -out ../results/peers.txt
//
// Beside them runs floor (floor.go), which is not a WebSocket server but
// the cost of moving each echo through the kernel and Go's netpoller with
// no protocol work: what no server on the netpoller (all four are) can
// beat against this client on this machine, up to 16 KiB. floor-epoll
// (Linux, with -impls) is the same on an epoll loop of its own, one read
// and one write per echo.
//
// The same binary is also the server (-serve NAME) and the client (-load
// URL) that the parent starts as child processes.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// testCase is one load: a kind of message, its size and how many
// connections carry it at once.
type testCase struct {
	kind  string
	size  int
	conns int
}

// shapes are the sizes and connection counts of issue 10.
var shapes = []struct{ size, conns int }{{64, 8}, {1 << 10, 256}, {16 << 10, 8}, {1 << 20, 8}}

func cases(kinds []string) []testCase {
	var cs []testCase
	for _, k := range kinds {
		for _, s := range shapes {
			cs = append(cs, testCase{k, s.size, s.conns})
		}
	}
	return cs
}

// wantSize reports whether size is in the comma-separated list sizes (an
// empty list takes every size).
func wantSize(sizes string, size int) bool {
	if sizes == "" {
		return true
	}
	for _, f := range strings.Split(sizes, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n == size {
			return true
		}
	}
	return false
}

// sizeName spells n as bench's SizeName does (64B, 1KiB, 1MiB), which
// bench/cmd/report sorts by size.
func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// result is one measured run.
type result struct {
	msgs  int64
	secs  float64
	cpu   time.Duration
	instr int64 // server user-space instructions over the window (-instr), else 0
}

// line formats r as a benchmark line: msgs/s, and the server's CPU time
// per message in µs (as us/op: lower is better in the report).
func line(impl string, c testCase, r result) string {
	rate := float64(r.msgs) / r.secs
	l := fmt.Sprintf("BenchmarkPeers/kind=%s/impl=%s/size=%s \t%d\t%.0f msgs/s\t%.2f server-us/op",
		c.kind, impl, sizeName(c.size), r.msgs, rate, float64(r.cpu.Microseconds())/float64(max(r.msgs, 1)))
	if r.instr > 0 {
		l += fmt.Sprintf("\t%.0f server-instr/op", float64(r.instr)/float64(max(r.msgs, 1)))
	}
	return l
}

type config struct {
	out, impls, kinds    string
	sizes                string
	serverCPU, clientCPU string
	warmup, duration     time.Duration
	count                int
	cpuProfile           string
	instr                bool // run the servers under callgrind (instr.go)
}

func main() {
	var c config
	serveName := flag.String("serve", "", "run as the echo server `NAME` (child process)")
	loadURL := flag.String("load", "", "run as the load client against `URL` (child process)")
	kind := flag.String("kind", "ascii", "client: message kind")
	size := flag.Int("size", 64, "client: message size")
	conns := flag.Int("conns", 8, "client: connections")
	flag.StringVar(&c.out, "out", "", "also append the results to `file`")
	flag.StringVar(&c.impls, "impls", strings.Join(serverOrder, ","), "servers to compare")
	flag.StringVar(&c.kinds, "kinds", "ascii,utf8,binary", "message kinds")
	flag.StringVar(&c.sizes, "sizes", "", "only these message sizes in bytes, comma-separated (default: all shapes)")
	flag.StringVar(&c.serverCPU, "server-cpu", "0", "CPU list for the servers (taskset -c)")
	flag.StringVar(&c.clientCPU, "client-cpu", "1", "CPU list for the client (taskset -c)")
	flag.DurationVar(&c.warmup, "warmup", 500*time.Millisecond, "load before measuring")
	flag.DurationVar(&c.duration, "duration", 2*time.Second, "measured time per run")
	flag.IntVar(&c.count, "count", 1, "rounds over all cases")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write each server's CPU profile to `prefix`-IMPL-KIND-SIZE.prof (server: to this file)")
	flag.BoolVar(&c.instr, "instr", false, "run each server under valgrind's callgrind and report its user-space instructions per message (server-instr/op: repeatable on a loaded machine; msgs/s and CPU are then valgrind's, not comparable)")
	flag.Parse()
	var err error
	switch {
	case *serveName != "":
		err = serve(*serveName, c.cpuProfile, os.Stdout)
	case *loadURL != "":
		err = load(*loadURL, *kind, *size, *conns, c.warmup, c.duration, os.Stdout)
	default:
		err = compare(c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// compare runs every case against every server, printing each result as
// it comes and appending it to c.out.
func compare(c config) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("echopeers: %w", err)
	}
	impls := strings.Split(c.impls, ",")
	for _, im := range impls {
		if _, ok := servers[im]; !ok {
			return fmt.Errorf("echopeers: unknown server %q", im)
		}
	}
	var out io.Writer = io.Discard
	if c.out != "" {
		f, err := os.OpenFile(c.out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("echopeers: %w", err)
		}
		defer f.Close()
		out = f
	}
	header := fmt.Sprintf("goos: linux\ngoarch: %s\ncpu: %s\n", runtime.GOARCH, cpuModel())
	fmt.Print(header)
	fmt.Fprint(out, header)
	_, tsErr := exec.LookPath("taskset")
	if tsErr != nil {
		fmt.Fprintln(os.Stderr, "echopeers: taskset not found; processes are not pinned")
	}
	for round := 0; round < c.count; round++ {
		for _, tc := range cases(strings.Split(c.kinds, ",")) {
			if !wantSize(c.sizes, tc.size) {
				continue
			}
			order := impls
			if round%2 == 1 {
				// Every other round the other way round, so that no server
				// always runs first (or last) after a case change.
				order = reversed(impls)
			}
			for _, im := range order {
				r, err := runOne(self, im, tc, c, tsErr == nil)
				if err != nil {
					return fmt.Errorf("echopeers: %s %s %s: %w", im, tc.kind, sizeName(tc.size), err)
				}
				l := line(im, tc, r)
				fmt.Println(l)
				fmt.Fprintln(out, l)
			}
		}
	}
	return nil
}

// reversed returns s in reverse order.
func reversed(s []string) []string {
	r := make([]string, len(s))
	for i, v := range s {
		r[len(s)-1-i] = v
	}
	return r
}

// pinned returns the command line that runs args on cpus (when taskset is
// there): taskset execs the program, so the child's PID is the program's.
func pinned(pin bool, cpus string, args ...string) *exec.Cmd {
	if pin {
		args = append([]string{"taskset", "-c", cpus}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	return cmd
}

// runOne starts server im, runs the client against it and measures the
// server's CPU time between the client's WARM and DONE lines.
func runOne(self, im string, tc testCase, c config, pin bool) (result, error) {
	args := []string{self, "-serve", im}
	if c.cpuProfile != "" {
		args = append(args, "-cpuprofile", fmt.Sprintf("%s-%s-%s-%s.prof", c.cpuProfile, im, tc.kind, sizeName(tc.size)))
	}
	var cg *callgrind
	if c.instr {
		var err error
		if cg, err = newCallgrind(); err != nil {
			return result{}, err
		}
		defer cg.cleanup()
		args = cg.wrap(args)
	}
	srv := pinned(pin, c.serverCPU, args...)
	srv.Env = append(os.Environ(), "GOMAXPROCS=1")
	if c.instr {
		// Preemption signals only add valgrind's signal handling to the count.
		srv.Env = append(srv.Env, "GODEBUG=asyncpreemptoff=1")
	}
	sout, err := srv.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	if err := srv.Start(); err != nil {
		return result{}, err
	}
	defer stopServer(srv)
	sr := bufio.NewScanner(sout)
	for c.instr && sr.Scan() && !strings.HasPrefix(sr.Text(), "LISTEN ") {
		// (valgrind may print before the server does)
	}
	if (!c.instr && !sr.Scan()) || !strings.HasPrefix(sr.Text(), "LISTEN ") {
		return result{}, errors.New("server did not report its address")
	}
	url := "ws://" + strings.TrimPrefix(sr.Text(), "LISTEN ") + "/"
	cli := pinned(pin, c.clientCPU, self, "-load", url, "-kind", tc.kind, "-size", strconv.Itoa(tc.size),
		"-conns", strconv.Itoa(tc.conns), "-warmup", c.warmup.String(), "-duration", c.duration.String())
	cout, err := cli.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	if err := cli.Start(); err != nil {
		return result{}, err
	}
	var r result
	var cpu0 time.Duration
	cr := bufio.NewScanner(cout)
	for cr.Scan() {
		f := strings.Fields(cr.Text())
		switch {
		case len(f) == 1 && f[0] == "WARM":
			if cpu0, err = cpuTime(srv.Process.Pid); err != nil {
				return result{}, err
			}
			if cg != nil {
				if err := cg.zero(srv.Process.Pid); err != nil {
					return result{}, err
				}
			}
		case len(f) == 3 && f[0] == "DONE":
			cpu1, err := cpuTime(srv.Process.Pid)
			if err != nil {
				return result{}, err
			}
			if cg != nil {
				if r.instr, err = cg.dump(srv.Process.Pid); err != nil {
					return result{}, err
				}
			}
			r.cpu = cpu1 - cpu0
			r.msgs, _ = strconv.ParseInt(f[1], 10, 64)
			r.secs, _ = strconv.ParseFloat(f[2], 64)
		}
	}
	if err := cli.Wait(); err != nil {
		return result{}, fmt.Errorf("client: %w", err)
	}
	if r.msgs <= 0 || r.secs <= 0 {
		return result{}, errors.New("client reported no messages")
	}
	return r, nil
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// stopServer asks the server to stop (SIGTERM: it writes its profile and
// exits), and kills it when it has not within a few seconds.
func stopServer(srv *exec.Cmd) {
	_ = srv.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = srv.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = srv.Process.Kill()
		<-done
	}
}
