package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonPath is the interpreter with Debian's python3-autobahn. The python3
// on PATH may be another interpreter without it, so it is never used.
const pythonPath = "/usr/bin/python3"

// pyStartTimeout bounds the start of a Python process (importing Twisted
// takes a second or two on a loaded machine).
const pyStartTimeout = 30 * time.Second

// isCI reports whether the tests run under CI, where a missing peer is a
// failure rather than a skip.
func isCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false" && v != "no"
}

var autobahnProbe struct {
	once sync.Once
	err  error
}

// requireAutobahn skips the test (fails it under CI) unless /usr/bin/python3
// can import autobahn and twisted.
func requireAutobahn(t *testing.T) {
	t.Helper()
	autobahnProbe.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), pyStartTimeout)
		defer cancel()
		out, err := exec.CommandContext(ctx, pythonPath, "-c", "import autobahn, twisted").CombinedOutput()
		if err != nil {
			autobahnProbe.err = fmt.Errorf("%s cannot import autobahn and twisted: %v: %s", pythonPath, err, bytes.TrimSpace(out))
		}
	})
	if err := autobahnProbe.err; err != nil {
		const fix = "install with: apt-get install -y python3-autobahn python3-twisted (or make deps-interop)"
		if isCI() {
			t.Fatalf("interop: %v; %s (CI is set, so this fails instead of skipping)", err, fix)
		}
		t.Skipf("interop: %v; %s", err, fix)
	}
}

var pmceProbe struct {
	once  sync.Once
	names map[string]bool
	err   error
}

// requireExtension skips the test (fails it under CI) unless py/pmce.py
// reports that Autobahn|Python can use the compression extension name
// ("snappy", "brotli") here: python3-snappy and python3-brotli must be
// installed.
func requireExtension(t *testing.T, name string) {
	t.Helper()
	requireAutobahn(t)
	pmceProbe.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), pyStartTimeout)
		defer cancel()
		out, err := exec.CommandContext(ctx, pythonPath, script(t, "pmce.py")).CombinedOutput()
		if err != nil {
			pmceProbe.err = fmt.Errorf("py/pmce.py: %v: %s", err, bytes.TrimSpace(out))
			return
		}
		pmceProbe.names = map[string]bool{}
		for _, n := range strings.Fields(string(out)) {
			pmceProbe.names[n] = true
		}
	})
	err := pmceProbe.err
	if err == nil && !pmceProbe.names[name] {
		err = fmt.Errorf("Autobahn|Python cannot use permessage-%s here (py/pmce.py found only %v)", name, pmceProbe.names)
	}
	if err != nil {
		const fix = "install with: apt-get install -y python3-snappy python3-brotli (or make deps-interop)"
		if isCI() {
			t.Fatalf("interop: %v; %s (CI is set, so this fails instead of skipping)", err, fix)
		}
		t.Skipf("interop: %v; %s", err, fix)
	}
}

// requireCompression calls requireExtension for a variant's extension
// other than permessage-deflate.
func requireCompression(t *testing.T, p *pmdParams) {
	t.Helper()
	if p != nil && p.Extension != "permessage-deflate" {
		requireExtension(t, strings.TrimPrefix(p.Extension, "permessage-"))
	}
}

// script returns the absolute path of a script in py/.
func script(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("py", name))
	require.NoError(t, err)
	return p
}

// lockedBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pyEvent is one JSON event line printed by py/server.py.
type pyEvent struct {
	Event      string              `json:"event"`
	Path       string              `json:"path"`
	Params     map[string][]string `json:"params"`
	Protocols  []string            `json:"protocols"`
	Protocol   *string             `json:"protocol"`
	Extensions json.RawMessage     `json:"extensions"`
	Binary     bool                `json:"binary"`
	Len        int                 `json:"len"`
	Frames     int                 `json:"frames"`
	Payload    string              `json:"payload"`
	PingSent   int64               `json:"ping_sent"` // ping, autopong: Autobahn's decoded send time (Unix ns)
	PingSeq    uint32              `json:"ping_seq"`  // ping, autopong: Autobahn's decoded sequence number
	WasClean   bool                `json:"wasClean"`
	Code       int                 `json:"code"`
	Reason     string              `json:"reason"`
	InWS       int64               `json:"inWS"`  // close: payload bytes received on the wire
	InApp      int64               `json:"inApp"` // close: the same after inflation
}

// pmdParams is the negotiated compression state Autobahn reports (window
// bits only for permessage-deflate).
type pmdParams struct {
	Extension               string `json:"extension"`
	ServerNoContextTakeover bool   `json:"server_no_context_takeover"`
	ClientNoContextTakeover bool   `json:"client_no_context_takeover"`
	ServerMaxWindowBits     int    `json:"server_max_window_bits"`
	ClientMaxWindowBits     int    `json:"client_max_window_bits"`
}

// pyServer is a running py/server.py.
type pyServer struct {
	Port int
	// URL is ws://127.0.0.1:PORT (no path).
	URL string

	mu      sync.Mutex
	events  []pyEvent
	changed chan struct{} // closed and replaced on every new event
	stderr  *lockedBuffer
}

// startPyServer starts py/server.py on a free loopback port with args and
// stops it when the test ends.
func startPyServer(t *testing.T, args ...string) *pyServer {
	t.Helper()
	requireAutobahn(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, pythonPath, append([]string{"-u", script(t, "server.py"), "0"}, args...)...)
	cmd.WaitDelay = 5 * time.Second
	s := &pyServer{changed: make(chan struct{}), stderr: &lockedBuffer{}}
	cmd.Stderr = s.stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start(), "start %s", pythonPath)
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("py/server.py %v stderr:\n%s", args, s.stderr.String())
		}
	})

	portc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		first := true
		for sc.Scan() {
			if first {
				first = false
				portc <- sc.Text()
				continue
			}
			var ev pyEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				ev = pyEvent{Event: "unparsed", Reason: sc.Text()}
			}
			s.mu.Lock()
			s.events = append(s.events, ev)
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
		}
		close(portc)
	}()
	select {
	case line, ok := <-portc:
		require.True(t, ok, "py/server.py exited before printing its port; stderr:\n%s", s.stderr.String())
		s.Port, err = strconv.Atoi(strings.TrimSpace(line))
		require.NoError(t, err, "py/server.py printed %q instead of a port", line)
	case <-time.After(pyStartTimeout):
		t.Fatalf("py/server.py did not print its port within %v; stderr:\n%s", pyStartTimeout, s.stderr.String())
	}
	s.URL = fmt.Sprintf("ws://127.0.0.1:%d", s.Port)
	return s
}

// Events returns a copy of the events seen so far.
func (s *pyServer) Events() []pyEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pyEvent(nil), s.events...)
}

// waitEvent waits for the first event at index >= from that matches pred
// and returns it with its index.
func (s *pyServer) waitEvent(t *testing.T, from int, what string, pred func(pyEvent) bool) (pyEvent, int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		for i := from; i < len(s.events); i++ {
			if pred(s.events[i]) {
				ev := s.events[i]
				s.mu.Unlock()
				return ev, i
			}
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("py/server.py: no %s event within 30s; events: %+v", what, s.Events())
		}
	}
}

// pyCheck is one check of py/client.py's script.
type pyCheck struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// pyClientResult is what py/client.py prints.
type pyClientResult struct {
	OK         bool        `json:"ok"`
	Protocol   *string     `json:"protocol"`
	Extensions []pmdParams `json:"extensions"`
	Checks     []pyCheck   `json:"checks"`
	Pings      []string    `json:"pings"`
	Close      *struct {
		WasClean bool   `json:"wasClean"`
		Code     int    `json:"code"`
		Reason   string `json:"reason"`
	} `json:"close"`
	Stats *struct {
		InWS  int64 `json:"inWS"`  // payload bytes received on the wire
		InApp int64 `json:"inApp"` // the same after inflation
	} `json:"stats"`
}

// pyClientChecks are the names of py/client.py's checks, in order.
var pyClientChecks = []string{
	"text", "binary", "empty text", "empty binary", "1 MiB binary", "1 MiB text",
	"repeats 1 MiB", "fragmented text", "fragmented binary", "ping", "server ping", "close",
}

// runPyClient runs py/client.py against url with args and returns its
// parsed result and exit error (non-nil when a check failed).
func runPyClient(t *testing.T, url string, args ...string) (pyClientResult, error) {
	t.Helper()
	requireAutobahn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, pythonPath, append([]string{"-u", script(t, "client.py"), url, "--timeout", "45"}, args...)...)
	cmd.WaitDelay = 5 * time.Second
	var stdout bytes.Buffer
	stderr := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	runErr := cmd.Run()
	var res pyClientResult
	line := bytes.TrimSpace(stdout.Bytes())
	require.NoError(t, json.Unmarshal(line, &res), "py/client.py %v printed %q (run error %v); stderr:\n%s", args, line, runErr, stderr.String())
	if runErr != nil {
		t.Logf("py/client.py %v: %v; stderr:\n%s", args, runErr, stderr.String())
	}
	return res, runErr
}

// assertCompressed checks what a peer received: compressed well below the
// inflated size with compression (every variant sends ~1 MiB of
// compressible text and repeats), byte for byte the same without.
func assertCompressed(t *testing.T, deflate bool, wire, app int64) {
	t.Helper()
	if deflate {
		assert.Less(t, wire, app*3/4, "with permessage-deflate the peer received %d wire bytes for %d payload bytes", wire, app)
	} else {
		assert.Equal(t, app, wire, "without permessage-deflate wire and payload bytes match")
	}
}
