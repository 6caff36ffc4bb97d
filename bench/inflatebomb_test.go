//go:build linux

package bench

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// Decompression bombs against a server's memory (issue 8, item 6): bombClients
// clients at once each send one compressed message that inflates to 1 GiB of
// zeros. Every one must be closed with 1009 (message too big) or 1013 (the
// server's memory budget is spent: try again later). The server runs in a
// child process (this test binary re-executed as TestInflateBombServer) so
// that its peak RSS (VmHWM) is the server's alone and not the test binary's
// history; the child also samples the Go heap through runtime/metrics.
//
//	go test -run '^$' -bench BenchmarkInflateBomb -benchtime 1x ./bench
//
// Reported per run: peak-RSS-MiB (VmHWM of the server process),
// peak-heap-MiB (the highest /memory/classes/heap/objects:bytes sampled
// every millisecond), peak-goal-MiB (highest /gc/heap/goal:bytes), and how
// many clients got 1009 and 1013.

const (
	bombServerEnv = "AUTOBAHN_BOMB_SERVER" // child mode: serve, report on stdin "REPORT"
	bombClients   = 20
	bombInflated  = 1 << 30 // bytes each bomb inflates to
	bombSegment   = 1 << 20 // zeros per sync-flushed segment of the bomb
)

var (
	bombOnce    sync.Once
	bombPayload []byte
	bombErr     error
)

// bomb returns the compressed payload of one bomb (about 1 MiB; deflate
// cannot do better than about 1032:1), built once: the first segment of
// bombSegment zeros, sync flushed, then the second segment's bytes, which
// every later segment repeats (each refers only to the zeros before it),
// with the final 00 00 ff ff stripped as RFC 7692 §7.2.1 asks.
func bomb() ([]byte, error) {
	bombOnce.Do(func() { bombPayload, bombErr = buildBomb(bombInflated / bombSegment) })
	return bombPayload, bombErr
}

func buildBomb(segments int) ([]byte, error) {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	zeros := make([]byte, bombSegment)
	seg := func() ([]byte, error) {
		buf.Reset()
		if _, err := fw.Write(zeros); err != nil {
			return nil, err
		}
		if err := fw.Flush(); err != nil {
			return nil, err
		}
		return bytes.Clone(buf.Bytes()), nil
	}
	first, err := seg()
	if err != nil {
		return nil, err
	}
	rep, err := seg()
	if err != nil {
		return nil, err
	}
	again, err := seg()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(rep, again) {
		return nil, errors.New("bomb: deflate segments do not repeat")
	}
	out := append([]byte{}, first...)
	for i := 1; i < segments; i++ {
		out = append(out, rep...)
	}
	if !bytes.HasSuffix(out, []byte{0, 0, 0xff, 0xff}) {
		return nil, errors.New("bomb: no sync flush at the end")
	}
	return out[:len(out)-4], nil
}

// TestBombPayload checks the construction on a short bomb: it inflates to
// exactly its segments' zeros.
func TestBombPayload(t *testing.T) {
	p, err := buildBomb(3)
	if err != nil {
		t.Fatal(err)
	}
	r := flate.NewReader(io.MultiReader(bytes.NewReader(p), bytes.NewReader([]byte{0, 0, 0xff, 0xff})))
	out, err := io.ReadAll(r)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatal(err)
	}
	if len(out) != 3*bombSegment || bytes.IndexFunc(out, func(r rune) bool { return r != 0 }) >= 0 {
		t.Fatalf("bomb of 3 segments inflates to %d bytes, want %d zeros", len(out), 3*bombSegment)
	}
	if len(p) > 3*bombSegment/500 {
		t.Fatalf("bomb of 3 segments is %d bytes: not compressed", len(p))
	}
}

// bombResult is what the server child reports.
type bombResult struct {
	rss, heap, goal int64
	extra           string
}

func BenchmarkInflateBomb(b *testing.B) {
	payload, err := bomb()
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range bombModes() {
		b.Run("budget="+mode, func(b *testing.B) {
			srv := startBombServer(b, mode)
			var got1009, got1013 int
			for i := 0; i < b.N; i++ {
				codes := runBombs(b, srv.addr, payload)
				for _, code := range codes {
					switch code {
					case ws.CloseMessageTooBig:
						got1009++
					case ws.CloseTryAgainLater:
						got1013++
					default:
						b.Fatalf("a bomb was closed with %d, want 1009 or 1013 (all: %v)", code, codes)
					}
				}
			}
			res := srv.report(b)
			b.ReportMetric(float64(res.rss)/(1<<20), "peak-RSS-MiB")
			b.ReportMetric(float64(res.heap)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(res.goal)/(1<<20), "peak-goal-MiB")
			b.ReportMetric(float64(got1009)/float64(b.N), "1009/op")
			b.ReportMetric(float64(got1013)/float64(b.N), "1013/op")
			b.Logf("%d bombs of %d MiB: %d got 1009, %d got 1013; server peak RSS %.1f MiB, heap %.1f MiB, heap goal %.1f MiB %s",
				bombClients*b.N, bombInflated>>20, got1009, got1013,
				float64(res.rss)/(1<<20), float64(res.heap)/(1<<20), float64(res.goal)/(1<<20), res.extra)
		})
	}
}

// bombServer is the child process serving the bombs.
type bombServer struct {
	addr  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

func startBombServer(b *testing.B, mode string) *bombServer {
	cmd := exec.Command(os.Args[0], "-test.run=^TestInflateBombServer$", "-test.count=1")
	cmd.Env = append(os.Environ(), bombServerEnv+"="+mode)
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
	s := &bombServer{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}
	b.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	for s.lines.Scan() {
		if v, ok := strings.CutPrefix(s.lines.Text(), "BOMB-SERVER "); ok {
			s.addr = v
			return s
		}
	}
	b.Fatalf("bomb server did not start: %v", s.lines.Err())
	return nil
}

func (s *bombServer) report(b *testing.B) bombResult {
	if _, err := io.WriteString(s.stdin, "REPORT\n"); err != nil {
		b.Fatal(err)
	}
	for s.lines.Scan() {
		v, ok := strings.CutPrefix(s.lines.Text(), "BOMB-REPORT ")
		if !ok {
			continue
		}
		var r bombResult
		f := strings.Fields(v)
		if len(f) < 3 {
			b.Fatalf("bad report %q", v)
		}
		r.rss, _ = strconv.ParseInt(f[0], 10, 64)
		r.heap, _ = strconv.ParseInt(f[1], 10, 64)
		r.goal, _ = strconv.ParseInt(f[2], 10, 64)
		r.extra = strings.Join(f[3:], " ")
		return r
	}
	b.Fatalf("bomb server gave no report: %v", s.lines.Err())
	return bombResult{}
}

// runBombs sends one bomb from each of bombClients connections at once and
// returns the close code each got.
func runBombs(b *testing.B, addr string, payload []byte) []int {
	frame := bombFrame(payload)
	codes := make([]int, bombClients)
	errs := make([]error, bombClients)
	var wg sync.WaitGroup
	var start sync.WaitGroup
	start.Add(1)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i], errs[i] = sendBomb(addr, frame, &start)
		}(i)
	}
	start.Done()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			b.Fatalf("bomb %d: %v", i, err)
		}
	}
	return codes
}

// bombFrame is a masked (zero key), compressed, final binary frame.
func bombFrame(payload []byte) []byte {
	hdr := []byte{0x80 | 0x40 | ws.OpBinary, 0x80 | 127}
	hdr = binary.BigEndian.AppendUint64(hdr, uint64(len(payload)))
	hdr = append(hdr, 0, 0, 0, 0)
	return append(hdr, payload...)
}

// sendBomb opens a connection with permessage-deflate, waits for start,
// sends the bomb and returns the code of the server's close frame.
func sendBomb(addr string, frame []byte, start *sync.WaitGroup) (int, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		start.Wait()
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) + "\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		start.Wait()
		return 0, err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		start.Wait()
		return 0, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || !strings.Contains(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		start.Wait()
		return 0, fmt.Errorf("handshake: %s, extensions %q", resp.Status, resp.Header.Get("Sec-WebSocket-Extensions"))
	}
	start.Wait()
	go func() { _, _ = c.Write(frame) }() // the server stops reading it early
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return 0, fmt.Errorf("reading the server's close: %w", err)
		}
		n := int64(h[1] & 0x7f)
		switch n {
		case 126:
			var l [2]byte
			if _, err := io.ReadFull(br, l[:]); err != nil {
				return 0, err
			}
			n = int64(binary.BigEndian.Uint16(l[:]))
		case 127:
			var l [8]byte
			if _, err := io.ReadFull(br, l[:]); err != nil {
				return 0, err
			}
			n = int64(binary.BigEndian.Uint64(l[:]))
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(br, p); err != nil {
			return 0, err
		}
		if h[0]&0x0f != ws.OpClose {
			continue
		}
		if len(p) < 2 {
			return 0, fmt.Errorf("close frame without a code")
		}
		code := int(binary.BigEndian.Uint16(p))
		// Answer the close (masked, zero key) so the handshake completes.
		_, _ = c.Write([]byte{0x80 | ws.OpClose, 0x80 | 2, 0, 0, 0, 0, p[0], p[1]})
		return code, nil
	}
}

// TestInflateBombServer is the child process of BenchmarkInflateBomb: it
// serves permessage-deflate with default options (FailByDrop off, so that
// clients see the close code), samples the heap, and on "REPORT" prints
// "BOMB-REPORT <VmHWM> <peak heap objects> <peak heap goal> [details]".
func TestInflateBombServer(t *testing.T) {
	mode := os.Getenv(bombServerEnv)
	if mode == "" {
		t.Skip("child process of BenchmarkInflateBomb")
	}
	o := ws.DefaultOptions()
	o.PerMessageDeflate = &ws.DeflateOptions{}
	o.FailByDrop = false
	extra := bombServerOptions(o, mode)
	srv := ws.NewServer(func() ws.Handler { return &ws.BaseHandler{} }, o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()

	var peakHeap, peakGoal atomic.Int64
	stop := make(chan struct{})
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/goal:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := int64(s[0].Value.Uint64()); v > peakHeap.Load() {
				peakHeap.Store(v)
			}
			if v := int64(s[1].Value.Uint64()); v > peakGoal.Load() {
				peakGoal.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	fmt.Printf("BOMB-SERVER %s\n", ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "REPORT" {
			fmt.Printf("BOMB-REPORT %d %d %d %s\n", vmHWM(), peakHeap.Load(), peakGoal.Load(), extra())
		}
	}
	close(stop)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// vmHWM is this process's peak resident set size in bytes, from
// /proc/self/status (0 when unavailable).
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
