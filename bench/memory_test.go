//go:build unix

package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// Idle-connection memory: how much a server holds per open, idle WebSocket
// connection. The clients live in a child process (this test binary
// re-executed as TestIdleClientHelper) so that the parent's memory is the
// server's alone. Gated by AUTOBAHN_MEASURE_IDLE=1: it opens 10,000
// connections (AUTOBAHN_IDLE_CONNS overrides) and needs about 10,000 file
// descriptors per process; it raises RLIMIT_NOFILE itself.

const (
	idleEnv       = "AUTOBAHN_MEASURE_IDLE"
	idleConnsEnv  = "AUTOBAHN_IDLE_CONNS"
	helperAddrEnv = "AUTOBAHN_IDLE_HELPER_URL"
	helperNEnv    = "AUTOBAHN_IDLE_HELPER_N"
	defaultIdleN  = 10000
)

// raiseNoFile lifts RLIMIT_NOFILE (soft, and hard when permitted) to at
// least want, and returns the soft limit in force afterwards.
func raiseNoFile(want uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur >= want {
		return lim.Cur, nil
	}
	nl := lim
	nl.Cur = want
	if nl.Max < want {
		nl.Max = want // needs CAP_SYS_RESOURCE; fall back below
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &nl); err != nil {
		nl = lim
		nl.Cur = lim.Max
		if err2 := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &nl); err2 != nil {
			return lim.Cur, fmt.Errorf("setrlimit: %w", err)
		}
		return nl.Cur, fmt.Errorf("setrlimit to %d: %w (soft limit now %d)", want, err, nl.Cur)
	}
	return nl.Cur, nil
}

// memNow returns heap-in-use plus stack-in-use after a full collection.
func memNow() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// idleServerHandler counts open connections and does nothing else.
type idleServerHandler struct {
	ws.BaseHandler
	open *atomic.Int64
}

func (h idleServerHandler) OnOpen(*ws.Conn) { h.open.Add(1) }
func (h idleServerHandler) OnClose(*ws.Conn, bool, int, string) {
	h.open.Add(-1)
}

// BenchmarkIdleConnections reports the server's memory and goroutines per
// idle connection (B/conn, goroutines/conn) and, from the child, the
// client's (client-B/conn), as BenchmarkIdleConnections/nvx=on|off/conns=N.
// Run it once: -benchtime=1x.
func BenchmarkIdleConnections(b *testing.B) {
	if os.Getenv(idleEnv) != "1" {
		b.Skipf("set %s=1 to open %d idle connections", idleEnv, defaultIdleN)
	}
	n := defaultIdleN
	if v, err := strconv.Atoi(os.Getenv(idleConnsEnv)); err == nil && v > 0 {
		n = v
	}
	if lim, err := raiseNoFile(uint64(n) + 1024); err != nil || lim < uint64(n)+256 {
		b.Fatalf("need %d file descriptors for %d connections; limit %d: %v", n+256, n, lim, err)
	}
	b.Run(nvxLabel(), func(b *testing.B) {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res := measureIdle(b, n)
				b.ReportMetric(res.serverBytes, "B/conn")
				b.ReportMetric(res.goroutines, "goroutines/conn")
				b.ReportMetric(res.clientBytes, "client-B/conn")
			}
		})
	})
}

type idleResult struct {
	serverBytes, goroutines, clientBytes float64
}

func measureIdle(b *testing.B, n int) idleResult {
	var open atomic.Int64
	ln, stop := listenIdle(b, &open)
	defer stop()

	baseMem := memNow()
	baseG := runtime.NumGoroutine()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestIdleClientHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperAddrEnv+"="+ln, helperNEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = stdin.Close() // the helper closes its connections and exits
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()

	var clientBytes float64
	sc := bufio.NewScanner(stdout)
	ready := false
	for !ready && sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "IDLE-CLIENT-READY "); ok {
			clientBytes, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
			ready = true
		} else if strings.HasPrefix(line, "IDLE-CLIENT-FAIL") {
			b.Fatalf("helper: %s", line)
		}
	}
	if !ready {
		b.Fatalf("helper exited before its connections were ready: %v", sc.Err())
	}
	go func() { // drain the rest so the helper never blocks on stdout
		for sc.Scan() {
		}
	}()
	for open.Load() < int64(n) {
		if ctx.Err() != nil {
			b.Fatalf("only %d of %d connections opened on the server", open.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let handshakes' transient buffers go
	mem := memNow()
	g := runtime.NumGoroutine()
	per := (float64(mem) - float64(baseMem)) / float64(n)
	gpc := float64(g-baseG) / float64(n)
	b.Logf("%d idle connections: server %.0f B/conn (HeapInuse+StackInuse), %.2f goroutines/conn; client %.0f B/conn",
		n, per, gpc, clientBytes)
	return idleResult{serverBytes: per, goroutines: gpc, clientBytes: clientBytes}
}

// listenIdle serves idleServerHandler on loopback and returns its URL.
func listenIdle(tb testing.TB, open *atomic.Int64) (string, func()) {
	tb.Helper()
	opts := ws.DefaultOptions()
	url, stop := startServer(tb, func() ws.Handler { return idleServerHandler{open: open} }, opts)
	return url, stop
}

// TestIdleClientHelper is the child process of BenchmarkIdleConnections:
// it opens N idle client connections, prints its own per-connection memory
// as "IDLE-CLIENT-READY <bytes>", and holds them until stdin closes.
func TestIdleClientHelper(t *testing.T) {
	url := os.Getenv(helperAddrEnv)
	n, _ := strconv.Atoi(os.Getenv(helperNEnv))
	if url == "" || n <= 0 {
		t.Skip("helper process of BenchmarkIdleConnections")
	}
	if _, err := raiseNoFile(uint64(n) + 1024); err != nil {
		fmt.Printf("IDLE-CLIENT-FAIL %v\n", err)
		return
	}
	base := memNow()
	conns := make([]*ws.Conn, n)
	var wg sync.WaitGroup
	var failed atomic.Value
	const workers = 8
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				c, err := ws.Dial(ctx, url, &ws.BaseHandler{}, nil)
				cancel()
				if err != nil {
					failed.Store(fmt.Sprintf("dial %d: %v", i, err))
					return
				}
				conns[i] = c
			}
		}(w)
	}
	wg.Wait()
	if f := failed.Load(); f != nil {
		fmt.Printf("IDLE-CLIENT-FAIL %v\n", f)
		return
	}
	time.Sleep(200 * time.Millisecond)
	per := (float64(memNow()) - float64(base)) / float64(n)
	fmt.Printf("IDLE-CLIENT-READY %.0f\n", per)
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	for _, c := range conns {
		_ = c.SendClose(1001, "")
	}
}
