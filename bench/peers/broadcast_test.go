package peers

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/lxzan/gws"
)

// BenchmarkBroadcast: one 1 KiB text message to BCAST_CONNS (default
// 10,000) connections, timed until every reading client has it (ns/op is
// one broadcast, framing included), with all readers healthy and with 1%
// of them stalled (never reading), through autobahn-go's Broadcast and
// through gws's Broadcaster, side by side in one run. mode=deflate
// negotiates permessage-deflate without context takeover; there
// lib=autobahn-percon sends with SendMessageAsync per connection
// (compression paid per connection) against Broadcast's one compression.
// Stalled clients' queues are filled before the timing starts, so every
// broadcast meets them full. allocs/op and B/op are the server process's; mem-MiB is its heap and
// stacks in use after the run; srv-cpu-ms/op the server process's CPU
// time (user and system) per broadcast; queued-KiB (autobahn) is what its send
// queues hold then (bounded by Options.SendQueueLimit per connection).
// BCAST_ONLY, a regular expression, keeps the cases whose name matches it
// (the others' connections are not even opened).
func BenchmarkBroadcast(b *testing.B) {
	n := 10000
	if s := os.Getenv("BCAST_CONNS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	var only *regexp.Regexp
	if s := os.Getenv("BCAST_ONLY"); s != "" {
		only = regexp.MustCompile(s)
	}
	payload := bytes.Repeat([]byte(`{"sym":"ABCD","px":101.25,"qty":300},`), 1024/37+1)[:1024]
	for _, mode := range []string{"plain", "deflate"} {
		libs := []string{"autobahn", "gws"}
		if mode == "deflate" {
			libs = []string{"autobahn", "autobahn-percon", "gws"}
		}
		for _, stalledPct := range []int{0, 1} {
			for _, lib := range libs {
				name := fmt.Sprintf("mode=%s/stalled=%d%%/lib=%s", mode, stalledPct, lib)
				if only != nil && !only.MatchString(name) {
					continue
				}
				every := 0
				if stalledPct > 0 {
					every = 100 / stalledPct
				}
				f := newFixture(b, lib, n, every, mode == "deflate")
				f.prefill(payload)
				b.Run(name, func(b *testing.B) { f.run(b, payload) })
				f.close()
			}
		}
	}
}

// fixture is one server with n connections and the child process holding
// their clients.
type fixture struct {
	lib   string
	ln    net.Listener
	cmd   *exec.Cmd
	stdin io.WriteCloser
	ctl   *os.File

	mu     sync.Mutex
	ours   []*ws.Conn
	theirs []*gws.Conn

	ourStalled   []*ws.Conn
	theirStalled []*gws.Conn
	opened       chan struct{}
	want         int
	srv          *ws.Server
	httpSrv      *http.Server
}

type ourHandler struct {
	ws.BaseHandler
	f *fixture
}

func (h ourHandler) OnOpen(c *ws.Conn) { h.f.add(c, nil) }

func (h ourHandler) OnMessage(c *ws.Conn, p []byte, _ bool) {
	if string(p) == "stalled" {
		h.f.stall(c, nil)
	}
}

type theirHandler struct {
	gws.BuiltinEventHandler
	f *fixture
}

func (h theirHandler) OnOpen(c *gws.Conn) { h.f.add(nil, c) }

func (h theirHandler) OnMessage(c *gws.Conn, m *gws.Message) {
	if m.Data.String() == "stalled" {
		h.f.stall(nil, c)
	}
	m.Close()
}

func (f *fixture) stall(o *ws.Conn, t *gws.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o != nil {
		f.ourStalled = append(f.ourStalled, o)
	} else {
		f.theirStalled = append(f.theirStalled, t)
	}
}

// stalledCount is how many connections said they are stalled.
func (f *fixture) stalledCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ourStalled) + len(f.theirStalled)
}

// prefill fills the stalled connections' send queues before the timing,
// as earlier broadcasts would have: ours up to Options.SendQueueLimit (the
// queue then refuses) with a shared prepared message, gws's with as many
// messages sharing one payload (its queue has no bound).
func (f *fixture) prefill(payload []byte) {
	pm, _ := ws.PrepareMessage(payload, false)
	for _, c := range f.ourStalled {
		for range 4096 {
			if c.SendPreparedAsync(pm) != nil {
				break
			}
		}
	}
	per := ws.DefaultSendQueueLimit / (len(payload) + 4)
	for _, c := range f.theirStalled {
		for range per {
			c.WriteAsync(gws.OpcodeText, payload, nil)
		}
	}
}

func (f *fixture) add(o *ws.Conn, t *gws.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o != nil {
		f.ours = append(f.ours, o)
	} else {
		f.theirs = append(f.theirs, t)
	}
	if len(f.ours)+len(f.theirs) == f.want {
		close(f.opened)
	}
}

func newFixture(b *testing.B, lib string, n, every int, deflate bool) *fixture {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ln = smallSendBuffers{ln}
	f := &fixture{lib: lib, ln: ln, opened: make(chan struct{}), want: n}
	switch lib {
	case "gws":
		opt := &gws.ServerOption{}
		if deflate {
			opt.PermessageDeflate = gws.PermessageDeflate{Enabled: true, ServerContextTakeover: false, ClientContextTakeover: false}
		}
		up := gws.NewUpgrader(theirHandler{f: f}, opt)
		f.httpSrv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r)
			if err != nil {
				return
			}
			go c.ReadLoop()
		})}
		go func() { _ = f.httpSrv.Serve(ln) }()
	default:
		o := ws.DefaultOptions()
		if deflate {
			o.PerMessageDeflate = &ws.DeflateOptions{NoContextTakeover: true}
		}
		f.srv = ws.NewServer(func() ws.Handler { return ourHandler{f: f} }, o)
		go func() { _ = f.srv.Serve(ln) }()
	}

	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBroadcastChild$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), envAddr+"="+ln.Addr().String(), envN+"="+strconv.Itoa(n), envStalled+"="+strconv.Itoa(every))
	if deflate {
		cmd.Env = append(cmd.Env, envDeflate+"=1")
	}
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stderr = os.Stderr
	f.stdin, err = cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	w.Close()
	f.cmd, f.ctl = cmd, r
	if err := f.expect('R'); err != nil {
		f.close()
		b.Fatalf("%s: clients not ready: %v", lib, err)
	}
	select {
	case <-f.opened:
	case <-time.After(60 * time.Second):
		f.close()
		b.Fatalf("%s: server saw fewer than %d connections", lib, n)
	}
	if every > 0 {
		for t0 := time.Now(); f.stalledCount() < n/every; time.Sleep(10 * time.Millisecond) {
			if time.Since(t0) > 60*time.Second {
				f.close()
				b.Fatalf("%s: only %d stalled clients said so", lib, f.stalledCount())
			}
		}
	}
	return f
}

// expect reads one signal byte from the child.
func (f *fixture) expect(want byte) error {
	var buf [1]byte
	if _, err := io.ReadFull(f.ctl, buf[:]); err != nil {
		return err
	}
	if buf[0] != want {
		return fmt.Errorf("child said %q, want %q", buf[0], want)
	}
	return nil
}

func (f *fixture) run(b *testing.B, payload []byte) {
	b.ReportAllocs()
	runtime.GC()
	cpu0 := processCPU()
	b.ResetTimer()
	for range b.N {
		switch f.lib {
		case "autobahn":
			pm, _ := ws.PrepareMessage(payload, false)
			ws.Broadcast(f.ours, pm)
		case "autobahn-percon":
			for _, c := range f.ours {
				_ = c.SendMessageAsync(payload, false)
			}
		case "gws":
			bc := gws.NewBroadcaster(gws.OpcodeText, payload)
			for _, c := range f.theirs {
				_ = bc.Broadcast(c)
			}
			_ = bc.Close()
		}
		if err := f.expect('M'); err != nil {
			b.Fatalf("child: %v", err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/float64(b.N), "srv-cpu-ms/op")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse+ms.StackInuse)/(1<<20), "mem-MiB")
	if f.ours != nil {
		q := 0
		for _, c := range f.ours {
			q += c.BufferedAmount()
		}
		b.ReportMetric(float64(q)/1024, "queued-KiB")
	}
}

func (f *fixture) close() {
	if f.stdin != nil {
		_ = f.stdin.Close()
	}
	if f.cmd != nil {
		_ = f.cmd.Wait()
	}
	if f.ctl != nil {
		_ = f.ctl.Close()
	}
	for _, c := range f.ours {
		_ = c.CloseNow()
	}
	for _, c := range f.theirs {
		_ = c.NetConn().Close()
	}
	if f.httpSrv != nil {
		_ = f.httpSrv.Close()
	}
	_ = f.ln.Close()
	if f.srv != nil {
		for _, c := range f.ours {
			<-c.Done()
		}
	}
	runtime.GC()
}

// processCPU is the CPU time (user and system) this process (the server)
// has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// smallSendBuffers gives every accepted connection a 32 KiB socket send
// buffer (for both libraries alike), so that a stalled reader's data piles
// up in the library's queue rather than in megabytes of kernel buffers.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(32 << 10)
	}
	return c, err
}
