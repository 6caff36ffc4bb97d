//go:build unix

// Package browser tests our server against headless Chromium: a page served
// by our HTTP server opens a WebSocket to our ws.Server, echoes text and
// binary messages from 10 B to 1 MiB, closes with 4000 and a reason, and
// posts a JSON report back.
package browser

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

//go:embed page.html
var page []byte

// reportTimeout bounds the whole browser run (start, 8 round trips up to
// 1 MiB, close, report).
const reportTimeout = 90 * time.Second

// report is what page.html posts to /report.
type report struct {
	UserAgent  string `json:"userAgent"`
	Protocol   string `json:"protocol"`
	Extensions string `json:"extensions"`
	Messages   []struct {
		Kind   string `json:"kind"`
		Size   int    `json:"size"`
		OK     bool   `json:"ok"`
		Detail string `json:"detail"`
	} `json:"messages"`
	Close *struct {
		Code     int    `json:"code"`
		Reason   string `json:"reason"`
		WasClean bool   `json:"wasClean"`
	} `json:"close"`
	Errors []string `json:"errors"`
}

// closeInfo is what our OnClose saw.
type closeInfo struct {
	WasClean bool
	Code     int
	Reason   string
}

// echo is our server's handler: echo with type, record everything.
type echo struct {
	ws.BaseHandler
	opened chan *ws.Conn
	req    chan *ws.ConnectionRequest
	msgs   chan ws.IncomingMessage
	closed chan closeInfo
}

func (h *echo) OnConnect(req *ws.ConnectionRequest) (*ws.ConnectionAccept, error) {
	h.req <- req
	for _, p := range req.Protocols {
		if p == "bar" {
			return &ws.ConnectionAccept{Subprotocol: p}, nil
		}
	}
	return &ws.ConnectionAccept{}, nil
}

func (h *echo) OnOpen(c *ws.Conn) { h.opened <- c }

func (h *echo) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	h.msgs <- ws.IncomingMessage{Payload: payload, IsBinary: isBinary}
	_ = c.SendMessage(payload, isBinary)
}

func (h *echo) OnClose(c *ws.Conn, wasClean bool, code int, reason string) {
	h.closed <- closeInfo{WasClean: wasClean, Code: code, Reason: reason}
}

func isCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false" && v != "no"
}

// requireChromium returns the Chromium binary; it skips the test when there
// is none, except under CI where that fails.
func requireChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "chromium not found; install with: apt-get install -y chromium (or make deps-interop)"
	if isCI() {
		t.Fatal(msg + " (CI is set, so this fails instead of skipping)")
	}
	t.Skip(msg)
	return ""
}

// lockedBuffer collects a process's output from its copying goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 { // keep the first MiB
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startChromium runs headless Chromium on url with a fresh profile (and
// the extra flags) and kills its whole process group at test end. The
// returned channel is closed when Chromium exits.
func startChromium(t *testing.T, bin, url string, extra ...string) <-chan struct{} {
	t.Helper()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
		"--disable-extensions", "--no-default-browser-check", "--enable-logging=stderr", "--v=0",
		"--user-data-dir=" + t.TempDir(),
	}
	args = append(append(args, extra...), url)
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	require.NoError(t, cmd.Start(), "start %s", bin)
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		// Chromium forks helpers (zygote, renderer, ...) into its process
		// group; kill the group we created, then wait for the browser.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			t.Errorf("chromium (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("chromium output:\n%s", out.String())
		}
	})
	return exited
}

// pageMux serves page.html at /, wsSrv at /ws and takes the page's report
// at /report (into reports, the first one). seen, when not nil, is told of
// every request the page and its WebSocket make.
func pageMux(wsSrv http.Handler, reports chan<- report, seen func(*http.Request)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.Handle("/ws", wsSrv)
	mux.HandleFunc("POST /report", func(w http.ResponseWriter, r *http.Request) {
		var rep report
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&rep); err != nil {
			http.Error(w, fmt.Sprintf("bad report: %v", err), http.StatusBadRequest)
			return
		}
		select {
		case reports <- rep:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	})
	if seen == nil {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen(r)
		mux.ServeHTTP(w, r)
	})
}

// TestChromiumEcho drives headless Chromium against our server, with
// permessage-deflate accepted and declined, and checks every message made
// the round trip intact, the close code and reason reached our OnClose, the
// browser saw the subprotocol we chose, and deflate was negotiated (or not)
// as configured.
func TestChromiumEcho(t *testing.T) {
	bin := requireChromium(t)
	for _, deflate := range []bool{true, false} {
		t.Run(fmt.Sprintf("deflate=%v", deflate), func(t *testing.T) { testChromiumEcho(t, bin, deflate) })
	}
}

func newEcho() *echo {
	return &echo{
		opened: make(chan *ws.Conn, 8),
		req:    make(chan *ws.ConnectionRequest, 8),
		msgs:   make(chan ws.IncomingMessage, 64),
		closed: make(chan closeInfo, 8),
	}
}

func testChromiumEcho(t *testing.T, bin string, deflate bool) {
	h := newEcho()
	opts := serverOptions(deflate)
	wsSrv := ws.NewServer(func() ws.Handler { return h }, opts)

	reports := make(chan report, 1)
	mux := pageMux(wsSrv, reports, nil)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, wsSrv.Shutdown(ctx), "ws.Server Shutdown")
		assert.NoError(t, hs.Shutdown(ctx), "http.Server Shutdown")
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("http Serve: %v", err)
		}
	})

	exited := startChromium(t, bin, "http://"+ln.Addr().String()+"/")

	var rep report
	select {
	case rep = <-reports:
	case <-exited:
		t.Fatal("chromium exited before the page reported")
	case <-time.After(reportTimeout):
		t.Fatalf("no report from the page within %v", reportTimeout)
	}
	checkEcho(t, h, rep, deflate)
}

// checkEcho checks a page's report rep and what our handler h saw of the
// same run: every round trip intact both ways, the subprotocol, deflate as
// configured, the close code and reason on both sides. It returns the
// WebSocket's opening request and connection as our server saw them.
func checkEcho(t *testing.T, h *echo, rep report, deflate bool) (*ws.ConnectionRequest, *ws.Conn) {
	t.Helper()
	// the browser's view
	assert.Empty(t, rep.Errors, "errors the page saw")
	assert.Contains(t, rep.UserAgent, "Chrome")
	sizes := []int{10, 1000, 65536, 1048576}
	require.Len(t, rep.Messages, 2*len(sizes), "round trips the page made")
	for i, m := range rep.Messages {
		kind := []string{"text", "binary"}[i%2]
		assert.Equal(t, kind, m.Kind, "message %d", i)
		assert.Equal(t, sizes[i/2], m.Size, "message %d", i)
		assert.True(t, m.OK, "%s message of %d bytes did not come back intact: %s", m.Kind, m.Size, m.Detail)
	}
	assert.Equal(t, "bar", rep.Protocol, "subprotocol the browser saw")
	require.NotNil(t, rep.Close)
	assert.True(t, rep.Close.WasClean, "browser saw a clean close")
	assert.Equal(t, 4000, rep.Close.Code, "close code echoed to the browser")
	assert.Equal(t, "browser done ✓", rep.Close.Reason)

	// our view
	req := <-h.req
	assert.Equal(t, "/ws", req.Path)
	assert.Equal(t, []string{"foo", "bar"}, req.Protocols)
	assert.Contains(t, req.Headers.Get("User-Agent"), "HeadlessChrome")
	c := <-h.opened
	checkDeflate(t, deflate, rep.Extensions, req, c)
	for i := range rep.Messages {
		var m ws.IncomingMessage
		select {
		case m = <-h.msgs:
		default:
			t.Fatalf("server saw only %d messages", i)
		}
		assert.Equal(t, i%2 == 1, m.IsBinary, "message %d type on our side", i)
		assert.Len(t, m.Payload, sizes[i/2], "message %d length on our side", i)
	}
	select {
	case cl := <-h.closed:
		assert.Equal(t, closeInfo{WasClean: true, Code: 4000, Reason: "browser done ✓"}, cl)
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose did not run on our side")
	}
	return req, c
}
