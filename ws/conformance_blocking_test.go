package ws

// The shared conformance cases again, with our side in blocking mode (no
// Handler: Accept / Dial without one, a goroutine pulling ReadMessage, or
// NextReader, and echoing): the same engine, but messages and the close reach the user
// through a different path. Cases that check callbacks (OnPing/OnPong
// events) do not apply: blocking mode answers pings itself.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// blockingEcho runs our side of a blocking-mode connection: it feeds the
// confHandler's records as the callbacks would, so the harness checks the
// same things; the close comes from ReadMessage's *CloseError.
func blockingEcho(h *confHandler, c *Conn, streamed bool) {
	h.mu.Lock()
	h.conn = c
	h.mu.Unlock()
	h.record(confEvent{kind: "open"})
	if h.openCount.Add(1) == 1 {
		close(h.opened)
	}
	go func() {
		for {
			var (
				isBinary bool
				p        []byte
				err      error
			)
			if streamed {
				var r io.Reader
				if isBinary, r, err = c.NextReader(context.Background()); err == nil {
					p, err = io.ReadAll(r)
				}
			} else {
				isBinary, p, err = c.ReadMessage(context.Background())
			}
			if err != nil {
				var ce *CloseError
				if errors.As(err, &ce) {
					h.OnClose(c, ce.WasClean, ce.Code, ce.Reason)
				} else {
					h.OnClose(c, false, -1, "ReadMessage: not a *CloseError: "+err.Error())
				}
				return
			}
			h.record(confEvent{kind: "message", payload: bytes.Clone(p), binary: isBinary})
			_ = c.SendMessage(p, isBinary)
		}
	}()
}

// startBlockingCase connects the raw peer and our blocking-mode side.
func startBlockingCase(t *testing.T, role rawRole, opts *Options, streamed bool) *confEnv {
	t.Helper()
	h := newConfHandler()
	e := &confEnv{t: t, h: h, role: role, opts: opts}
	if role == rawClient {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := Accept(w, r, opts)
			if err != nil {
				t.Errorf("Accept: %v", err)
				return
			}
			blockingEcho(h, c, streamed)
		})}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
		e.p = rawDial(t, ln.Addr().String())
	} else {
		url, wait := startRawServer(t, rawAnswer101)
		ctx, cancel := context.WithTimeout(context.Background(), rawDeadline)
		defer cancel()
		c, err := Dial(ctx, url, nil, opts)
		require.NoError(t, err, "Dial")
		t.Cleanup(func() { _ = c.CloseNow() })
		blockingEcho(h, c, streamed)
		p, _, err := wait()
		require.NoError(t, err)
		e.p = p
	}
	select {
	case <-h.opened:
	case <-time.After(rawDeadline):
		t.Fatal("blocking connection not opened")
	}
	return e
}

// blockingUnordered are cases whose script expects an echo before a frame
// the engine sends on its own (a pong, a close, a drop). In blocking mode
// the echo is sent by the user's goroutine after ReadMessage returns, while
// the engine goes on reading, so that order is not defined there.
var blockingUnordered = map[string]bool{
	"1-framing/random-split-stream-1":            true,
	"1-framing/random-split-stream-2":            true,
	"1-framing/random-split-stream-3":            true,
	"7-close/after-large-message":                true,
	"5-frag/continuation-after-complete-message": true,
	"8-failbydrop/reserved-opcode":               true,
}

func runBlockingTable(t *testing.T, role rawRole, streamed bool, cases []confCase) {
	for _, c := range cases {
		if c.events != nil || blockingUnordered[c.name] || (c.roles != nil && !containsRole(c.roles, role)) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.bug != "" {
				t.Skip("BUG: " + c.bug)
			}
			opts := confOptions()
			if c.opts != nil {
				c.opts(opts)
			}
			e := startBlockingCase(t, role, opts, streamed)
			for _, s := range c.steps {
				s(e)
			}
			checkOnClose(t, e.h, c.want)
		})
	}
}

// blockingCases: the shared categories worth a second path (framing,
// fragmentation, UTF-8, closing, limits, failing, timeouts); pings are
// covered through blocking mode's own pong answers in the framing streams.
func blockingCases() []confCase {
	var cs []confCase
	cs = append(cs, framingCases()...)
	cs = append(cs, pingCases()...)
	cs = append(cs, fragmentationCases()...)
	cs = append(cs, closeCases()...)
	cs = append(cs, limitCases()...)
	cs = append(cs, lengthCases()...)
	cs = append(cs, failByDropCases()...)
	cs = append(cs, timeoutCases()...)
	for _, c := range utf8Cases() {
		// The every-split variants add little on this path.
		if !bytes.Contains([]byte(c.name), []byte("-split-at-")) {
			cs = append(cs, c)
		}
	}
	return cs
}

func TestConformanceBlockingServer(t *testing.T) {
	t.Parallel()
	runBlockingTable(t, rawClient, false, blockingCases())
}

func TestConformanceBlockingClient(t *testing.T) {
	t.Parallel()
	runBlockingTable(t, rawServer, false, blockingCases())
}

// The same through NextReader (the message streamed to the reader as it
// arrives) instead of ReadMessage.
func TestConformanceNextReaderServer(t *testing.T) {
	t.Parallel()
	runBlockingTable(t, rawClient, true, blockingCases())
}

func TestConformanceNextReaderClient(t *testing.T) {
	t.Parallel()
	runBlockingTable(t, rawServer, true, blockingCases())
}
