package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

const testTimeout = 30 * time.Second

// fakeSuite is a fuzzing server in miniature: /getCaseCount says 3,
// /runCase sends each case's messages and closes once all came back,
// /updateReports records the agent and closes.
type fakeSuite struct {
	hang bool // /runCase sends nothing and never closes

	mu      sync.Mutex
	results map[int]bool   // case -> every echo matched
	agents  map[int]string // case -> agent parameter
	reports []string       // agents of /updateReports
	deflate map[int]bool   // case -> compression negotiated
	offered map[int]string // case -> extensions offered, comma-separated
	opened  chan int       // case numbers as they open
}

func caseMessages(n int) []ws.IncomingMessage {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	switch n {
	case 1:
		return []ws.IncomingMessage{{Payload: []byte("hello ✓")}}
	case 2:
		return []ws.IncomingMessage{{Payload: all, IsBinary: true}}
	default:
		return []ws.IncomingMessage{
			{Payload: bytes.Repeat([]byte("€uro "), 10000)},
			{Payload: []byte{}, IsBinary: true},
		}
	}
}

type fakeHandler struct {
	ws.BaseHandler
	s      *fakeSuite
	path   string
	params url.Values
	want   []ws.IncomingMessage
	got    []ws.IncomingMessage
}

func (h *fakeHandler) OnConnect(req *ws.ConnectionRequest) (*ws.ConnectionAccept, error) {
	h.path, h.params = req.Path, req.Params
	return nil, nil
}

func (h *fakeHandler) OnOpen(c *ws.Conn) {
	s := h.s
	switch h.path {
	case "/getCaseCount":
		_ = c.SendMessage([]byte("3"), false)
		_ = c.SendClose(1000, "")
	case "/runCase":
		n, _ := strconv.Atoi(h.params.Get("case"))
		s.mu.Lock()
		s.agents[n] = h.params.Get("agent")
		s.deflate[n] = c.Compressed()
		var names []string
		for _, e := range c.Request().Extensions {
			names = append(names, e.Name)
		}
		s.offered[n] = strings.Join(names, ",")
		s.mu.Unlock()
		s.opened <- n
		if s.hang {
			return
		}
		h.want = caseMessages(n)
		for _, m := range h.want {
			_ = c.SendMessage(m.Payload, m.IsBinary)
		}
	case "/updateReports":
		s.mu.Lock()
		s.reports = append(s.reports, h.params.Get("agent"))
		s.mu.Unlock()
		_ = c.SendClose(1000, "")
	default:
		_ = c.SendClose(1008, "unknown path")
	}
}

func (h *fakeHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	if h.path != "/runCase" {
		return
	}
	h.got = append(h.got, ws.IncomingMessage{Payload: payload, IsBinary: isBinary})
	if len(h.got) < len(h.want) {
		return
	}
	ok := true
	for i := range h.want {
		ok = ok && h.want[i].IsBinary == h.got[i].IsBinary && bytes.Equal(h.want[i].Payload, h.got[i].Payload)
	}
	n, _ := strconv.Atoi(h.params.Get("case"))
	h.s.mu.Lock()
	h.s.results[n] = ok
	h.s.mu.Unlock()
	_ = c.SendClose(1000, "")
}

// startSuite serves a fakeSuite on loopback and returns its ws:// URL.
func startSuite(t *testing.T, s *fakeSuite) string {
	t.Helper()
	s.results, s.agents, s.deflate, s.opened = map[int]bool{}, map[int]string{}, map[int]bool{}, make(chan int, 16)
	s.offered = map[int]string{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	opts := ws.DefaultOptions()
	opts.PerMessageDeflate = &ws.DeflateOptions{}
	opts.Extensions = []ws.Extension{ws.SnappyExtension(nil), ws.BrotliExtension(nil)}
	srv := ws.NewServer(func() ws.Handler { return &fakeHandler{s: s} }, opts)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		select {
		case <-served:
		case <-time.After(testTimeout):
			t.Error("fake suite did not stop")
		}
	})
	return "ws://" + ln.Addr().String()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestTesteeRunsAllCases(t *testing.T) {
	for _, tc := range []struct {
		flag    string
		offered string // extensions the suite saw offered
	}{
		{"-deflate=true", "permessage-deflate"},
		{"-deflate=false", ""},
		{"-compress=snappy", "permessage-snappy"},
		{"-compress=brotli", "permessage-brotli"},
		{"-compress=brotli,snappy,deflate", "permessage-brotli,permessage-snappy,permessage-deflate"},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			s := &fakeSuite{}
			base := startSuite(t, s)
			c, err := parseFlags([]string{"-url", base + "/", "-agent", "test agent/1", tc.flag}, io.Discard)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			require.NoError(t, run(ctx, c, quiet()))

			s.mu.Lock()
			defer s.mu.Unlock()
			assert.Equal(t, map[int]bool{1: true, 2: true, 3: true}, s.results, "cases echoed intact")
			assert.Equal(t, map[int]string{1: "test agent/1", 2: "test agent/1", 3: "test agent/1"}, s.agents)
			assert.Equal(t, []string{"test agent/1"}, s.reports, "updateReports calls")
			on := tc.offered != ""
			assert.Equal(t, map[int]bool{1: on, 2: on, 3: on}, s.deflate, "compression negotiated")
			assert.Equal(t, map[int]string{1: tc.offered, 2: tc.offered, 3: tc.offered}, s.offered)
		})
	}
	_, err := parseFlags([]string{"-compress", "bzip2"}, io.Discard)
	assert.Error(t, err, "unknown extension")
}

func TestTesteeCaseSubset(t *testing.T) {
	s := &fakeSuite{}
	base := startSuite(t, s)
	c, err := parseFlags([]string{"-url", base, "-agent", "a", "-cases", "2-9"}, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, run(ctx, c, quiet()))
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Equal(t, map[int]bool{2: true, 3: true}, s.results)
}

// TestTesteeCancel checks that cancelling (what SIGINT does) ends a case
// the server never closes, promptly and with context.Canceled.
func TestTesteeCancel(t *testing.T) {
	s := &fakeSuite{hang: true}
	base := startSuite(t, s)
	c, err := parseFlags([]string{"-url", base, "-agent", "a"}, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, c, quiet()) }()
	select {
	case n := <-s.opened:
		assert.Equal(t, 1, n)
	case <-time.After(testTimeout):
		t.Fatal("case 1 never opened")
	}
	cancel()
	select {
	case err := <-done:
		assert.True(t, errors.Is(err, context.Canceled), "run returned %v", err)
	case <-time.After(testTimeout):
		t.Fatal("run did not return after cancel")
	}
}

func TestParseFlagsAndHelpers(t *testing.T) {
	_, err := parseFlags([]string{"-url", "http://x"}, io.Discard)
	assert.Error(t, err, "http scheme rejected")
	_, err = parseFlags([]string{"-agent", ""}, io.Discard)
	assert.Error(t, err, "empty agent rejected")
	c, err := parseFlags(nil, io.Discard)
	require.NoError(t, err)
	assert.True(t, options(c).UTF8ValidateIncoming)
	assert.NotNil(t, options(c).PerMessageDeflate)

	assert.Equal(t, "ws://h:1/base/runCase?agent=a+b&case=7",
		endpoint("ws://h:1/base/", "/runCase", url.Values{"case": {"7"}, "agent": {"a b"}}))

	tests := []struct {
		spec        string
		n           int
		first, last int
		bad         bool
	}{
		{"", 5, 1, 5, false},
		{"2-3", 5, 2, 3, false},
		{"4", 5, 4, 4, false},
		{"2-99", 5, 2, 5, false},
		{"0-2", 5, 0, 0, true},
		{"3-2", 5, 0, 0, true},
		{"x", 5, 0, 0, true},
	}
	for _, tc := range tests {
		first, last, err := caseRange(tc.spec, tc.n)
		if tc.bad {
			assert.Error(t, err, tc.spec)
			continue
		}
		require.NoError(t, err, tc.spec)
		assert.Equal(t, [2]int{tc.first, tc.last}, [2]int{first, last}, tc.spec)
	}
}
