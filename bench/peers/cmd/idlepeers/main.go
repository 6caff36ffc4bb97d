// Command idlepeers measures what an idle WebSocket connection costs a
// server (issue 9): for each server and each connection count it starts
// the server (pinned with taskset to -server-cpu), opens the connections
// from client processes (gorilla clients, pinned to -client-cpu, at most
// -per-client connections each: a process may hold only 20,000 open
// files), sends one 64-byte message on each and waits for its echo, then
// lets them idle and has the server measure itself: the growth of its RSS
// (VmRSS), of the Go heap (HeapInuse) and stacks (StackInuse) and of its
// goroutines, each divided by the connections, after runtime.GC and
// debug.FreeOSMemory. Servers: autobahn-go in goroutine mode and in
// event-loop mode (Options.EventLoop), lxzan/gws and lesismal/nbio (its
// epoll event loop, nbhttp). It writes a markdown table:
//
//	cd bench/peers && go run ./cmd/idlepeers -md ../results/idle.md
//
// The same binary is the server (-serve NAME -mode goroutine|eventloop)
// and the client (-load URL) that the parent starts as child processes.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	serveName := flag.String("serve", "", "run as the server `NAME` (child process): autobahn, gws or nbio")
	mode := flag.String("mode", "goroutine", "server autobahn: goroutine or eventloop")
	loadURL := flag.String("load", "", "run as a client against `URL` (child process)")
	ip := flag.String("ip", "127.0.0.1", "client: local address to dial from")
	n := flag.Int("n", 1000, "client: connections")
	impls := flag.String("impls", "autobahn/goroutine,autobahn/eventloop,gws,nbio", "servers to measure (NAME or NAME/MODE)")
	conns := flag.String("conns", "1000,19000", "connection counts")
	perClient := flag.Int("per-client", 9500, "connections per client process")
	md := flag.String("md", "", "write the markdown table to `file`")
	serverCPU := flag.String("server-cpu", "0", "CPU list for the servers (taskset -c)")
	clientCPU := flag.String("client-cpu", "1", "CPU list for the clients (taskset -c)")
	flag.StringVar(&memProfile, "memprofile", "", "server: write a heap profile of the idle connections to `file`")
	flag.Parse()
	var err error
	switch {
	case *serveName != "":
		err = serve(*serveName, *mode, os.Stdin, os.Stdout)
	case *loadURL != "":
		raiseNoFile()
		err = load(*loadURL, *ip, *n, os.Stdout)
	default:
		err = compare(strings.Split(*impls, ","), *conns, *perClient, *md, *serverCPU, *clientCPU)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// serve starts server name, prints "LISTEN addr" and "BASE sample", then
// answers each "MEASURE n" line on in, once n connections are open and
// have sent a message, with "RESULT sample"; it exits when in closes.
func serve(name, mode string, in io.Reader, out io.Writer) error {
	start, ok := servers[name]
	if !ok {
		return fmt.Errorf("idlepeers: unknown server %q", name)
	}
	raiseNoFile()
	if memProfile != "" {
		runtime.MemProfileRate = 1 // every allocation, for a per-connection breakdown
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("idlepeers: %w", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	var n counters
	if err := start(addr, mode, &n); err != nil {
		return fmt.Errorf("idlepeers: server %s (mode %s): %w", name, mode, err)
	}
	fmt.Fprintf(out, "LISTEN %s\n", addr)
	fmt.Fprintf(out, "BASE %s\n", settle())
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || f[0] != "MEASURE" {
			continue
		}
		want, _ := strconv.ParseInt(f[1], 10, 64)
		deadline := time.Now().Add(2 * time.Minute)
		for n.open.Load() < want || n.msgs.Load() < want {
			if time.Now().After(deadline) {
				return fmt.Errorf("idlepeers: only %d of %d connections open (%d messages)", n.open.Load(), want, n.msgs.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Second) // handshakes' and echoes' transient memory goes
		fmt.Fprintf(out, "RESULT %s\n", settle())
		if memProfile != "" {
			writeHeapProfile(memProfile)
		}
	}
	return nil
}

// row is one measurement: per connection figures, or why there are none.
type row struct {
	impl                    string
	conns                   int
	rss, heap, stack, gorou float64
	err                     error
}

func compare(impls []string, connList string, perClient int, mdFile, serverCPU, clientCPU string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("idlepeers: %w", err)
	}
	lim := raiseNoFile()
	_, tsErr := exec.LookPath("taskset")
	pin := tsErr == nil
	if !pin {
		fmt.Fprintln(os.Stderr, "idlepeers: taskset not found; processes are not pinned")
	}
	var rows []row
	for _, im := range impls {
		for _, cs := range strings.Split(connList, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(cs))
			if err != nil || n <= 0 {
				return fmt.Errorf("idlepeers: bad connection count %q", cs)
			}
			r := runOne(self, im, n, perClient, serverCPU, clientCPU, pin)
			if r.err != nil {
				fmt.Printf("%s conns=%d: %v\n", im, n, r.err)
			} else {
				fmt.Printf("%s conns=%d: RSS %.0f B/conn, heap %.0f, stack %.0f, %.2f goroutines/conn\n",
					im, n, r.rss, r.heap, r.stack, r.gorou)
			}
			rows = append(rows, r)
		}
	}
	if mdFile != "" {
		if err := os.WriteFile(mdFile, []byte(markdown(rows, lim)), 0o644); err != nil {
			return fmt.Errorf("idlepeers: %w", err)
		}
		fmt.Println("wrote", mdFile)
	}
	return nil
}

// runOne measures server im (NAME or NAME/MODE) with n connections.
func runOne(self, im string, n, perClient int, serverCPU, clientCPU string, pin bool) row {
	r := row{impl: im, conns: n}
	name, mode, _ := strings.Cut(im, "/")
	if mode == "" {
		mode = "goroutine"
	}
	args := []string{self, "-serve", name, "-mode", mode}
	if memProfile != "" {
		args = append(args, "-memprofile", fmt.Sprintf("%s-%s-%s-%d.prof", memProfile, name, mode, n))
	}
	srv := pinned(pin, serverCPU, args...)
	var stderr strings.Builder
	srv.Stderr = &stderr
	sin, err1 := srv.StdinPipe()
	sout, err2 := srv.StdoutPipe()
	if err := errors.Join(err1, err2); err != nil {
		r.err = err
		return r
	}
	if err := srv.Start(); err != nil {
		r.err = err
		return r
	}
	defer func() {
		_ = sin.Close()
		stop(srv)
	}()
	sc := bufio.NewScanner(sout)
	next := func(prefix string) ([]string, error) {
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), prefix+" "); ok {
				return strings.Fields(v), nil
			}
		}
		_ = srv.Wait()
		return nil, fmt.Errorf("server exited: %s", strings.TrimSpace(stderr.String()))
	}
	f, err := next("LISTEN")
	if err != nil {
		r.err = err
		return r
	}
	url := "ws://" + f[0] + "/"
	if f, err = next("BASE"); err != nil {
		r.err = err
		return r
	}
	base, err := parseSample(f)
	if err != nil {
		r.err = err
		return r
	}
	var clients []*exec.Cmd
	var cins []io.WriteCloser
	defer func() {
		for _, w := range cins {
			_ = w.Close()
		}
		for _, c := range clients {
			stop(c)
		}
	}()
	ready := make(chan error, n/perClient+1)
	for i, left := 0, n; left > 0; i++ {
		k := min(left, perClient)
		left -= k
		c := pinned(pin, clientCPU, self, "-load", url, "-n", strconv.Itoa(k), "-ip", fmt.Sprintf("127.0.0.%d", 2+i))
		c.Stderr = os.Stderr
		cin, err1 := c.StdinPipe()
		cout, err2 := c.StdoutPipe()
		if err := errors.Join(err1, err2); err != nil {
			r.err = err
			return r
		}
		if err := c.Start(); err != nil {
			r.err = err
			return r
		}
		clients, cins = append(clients, c), append(cins, cin)
		go func() {
			s := bufio.NewScanner(cout)
			for s.Scan() {
				if s.Text() == "READY" {
					ready <- nil
					_, _ = io.Copy(io.Discard, cout)
					return
				}
			}
			ready <- errors.New("a client exited before its connections were ready")
		}()
	}
	for range clients {
		if err := <-ready; err != nil {
			r.err = err
			return r
		}
	}
	fmt.Fprintf(sin, "MEASURE %d\n", n)
	if f, err = next("RESULT"); err != nil {
		r.err = err
		return r
	}
	got, err := parseSample(f)
	if err != nil {
		r.err = err
		return r
	}
	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	r.rss, r.heap, r.stack = per(got.rss, base.rss), per(got.heap, base.heap), per(got.stack, base.stack)
	r.gorou = float64(got.goroutines-base.goroutines) / float64(n)
	return r
}

// pinned returns the command that runs args on cpus (when taskset is
// there; taskset execs the program, so the child's PID is the program's).
func pinned(pin bool, cpus string, args ...string) *exec.Cmd {
	if pin {
		args = append([]string{"taskset", "-c", cpus}, args...)
	}
	return exec.Command(args[0], args[1:]...)
}

// stop ends a child: it is asked first (stdin closed, then SIGTERM), then
// killed when it has not exited within a few seconds.
func stop(c *exec.Cmd) {
	if c.Process == nil || c.ProcessState != nil {
		return
	}
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(2 * time.Second):
	}
	_ = c.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.Process.Kill()
		<-done
	}
}

// markdown renders the rows as a table.
func markdown(rows []row, lim uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Idle connections: what one costs the server\n\n")
	fmt.Fprintf(&b, "Each connection sent one 64-byte text message and got its echo, then idled; figures are the server's growth divided by the connections, after runtime.GC and debug.FreeOSMemory. Server pinned to one CPU, gorilla clients to another (`taskset`). CPU: %s, %s/%s, open-file limit %d.\n\n", cpuModel(), runtime.GOOS, runtime.GOARCH, lim)
	b.WriteString("| server | connections | RSS B/conn | Go heap B/conn | Go stacks B/conn | heap+stacks B/conn | goroutines/conn |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(&b, "| %s | %d | not measured: %s | | | | |\n", r.impl, r.conns, strings.ReplaceAll(r.err.Error(), "|", "/"))
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %.2f |\n", r.impl, r.conns,
			commas(r.rss), commas(r.heap), commas(r.stack), commas(r.heap+r.stack), r.gorou)
	}
	return b.String()
}

// commas renders v rounded, with thousands separators.
func commas(v float64) string {
	s := strconv.FormatInt(int64(v+0.5*sign(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
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
