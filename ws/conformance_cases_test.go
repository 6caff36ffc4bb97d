package ws

// Conformance suite: harness and the cases shared by both roles.
//
// Each case is a script played by the raw peer (rawpeer_test.go) against
// our implementation: frames sent byte by byte, frames expected back
// (echoes, pongs, the exact close code), and the OnClose our handler must
// see, exactly once. The same table runs against our server (the raw peer
// is a client, conformance_server_test.go) and our client (the raw peer is
// a server, conformance_client_test.go), and most of it again with our side
// in blocking mode (conformance_blocking_test.go). Case names start with the
// Autobahn testsuite category they are modelled on.
//
// Our side runs with Autobahn's defaults except FailByDrop=false (so a
// failure shows its close code on the wire; the 8-failbydrop cases check
// the default) and short timeouts. Run alone with
//
//	go test -race -count=1 -run 'TestRaw|TestUTF8Reference|TestConformance|FuzzConformance' ./ws
//
// (make conformance). A case whose engine behaviour is a known bug carries
// knownBug and is skipped with a "BUG:" message.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// confEvent is one callback seen by confHandler.
type confEvent struct {
	kind    string // "open", "message", "ping", "pong", "rtt", "close"
	payload []byte
	binary  bool
}

func (e confEvent) String() string {
	p := e.payload
	if len(p) > 32 {
		p = p[:32]
	}
	switch e.kind {
	case "message":
		return fmt.Sprintf("message(binary=%v,%d bytes,%q)", e.binary, len(e.payload), p)
	case "ping", "pong":
		return fmt.Sprintf("%s(%q)", e.kind, p)
	}
	return e.kind
}

// confHandler echoes every message with its type and records every callback.
type confHandler struct {
	BaseHandler

	mu     sync.Mutex
	events []confEvent
	conn   *Conn

	opened     chan struct{}
	closed     chan struct{}
	openCount  atomic.Int32
	closeCount atomic.Int32

	// OnClose arguments of the first call, under mu.
	wasClean    bool
	closeCode   int
	closeReason string
}

func newConfHandler() *confHandler {
	return &confHandler{opened: make(chan struct{}), closed: make(chan struct{})}
}

func (h *confHandler) record(e confEvent) {
	h.mu.Lock()
	h.events = append(h.events, e)
	h.mu.Unlock()
}

func (h *confHandler) OnOpen(c *Conn) {
	h.mu.Lock()
	h.conn = c
	h.mu.Unlock()
	h.record(confEvent{kind: "open"})
	if h.openCount.Add(1) == 1 {
		close(h.opened)
	}
}

func (h *confHandler) OnMessage(c *Conn, payload []byte, isBinary bool) {
	h.record(confEvent{kind: "message", payload: bytes.Clone(payload), binary: isBinary})
	_ = c.SendMessage(payload, isBinary)
}

func (h *confHandler) OnPing(c *Conn, payload []byte) {
	h.record(confEvent{kind: "ping", payload: bytes.Clone(payload)})
	h.BaseHandler.OnPing(c, payload)
}

func (h *confHandler) OnPong(_ *Conn, payload []byte) {
	h.record(confEvent{kind: "pong", payload: bytes.Clone(payload)})
}

// OnAutoPingRTT records automatic ping round trips (AutoPingHandler).
func (h *confHandler) OnAutoPingRTT(_ *Conn, rtt time.Duration) {
	h.record(confEvent{kind: "rtt"})
}

func (h *confHandler) OnClose(_ *Conn, wasClean bool, code int, reason string) {
	h.record(confEvent{kind: "close"})
	if h.closeCount.Add(1) == 1 {
		h.mu.Lock()
		h.wasClean, h.closeCode, h.closeReason = wasClean, code, reason
		h.mu.Unlock()
		close(h.closed)
	}
}

func (h *confHandler) snapshot() []confEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]confEvent(nil), h.events...)
}

// confEnv is what a step works with.
type confEnv struct {
	t    *testing.T
	p    *rawConn
	h    *confHandler
	role rawRole // the raw peer's role
	opts *Options
	mark time.Time // set by markTime
}

// our returns our side's connection (available once OnOpen ran).
func (e *confEnv) our() *Conn {
	e.h.mu.Lock()
	defer e.h.mu.Unlock()
	require.NotNil(e.t, e.h.conn, "OnOpen has not run")
	return e.h.conn
}

// step is one action or expectation of a case.
type step func(e *confEnv)

// closeWant is the OnClose a case expects.
type closeWant struct {
	clean       bool
	code        int
	reason      string
	checkReason bool
}

func wantClean(code int, reason string) closeWant {
	return closeWant{clean: true, code: code, reason: reason, checkReason: true}
}

// wantUnclean: the connection was not closed cleanly, so OnClose gets 1006
// (RFC 6455 7.1.5) with a descriptive reason.
func wantUnclean() closeWant { return closeWant{clean: false, code: 1006} }

// confCase is one conformance case.
type confCase struct {
	name   string
	roles  []rawRole // nil: both
	opts   func(o *Options)
	steps  []step
	want   closeWant
	events []string // when non-nil: the message/ping/pong callbacks expected, in order
	bug    string   // non-empty: a known engine bug, reported to the lead; the case is skipped
}

// ---- steps ----

func send(fs ...rawFrame) step {
	return func(e *confEnv) {
		if err := e.p.send(fs...); err != nil {
			e.t.Logf("send: %v (our side may have failed the connection already)", err)
		}
	}
}

func sendChunked(chunk int, pause time.Duration, fs ...rawFrame) step {
	return func(e *confEnv) {
		if err := e.p.writeChunked(rawEncodeAll(e.role, fs...), chunk, pause); err != nil {
			e.t.Logf("sendChunked: %v", err)
		}
	}
}

// sendPartial writes f's header and only the first n bytes of its payload.
func sendPartial(f rawFrame, n int) step {
	return func(e *confEnv) {
		b := f.encode(e.role)
		if err := e.p.write(b[:len(b)-(len(f.Payload)-n)]); err != nil {
			e.t.Logf("sendPartial: %v", err)
		}
	}
}

// sendRandomSplit writes the frames' bytes cut at random boundaries (a
// seeded generator, so a failure can be replayed) with short random pauses,
// so our reader meets partial headers, keys and payloads everywhere.
func sendRandomSplit(seed uint64, fs ...rawFrame) step {
	return func(e *confEnv) {
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		b := rawEncodeAll(e.role, fs...)
		for len(b) > 0 {
			n := 1 + rng.IntN(16)
			if rng.IntN(8) == 0 {
				n = 1 + rng.IntN(4096)
			}
			n = min(n, len(b))
			if err := e.p.write(b[:n]); err != nil {
				e.t.Logf("sendRandomSplit: %v", err)
				return
			}
			b = b[n:]
			if rng.IntN(4) == 0 {
				time.Sleep(time.Duration(rng.IntN(200)) * time.Microsecond)
			}
		}
	}
}

func sendBytes(b []byte) step {
	return func(e *confEnv) {
		if err := e.p.write(b); err != nil {
			e.t.Logf("sendBytes: %v", err)
		}
	}
}

func pause(d time.Duration) step { return func(*confEnv) { time.Sleep(d) } }

// expectMsg expects one data message with this opcode and payload.
func expectMsg(op byte, payload []byte) step {
	return func(e *confEnv) {
		e.t.Helper()
		gotOp, got, _, err := e.p.readMessage()
		require.NoError(e.t, err, "waiting for echo of %d bytes", len(payload))
		require.Equal(e.t, op, gotOp, "message opcode")
		require.True(e.t, bytes.Equal(payload, got), "message payload: got %d bytes %q, want %d bytes %q",
			len(got), clip(got), len(payload), clip(payload))
	}
}

func expectText(s string) step { return expectMsg(rawOpText, []byte(s)) }

// expectFragmented expects one message whose frames all carry at most max
// payload bytes, in exactly frames frames.
func expectFragmented(op byte, payload []byte, max, frames int) step {
	return func(e *confEnv) {
		e.t.Helper()
		gotOp, got, sizes, err := e.p.readMessage()
		require.NoError(e.t, err)
		require.Equal(e.t, op, gotOp)
		require.True(e.t, bytes.Equal(payload, got), "reassembled payload differs")
		for i, n := range sizes {
			require.LessOrEqual(e.t, n, max, "frame %d of %v", i, sizes)
		}
		require.Len(e.t, sizes, frames, "frame sizes %v", sizes)
	}
}

func expectPong(payload string) step {
	return func(e *confEnv) {
		e.t.Helper()
		w, err := e.p.readFrame()
		require.NoError(e.t, err, "waiting for pong %q", clip([]byte(payload)))
		require.Equal(e.t, rawOpPong, w.Opcode, "got %v, want pong", w)
		require.Equal(e.t, payload, string(w.Payload))
	}
}

func expectPing(payload string) step {
	return func(e *confEnv) {
		e.t.Helper()
		w, err := e.p.readFrame()
		require.NoError(e.t, err)
		require.Equal(e.t, rawOpPing, w.Opcode, "got %v, want ping", w)
		require.Equal(e.t, payload, string(w.Payload))
	}
}

// expectClose expects a close frame with code (1005: empty payload); when
// reason is non-nil it must match too.
func expectCloseFrame(code int, reason *string) step {
	return func(e *confEnv) {
		e.t.Helper()
		w, err := e.p.readFrame()
		require.NoError(e.t, err, "waiting for a close frame with code %d", code)
		require.Equal(e.t, rawOpClose, w.Opcode, "got %v, want close %d", w, code)
		gotCode, gotReason := w.closeCode()
		require.Equal(e.t, code, gotCode, "close code (frame %v)", w)
		if reason != nil {
			require.Equal(e.t, *reason, gotReason, "close reason")
		}
	}
}

func expectClose(code int) step { return expectCloseFrame(code, nil) }

func expectCloseReason(code int, reason string) step { return expectCloseFrame(code, &reason) }

// expectDrop expects our side to drop the TCP connection, with no frame
// before.
func expectDrop() step {
	return func(e *confEnv) {
		e.t.Helper()
		require.NoError(e.t, e.p.expectDrop(rawDeadline))
	}
}

// markTime notes the time, for expectDropAfter.
func markTime() step { return func(e *confEnv) { e.mark = time.Now() } }

// expectDropAfter is expectDrop that also checks the drop did not come
// sooner than min after markTime (one of our timeouts at work: mark before
// the action that starts the timer).
func expectDropAfter(min time.Duration) step {
	return func(e *confEnv) {
		e.t.Helper()
		require.False(e.t, e.mark.IsZero(), "expectDropAfter without markTime")
		require.NoError(e.t, e.p.expectDrop(rawDeadline))
		require.GreaterOrEqual(e.t, time.Since(e.mark), min, "dropped before the timeout")
	}
}

// answerPings reads n automatic pings of size bytes and answers each with
// a pong carrying its payload.
func answerPings(n, size int) step {
	return func(e *confEnv) {
		e.t.Helper()
		for i := range n {
			w, err := e.p.readFrame()
			require.NoError(e.t, err, "waiting for auto-ping %d", i)
			require.Equal(e.t, rawOpPing, w.Opcode, "got %v, want an automatic ping", w)
			require.Len(e.t, w.Payload, size, "auto-ping payload")
			send(rfPong(string(w.Payload)))(e)
		}
	}
}

// skipPings reads frames, discarding pings, until one that is not a ping;
// it returns that frame (or the read error).
func skipPings(e *confEnv) (rawWire, error) {
	for {
		w, err := e.p.readFrame()
		if err != nil || w.Opcode != rawOpPing {
			return w, err
		}
	}
}

// expectCloseSkippingPings is expectClose with automatic pings around.
func expectCloseSkippingPings(code int) step {
	return func(e *confEnv) {
		e.t.Helper()
		w, err := skipPings(e)
		require.NoError(e.t, err)
		require.Equal(e.t, rawOpClose, w.Opcode, "got %v", w)
		got, _ := w.closeCode()
		require.Equal(e.t, code, got)
	}
}

// expectDropSkippingPings is expectDrop with automatic pings before it.
func expectDropSkippingPings() step {
	return func(e *confEnv) {
		e.t.Helper()
		w, err := skipPings(e)
		require.Error(e.t, err, "want the TCP connection dropped, got %v", w)
		require.True(e.t, rawConnGone(err), "want the TCP connection dropped: %v", err)
	}
}

// expectEventCount waits until at least n callbacks of kind were seen.
func expectEventCount(kind string, n int) step {
	return func(e *confEnv) {
		e.t.Helper()
		deadline := time.Now().Add(rawDeadline)
		for {
			got := 0
			for _, ev := range e.h.snapshot() {
				if ev.kind == kind {
					got++
				}
			}
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				e.t.Fatalf("%d %s callbacks, want at least %d", got, kind, n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func peerDrop() step { return func(e *confEnv) { e.p.close() } }

// ourDo runs f on our side's connection.
func ourDo(f func(t *testing.T, c *Conn)) step {
	return func(e *confEnv) { f(e.t, e.our()) }
}

// expectOurMasked changes what the raw peer expects of our frames' mask bit.
func expectOurMasked(masked bool) step { return func(e *confEnv) { e.p.ourMasked = masked } }

// closeReply is the close frame our side answers a peer's close with:
// Autobahn replies 1000 without reason unless EchoCloseCodeReason.
func closeReply(o *Options, code int, reason string) step {
	if o.EchoCloseCodeReason {
		return expectCloseFrame(code, &reason)
	}
	return expectCloseReason(1000, "")
}

// endTCP ends a closing handshake at TCP level the RFC way: the server
// drops first, the client waits for it (RFC 6455 7.1.1).
func endTCP() step {
	return func(e *confEnv) {
		if e.role == rawClient {
			expectDrop()(e)
		} else {
			e.p.close()
		}
	}
}

// endClean: the raw peer closes with 1000 "done", our side replies and the
// TCP connection ends; OnClose(true, 1000, "done").
func endClean() step {
	return func(e *confEnv) {
		send(rfClose(1000, "done"))(e)
		closeReply(e.opts, 1000, "done")(e)
		endTCP()(e)
	}
}

// endFail: our side fails the connection with code; the raw peer then
// drops without replying, so OnClose(false, 1006).
func endFail(code int) step {
	return func(e *confEnv) {
		expectClose(code)(e)
		e.p.close()
	}
}

// okCase: steps, then a clean close started by the raw peer.
func okCase(name string, steps ...step) confCase {
	return confCase{name: name, steps: append(steps, endClean()), want: wantClean(1000, "done")}
}

// failCase: steps, then our side must send a close with code.
func failCase(name string, code int, steps ...step) confCase {
	return confCase{name: name, steps: append(steps, endFail(code)), want: wantUnclean()}
}

func (c confCase) with(opts func(*Options)) confCase { c.opts = opts; return c }
func (c confCase) knownBug(why string) confCase      { c.bug = why; return c }
func (c confCase) only(r rawRole) confCase           { c.roles = []rawRole{r}; return c }
func (c confCase) expectEvents(ev ...string) confCase {
	c.events = append([]string{}, ev...)
	return c
}

// confOptions are the suite's base options: Autobahn's defaults, except
// that failing a connection sends a close frame (so the code can be
// checked) and the timeouts are short.
func confOptions() *Options {
	o := DefaultOptions()
	o.FailByDrop = false
	o.CloseHandshakeTimeout = time.Second
	o.ServerConnectionDropTimeout = time.Second
	o.OpenHandshakeTimeout = rawDeadline
	return o
}

func clip(b []byte) []byte {
	if len(b) > 48 {
		return b[:48]
	}
	return b
}

func pattern(n int, text bool) []byte {
	b := make([]byte, n)
	for i := range b {
		if text {
			b[i] = 'a' + byte(i%26)
		} else {
			b[i] = byte(i*31 + i>>8)
		}
	}
	return b
}

// ---- our side ----

// startOurServer serves one Server on a loopback listener; every
// connection gets h.
func startOurServer(t *testing.T, opts *Options, h Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(func() Handler { return h }, opts)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = ln.Close()
		<-served
	})
	return ln.Addr().String()
}

// startCase connects the raw peer and our side for role and returns the
// environment.
func startCase(t *testing.T, role rawRole, opts *Options) *confEnv {
	t.Helper()
	h := newConfHandler()
	return startCaseWith(t, role, opts, h, h)
}

// startCaseWith is startCase with our side's Handler (which records into
// h) given.
func startCaseWith(t *testing.T, role rawRole, opts *Options, h *confHandler, handler Handler) *confEnv {
	t.Helper()
	e := &confEnv{t: t, h: h, role: role, opts: opts}
	if role == rawClient {
		addr := startOurServer(t, opts, handler)
		e.p = rawDial(t, addr)
	} else {
		url, wait := startRawServer(t, rawAnswer101)
		ctx, cancel := context.WithTimeout(context.Background(), rawDeadline)
		defer cancel()
		c, err := Dial(ctx, url, handler, opts)
		require.NoError(t, err, "Dial")
		t.Cleanup(func() { _ = c.CloseNow() })
		p, _, err := wait()
		require.NoError(t, err, "the raw server saw a bad upgrade request")
		e.p = p
	}
	waitOpened(t, h)
	return e
}

// waitOpened waits for OnOpen.
func waitOpened(t *testing.T, h *confHandler) {
	t.Helper()
	select {
	case <-h.opened:
	case <-time.After(rawDeadline):
		t.Fatal("OnOpen was not called")
	}
}

// runConfCase plays c with the raw peer in role.
func runConfCase(t *testing.T, role rawRole, c confCase) {
	if c.bug != "" {
		t.Skip("BUG: " + c.bug)
	}
	opts := confOptions()
	if c.opts != nil {
		c.opts(opts)
	}
	e := startCase(t, role, opts)
	playConfCase(t, e, c)
}

// playConfCase runs a case's steps against its started environment, then
// checks OnClose and, when the case lists them, the callbacks between
// open and close (every transport and mode of the conformance tables).
func playConfCase(t *testing.T, e *confEnv, c confCase) {
	t.Helper()
	for _, s := range c.steps {
		s(e)
	}
	checkOnClose(t, e.h, c.want)
	if c.events != nil {
		var got []string
		for _, ev := range e.h.snapshot() {
			if ev.kind != "open" && ev.kind != "close" && ev.kind != "rtt" {
				got = append(got, ev.String())
			}
		}
		assert.Equal(t, c.events, append([]string{}, got...), "callbacks")
	}
}

// checkOnClose waits for OnClose and checks it ran exactly once, last, with
// the expected arguments.
func checkOnClose(t *testing.T, h *confHandler, want closeWant) {
	t.Helper()
	select {
	case <-h.closed:
	case <-time.After(rawDeadline):
		t.Fatal("OnClose was not called")
	}
	h.mu.Lock()
	c := h.conn
	h.mu.Unlock()
	if c != nil {
		select {
		case <-c.Done():
		case <-time.After(rawDeadline):
			t.Error("Done() not closed after OnClose")
		}
	}
	time.Sleep(5 * time.Millisecond) // room for a wrong second call
	assert.EqualValues(t, 1, h.openCount.Load(), "OnOpen calls")
	assert.EqualValues(t, 1, h.closeCount.Load(), "OnClose calls")
	ev := h.snapshot()
	assert.Equal(t, "close", ev[len(ev)-1].kind, "OnClose is the last callback: %v", ev)
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Equal(t, want.clean, h.wasClean, "OnClose wasClean (code %d, reason %q)", h.closeCode, h.closeReason)
	assert.Equal(t, want.code, h.closeCode, "OnClose code (reason %q)", h.closeReason)
	if want.checkReason {
		assert.Equal(t, want.reason, h.closeReason, "OnClose reason")
	}
}

// runConfTable runs every case of cases that applies to role, in parallel.
func runConfTable(t *testing.T, role rawRole, cases []confCase) {
	seen := map[string]bool{}
	for _, c := range cases {
		if c.roles != nil && !containsRole(c.roles, role) {
			continue
		}
		require.False(t, seen[c.name], "duplicate case name %q", c.name)
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runConfCase(t, role, c)
		})
	}
}

func containsRole(rs []rawRole, r rawRole) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// ---- the shared cases ----

// sharedCases are the cases both roles must pass.
func sharedCases() []confCase {
	var cs []confCase
	cs = append(cs, framingCases()...)
	cs = append(cs, pingCases()...)
	cs = append(cs, rsvCases()...)
	cs = append(cs, opcodeCases()...)
	cs = append(cs, fragmentationCases()...)
	cs = append(cs, utf8Cases()...)
	cs = append(cs, closeCases()...)
	cs = append(cs, limitCases()...)
	cs = append(cs, lengthCases()...)
	cs = append(cs, autoFragmentCases()...)
	cs = append(cs, failByDropCases()...)
	cs = append(cs, timeoutCases()...)
	cs = append(cs, autoPingCases()...)
	cs = append(cs, concurrencyCases()...)
	return cs
}

var confSizes = []int{0, 125, 126, 127, 128, 65535, 65536, 1 << 20}

// 1: framing.
func framingCases() []confCase {
	var cs []confCase
	for _, n := range confSizes {
		txt, bin := pattern(n, true), pattern(n, false)
		cs = append(cs,
			okCase(fmt.Sprintf("1-framing/text-%d", n), send(rfOf(rawOpText, txt)), expectMsg(rawOpText, txt)),
			okCase(fmt.Sprintf("1-framing/binary-%d", n), send(rfBin(bin)), expectMsg(rawOpBinary, bin)),
		)
	}
	for _, n := range []int{125, 126, 65536} {
		txt, bin := pattern(n, true), pattern(n, false)
		chunk, gap := 997, time.Millisecond
		if n < 1000 {
			chunk, gap = 1, 100*time.Microsecond
		}
		cs = append(cs,
			okCase(fmt.Sprintf("1-framing/text-%d-chopped-%d", n, chunk), sendChunked(chunk, gap, rfOf(rawOpText, txt)), expectMsg(rawOpText, txt)),
			okCase(fmt.Sprintf("1-framing/binary-%d-chopped-%d", n, chunk), sendChunked(chunk, gap, rfBin(bin)), expectMsg(rawOpBinary, bin)),
		)
	}
	big := pattern(70000, false)
	cs = append(cs,
		okCase("1-framing/64bit-header-split-3", sendChunked(3, 200*time.Microsecond, rfBin(big[:200])), sendChunked(5000, 0, rfBin(big)),
			expectMsg(rawOpBinary, big[:200]), expectMsg(rawOpBinary, big)),
		okCase("1-framing/two-messages-one-write", send(rfText("first"), rfBin([]byte{0, 1, 2})),
			expectText("first"), expectMsg(rawOpBinary, []byte{0, 1, 2})),
		okCase("1-framing/many-small-messages",
			send(rfText("m1"), rfText("m2"), rfText("m3"), rfText("m4"), rfText("m5")),
			expectText("m1"), expectText("m2"), expectText("m3"), expectText("m4"), expectText("m5")),
		okCase("1-framing/random-split-stream-1", randomStream(1)...),
		okCase("1-framing/random-split-stream-2", randomStream(2)...),
		okCase("1-framing/random-split-stream-3", randomStream(3)...),
		okCase("1-framing/mask-key-zero", send(rfText("zero key").withKey([4]byte{0, 0, 0, 1})), expectText("zero key")),
	)
	return cs
}

// randomStream is a mixed stream of messages, fragments and pings written
// at random boundaries, and the echoes and pongs it must produce.
func randomStream(seed uint64) []step {
	rng := rand.New(rand.NewPCG(seed, 7))
	var fs []rawFrame
	var want []step
	for i := range 40 {
		n := rng.IntN(300)
		if i%10 == 9 {
			n = 70000
		}
		switch rng.IntN(4) {
		case 0:
			p := pattern(n, true)
			fs = append(fs, rfOf(rawOpText, p))
			want = append(want, expectMsg(rawOpText, p))
		case 1:
			p := pattern(n, false)
			fs = append(fs, rfBin(p))
			want = append(want, expectMsg(rawOpBinary, p))
		case 2:
			p := []byte(strings.Repeat("κόσμε", 1+n/10))
			cut := rng.IntN(len(p))
			ping := fmt.Sprintf("ping-%d", i)
			fs = append(fs, rfOf(rawOpText, p[:cut]).more(), rfPing(ping), rfCont(string(p[cut:])))
			want = append(want, expectPong(ping), expectMsg(rawOpText, p))
		default:
			ping := fmt.Sprintf("ping-%d", i)
			fs = append(fs, rfPing(ping))
			want = append(want, expectPong(ping))
		}
	}
	// Written from a goroutine while the echoes are read: our side may
	// block on sending echoes until the raw peer reads them.
	done := make(chan struct{})
	start := func(e *confEnv) {
		go func() {
			defer close(done)
			sendRandomSplit(seed, fs...)(e)
		}()
	}
	wait := func(e *confEnv) {
		select {
		case <-done:
		case <-time.After(rawDeadline):
			e.t.Fatal("random-split writer did not finish")
		}
	}
	return append(append([]step{start}, want...), wait)
}

// 2: pings and pongs.
func pingCases() []confCase {
	bin125 := string(pattern(125, false))
	ten := make([]rawFrame, 10)
	var tenPongs []step
	var tenEvents []string
	for i := range ten {
		ten[i] = rfPing(fmt.Sprintf("ping-%d", i))
		tenPongs = append(tenPongs, expectPong(fmt.Sprintf("ping-%d", i)))
		tenEvents = append(tenEvents, fmt.Sprintf("ping(%q)", fmt.Sprintf("ping-%d", i)))
	}
	return []confCase{
		okCase("2-ping/empty", send(rfPing("")), expectPong("")),
		okCase("2-ping/text", send(rfPing("Hello, world!")), expectPong("Hello, world!")).
			expectEvents(`ping("Hello, world!")`),
		okCase("2-ping/binary-125", send(rfPing(bin125)), expectPong(bin125)),
		okCase("2-ping/binary-125-chopped-1", sendChunked(1, 100*time.Microsecond, rfPing(bin125)), expectPong(bin125)),
		failCase("2-ping/126-bytes", 1002, send(rfOf(rawOpPing, pattern(126, false)))),
		failCase("2-ping/pong-126-bytes", 1002, send(rfOf(rawOpPong, pattern(126, false)))),
		failCase("2-ping/fragmented-ping", 1002, send(rfPing("frag").more(), rfCont("ment"))),
		failCase("2-ping/fragmented-pong", 1002, send(rfPong("frag").more(), rfCont("ment"))),
		okCase("2-ping/unsolicited-pong-ignored", send(rfPong("unsolicited"), rfPing("barrier")), expectPong("barrier")).
			expectEvents(`pong("unsolicited")`, `ping("barrier")`),
		okCase("2-ping/unsolicited-empty-pong-ignored", send(rfPong(""), rfPing("barrier")), expectPong("barrier")).
			expectEvents(`pong("")`, `ping("barrier")`),
		okCase("2-ping/10-in-a-row", append([]step{send(ten...)}, tenPongs...)...).expectEvents(tenEvents...),
		okCase("2-ping/10-in-a-row-chopped", append([]step{sendChunked(1, 0, ten...)}, tenPongs...)...),
		// Our side pings; the raw peer answers; OnPong sees it.
		okCase("2-ping/ours-answered", ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendPing([]byte("ours"))) }),
			expectPing("ours"), send(rfPong("ours"), rfPing("barrier")), expectPong("barrier")).
			expectEvents(`pong("ours")`, `ping("barrier")`),
		okCase("2-ping/ours-126-refused", ourDo(func(t *testing.T, c *Conn) {
			require.Error(t, c.SendPing(pattern(126, false)))
			require.Error(t, c.SendPong(pattern(126, false)))
		}), send(rfPing("barrier")), expectPong("barrier")),
		okCase("2-ping/then-message", send(rfPing("p"), rfText("t")), expectPong("p"), expectText("t")),
	}
}

// 3: reserved bits. The valid message before the bad frame must be
// processed; the ping after it must not be answered.
func rsvCases() []confCase {
	var cs []confCase
	for _, bits := range []byte{rawRSV1, rawRSV2, rawRSV3, rawRSV1 | rawRSV2 | rawRSV3} {
		bad := map[string][]rawFrame{
			"text":         {rfText("bad").rsv(bits)},
			"binary":       {rfBin([]byte{1, 2}).rsv(bits)},
			"ping":         {rfPing("bad").rsv(bits)},
			"pong":         {rfPong("bad").rsv(bits)},
			"close":        {rfClose(1000, "bad").rsv(bits)},
			"continuation": {rfText("frag").more(), rfCont("ment").rsv(bits)},
		}
		for _, kind := range []string{"text", "binary", "ping", "pong", "close", "continuation"} {
			fs := append([]rawFrame{rfText("hello")}, bad[kind]...)
			fs = append(fs, rfPing("after"))
			cs = append(cs, failCase(fmt.Sprintf("3-rsv/rsv%03b-%s", bits, kind), 1002, send(fs...), expectText("hello")))
		}
	}
	cs = append(cs, failCase("3-rsv/rsv1-text-chopped", 1002,
		sendChunked(1, 100*time.Microsecond, rfText("hello"), rfText("bad").rsv(rawRSV1)), expectText("hello")))
	return cs
}

// 4: reserved opcodes 3-7 (data) and 0xB-0xF (control).
func opcodeCases() []confCase {
	var cs []confCase
	for _, op := range []byte{3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF} {
		cs = append(cs,
			failCase(fmt.Sprintf("4-opcode/0x%X-after-message", op), 1002,
				send(rfText("hello"), rfOf(op, []byte("reserved")), rfPing("after")), expectText("hello")),
			failCase(fmt.Sprintf("4-opcode/0x%X-empty-inside-fragmented", op), 1002,
				send(rfText("frag").more(), rfOf(op, nil), rfCont("ment"))),
		)
	}
	return cs
}

// 5: fragmentation.
func fragmentationCases() []confCase {
	hello := "Hello, fragmented world!"
	var oneByte []rawFrame
	for i := range len(hello) {
		f := rfCont(hello[i : i+1])
		if i == 0 {
			f.Opcode = rawOpText
		}
		if i < len(hello)-1 {
			f = f.more()
		}
		oneByte = append(oneByte, f)
	}
	bin := pattern(1000, false)
	var hundred []rawFrame
	for i := 0; i < 100; i++ {
		f := rfCont(string(bin[i*10 : i*10+10]))
		if i == 0 {
			f.Opcode = rawOpBinary
		}
		if i < 99 {
			f = f.more()
		}
		hundred = append(hundred, f)
	}
	big := pattern(200000, false)
	return []confCase{
		okCase("5-frag/text-2", send(rfText("frag").more(), rfCont("ment")), expectText("fragment")),
		okCase("5-frag/binary-2", send(rfBin([]byte{1, 2}).more(), rfCont("\x03\x04")), expectMsg(rawOpBinary, []byte{1, 2, 3, 4})),
		okCase("5-frag/text-1-byte-frames", send(oneByte...), expectText(hello)),
		okCase("5-frag/text-1-byte-frames-chopped", sendChunked(1, 50*time.Microsecond, oneByte...), expectText(hello)),
		okCase("5-frag/binary-100-frames", send(hundred...), expectMsg(rawOpBinary, bin)),
		okCase("5-frag/binary-large-2", send(rfBin(big[:70000]).more(), rfCont(string(big[70000:]))), expectMsg(rawOpBinary, big)),
		okCase("5-frag/empty-frames-fin0", send(rfText("").more(), rfCont("").more(), rfCont("").more(), rfCont("abc")), expectText("abc")),
		okCase("5-frag/all-empty", send(rfText("").more(), rfCont("")), expectText("")),
		okCase("5-frag/binary-all-empty", send(rfBin(nil).more(), rfCont("").more(), rfCont("")), expectMsg(rawOpBinary, []byte{})),
		okCase("5-frag/ping-interleaved", send(rfText("frag1").more(), rfPing("p"), rfCont("frag2")),
			expectPong("p"), expectText("frag1frag2")).expectEvents(`ping("p")`, `message(binary=false,10 bytes,"frag1frag2")`),
		okCase("5-frag/pong-interleaved", send(rfText("frag1").more(), rfPong("q"), rfCont("frag2")),
			expectText("frag1frag2")).expectEvents(`pong("q")`, `message(binary=false,10 bytes,"frag1frag2")`),
		okCase("5-frag/pings-interleaved-chopped", sendChunked(1, 50*time.Microsecond,
			rfText("a").more(), rfPing("1"), rfCont("b").more(), rfPing("2"), rfCont("c")),
			expectPong("1"), expectPong("2"), expectText("abc")),
		okCase("5-frag/ping-between-split-writes", sendPartial(rfText("frag1").more(), 5), pause(2*time.Millisecond),
			send(rfPing("p")), pause(2*time.Millisecond), send(rfCont("frag2")), expectPong("p"), expectText("frag1frag2")),
		failCase("5-frag/continuation-without-start-fin1", 1002, send(rfCont("orphan"))),
		failCase("5-frag/continuation-without-start-fin0", 1002, send(rfCont("orphan").more(), rfCont("x"))),
		failCase("5-frag/continuation-after-complete-message", 1002, send(rfText("a"), rfCont("b")), expectText("a")),
		failCase("5-frag/text-inside-fragmented-text", 1002, send(rfText("frag").more(), rfText("new"))),
		failCase("5-frag/binary-inside-fragmented-text", 1002, send(rfText("frag").more(), rfBin([]byte("new")))),
		failCase("5-frag/text-fin0-inside-fragmented-binary", 1002, send(rfBin([]byte("frag")).more(), rfText("new").more(), rfCont("x"))),
		failCase("5-frag/fragmented-close", 1002, send(rfClose(1000, "frag").more(), rfCont("ment"))),
		failCase("5-frag/ping-continuation", 1002, send(rfPing("a").more())),
	}
}

// utf8Valid are valid strings sent as text (Autobahn 6.2-6.23 style).
var utf8Valid = []struct{ name, s string }{
	{"ascii", "Hello-World"},
	{"latin", "Hello-µ@ßöäüàá-UTF-8!!"},
	{"greek", "κόσμε"},
	{"4-byte", "\U0001D11E\U0001F600"},
	{"nul", "\x00"},
	{"u007f", "\u007f"},
	{"u0080", "\u0080"},
	{"u07ff", "\u07ff"},
	{"u0800", "\u0800"},
	{"ud7ff", "\ud7ff"},
	{"ue000", "\ue000"},
	{"ufffd", "\ufffd"},
	{"uffff", "\uffff"},
	{"u10000", "\U00010000"},
	{"u10ffff", "\U0010FFFF"},
}

// utf8Invalid are invalid byte strings sent as text.
var utf8Invalid = []struct{ name, s string }{
	{"surrogate-in-greek", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"},
	{"lone-continuation-80", "\x80"},
	{"lone-continuation-bf-after-ascii", "ab\xbfcd"},
	{"overlong-slash-2", "\xc0\xaf"},
	{"overlong-slash-3", "\xe0\x80\xaf"},
	{"overlong-slash-4", "\xf0\x80\x80\xaf"},
	{"overlong-c1", "\xc1\xbf"},
	{"overlong-nul", "\xc0\x80"},
	{"overlong-max-3", "\xe0\x9f\xbf"},
	{"overlong-max-4", "\xf0\x8f\xbf\xbf"},
	{"surrogate-high", "\xed\xa0\x80"},
	{"surrogate-low", "\xed\xbf\xbf"},
	{"surrogate-pair", "\xed\xa0\x80\xed\xb0\x80"},
	{"above-10ffff", "\xf4\x90\x80\x80"},
	{"lead-f5", "\xf5\x80\x80\x80"},
	{"lead-f7", "\xf7\xbf\xbf\xbf"},
	{"5-byte", "\xf8\x88\x80\x80\x80"},
	{"fe", "\xfe"},
	{"ff-after-ascii", "Hello\xffWorld"},
	{"missing-continuation", "a\xc2 b"},
	{"truncated-greek", "κόσμε\xce"},
	{"truncated-3", "abc\xe2\x82"},
	{"truncated-4", "\xf4\x8f\xbf"},
}

// 6: UTF-8.
func utf8Cases() []confCase {
	var cs []confCase
	for _, v := range utf8Valid {
		cs = append(cs,
			okCase("6-utf8/valid-"+v.name, send(rfText(v.s)), expectText(v.s)),
			okCase("6-utf8/valid-"+v.name+"-1-byte-frames", send(oneByteFrames(v.s)...), expectText(v.s)),
		)
	}
	for _, v := range []struct{ name, s string }{utf8Valid[1], utf8Valid[2], utf8Valid[3], {"mixed", "a\u07ff\uffff\U0010FFFFz"}} {
		for k := 1; k < len(v.s); k++ {
			cs = append(cs, okCase(fmt.Sprintf("6-utf8/valid-%s-split-at-%d", v.name, k),
				send(rfText(v.s[:k]).more(), rfCont(v.s[k:])), expectText(v.s)))
		}
	}
	for _, v := range utf8Invalid {
		cs = append(cs,
			failCase("6-utf8/invalid-"+v.name, 1007, send(rfText(v.s))),
			failCase("6-utf8/invalid-"+v.name+"-1-byte-frames", 1007, send(oneByteFrames(v.s)...)),
		)
		bad, _ := rawUTF8([]byte(v.s))
		if bad >= 0 {
			// Fail fast: the frame announces the string plus 64 more bytes,
			// only the bytes up to the first invalid one are sent, and the
			// close must come without the rest.
			full := rfText(v.s + strings.Repeat("x", 64))
			cs = append(cs, failCase("6-utf8/invalid-"+v.name+"-fail-fast", 1007, sendPartial(full, bad+1)))
			// Same in a fragmented message whose first frame is valid.
			if bad > 0 {
				cs = append(cs, failCase("6-utf8/invalid-"+v.name+"-fail-fast-fragmented", 1007,
					send(rfText(v.s[:bad]).more()), sendPartial(rfCont(v.s[bad:]+strings.Repeat("x", 64)), 1)))
			}
		}
		for k := 1; k < len(v.s); k++ {
			cs = append(cs, failCase(fmt.Sprintf("6-utf8/invalid-%s-split-at-%d", v.name, k), 1007,
				send(rfText(v.s[:k]).more(), rfCont(v.s[k:]))))
		}
	}
	// A valid message after a valid fragmented one: the validator must be
	// reset between messages.
	cs = append(cs, okCase("6-utf8/state-reset-between-messages",
		send(rfText("\xce").more(), rfCont("\xba"), rfText("ok")), expectText("κ"), expectText("ok")))
	// Binary messages are never validated.
	cs = append(cs, okCase("6-utf8/binary-not-validated", send(rfBin([]byte("\xff\xfe\xed\xa0\x80"))),
		expectMsg(rawOpBinary, []byte("\xff\xfe\xed\xa0\x80"))))
	// A long valid prefix, then one bad byte, fail fast.
	long := strings.Repeat("κόσμε", 2000) + "\xff" + strings.Repeat("a", 10000)
	cs = append(cs, failCase("6-utf8/invalid-after-20k-fail-fast", 1007,
		sendPartial(rfText(long), len(strings.Repeat("κόσμε", 2000))+1)))
	// UTF8ValidateIncoming off: invalid text is delivered as it is.
	cs = append(cs, okCase("6-utf8/validation-off", send(rfText("a\xffb")), expectText("a\xffb")).
		with(func(o *Options) { o.UTF8ValidateIncoming = false }))
	return cs
}

func oneByteFrames(s string) []rawFrame {
	if s == "" {
		return []rawFrame{rfText("")}
	}
	fs := make([]rawFrame, len(s))
	for i := 0; i < len(s); i++ { // bytes, not runes
		f := rfCont(s[i : i+1])
		if i == 0 {
			f.Opcode = rawOpText
		}
		if i < len(s)-1 {
			f = f.more()
		}
		fs[i] = f
	}
	return fs
}

// 7: closing.
func closeCases() []confCase {
	var cs []confCase
	echo := func(o *Options) { o.EchoCloseCodeReason = true }
	for _, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999} {
		for _, echoOn := range []bool{false, true} {
			c := confCase{
				name: fmt.Sprintf("7-close/code-%d-echo-%v", code, echoOn),
				steps: []step{send(rfClose(code, "reason")), func(e *confEnv) {
					closeReply(e.opts, code, "reason")(e)
				}, endTCP()},
				want: wantClean(code, "reason"),
			}
			if echoOn {
				c.opts = echo
			}
			cs = append(cs, c)
		}
	}
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		cs = append(cs, failCase(fmt.Sprintf("7-close/invalid-code-%d", code), 1002, send(rfClose(code, ""))))
	}
	maxReason := strings.Repeat("r", 123)
	greekReason := strings.Repeat("κόσμε", 12) // 120 bytes
	cs = append(cs,
		failCase("7-close/1-byte-payload", 1002, send(rfOf(rawOpClose, []byte{0x03}))),
		confCase{name: "7-close/empty", steps: []step{send(rfOf(rawOpClose, nil)), expectCloseReason(1000, ""), endTCP()},
			want: wantClean(1005, "")},
		confCase{name: "7-close/empty-echo", opts: echo, steps: []step{send(rfOf(rawOpClose, nil)), expectClose(1005), endTCP()},
			want: wantClean(1005, "")},
		failCase("7-close/reason-invalid-utf8", 1007, send(rfClose(1000, "bad\xff"))),
		failCase("7-close/reason-truncated-utf8", 1007, send(rfClose(1000, "κόσμε\xce"))),
		failCase("7-close/reason-surrogate", 1007, send(rfClose(1000, "\xed\xa0\x80"))),
		confCase{name: "7-close/reason-123-bytes-echo", opts: echo,
			steps: []step{send(rfClose(1000, maxReason)), expectCloseReason(1000, maxReason), endTCP()},
			want:  wantClean(1000, maxReason)},
		confCase{name: "7-close/reason-utf8-echo", opts: echo,
			steps: []step{send(rfClose(3000, greekReason)), expectCloseReason(3000, greekReason), endTCP()},
			want:  wantClean(3000, greekReason)},
		failCase("7-close/reason-124-bytes", 1002, send(rfClose(1000, maxReason+"r"))),
		confCase{name: "7-close/data-after-close-ignored",
			steps: []step{send(rfClose(1000, "done"), rfText("after"), rfPing("after")), expectCloseReason(1000, ""), endTCP()},
			want:  wantClean(1000, "done"), events: []string{}},
		confCase{name: "7-close/close-twice",
			steps: []step{send(rfClose(1000, "done"), rfClose(1001, "again")), expectCloseReason(1000, ""), endTCP()},
			want:  wantClean(1000, "done")},
		confCase{name: "7-close/echo-then-close",
			steps: []step{send(rfText("Hello")), expectText("Hello"), send(rfClose(1000, "done")), expectCloseReason(1000, ""), endTCP()},
			want:  wantClean(1000, "done")},
		confCase{name: "7-close/inside-fragmented-message",
			steps: []step{send(rfText("frag").more(), rfClose(1000, "done")), expectCloseReason(1000, ""), endTCP()},
			want:  wantClean(1000, "done"), events: []string{}},
		confCase{name: "7-close/after-large-message",
			steps: []step{send(rfBin(pattern(65536, false)), rfPing("p"), rfClose(1000, "done")),
				expectMsg(rawOpBinary, pattern(65536, false)), expectPong("p"), expectCloseReason(1000, ""), endTCP()},
			want: wantClean(1000, "done")},
		confCase{name: "7-close/tcp-drop", steps: []step{send(rfText("x")), expectText("x"), peerDrop()}, want: wantUnclean()},
		confCase{name: "7-close/tcp-drop-mid-frame", steps: []step{sendPartial(rfBin(pattern(100, false)), 10), pause(5 * time.Millisecond), peerDrop()},
			want: wantUnclean(), events: []string{}},
		confCase{name: "7-close/tcp-drop-mid-header", steps: []step{sendBytes([]byte{0x82}), pause(5 * time.Millisecond), peerDrop()},
			want: wantUnclean()},
		// Our side starts the closing handshake.
		confCase{name: "7-close/ours-1000",
			steps: []step{ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendClose(1000, "bye")) }),
				expectCloseReason(1000, "bye"), send(rfClose(1000, "ok")), endTCP()},
			want: wantClean(1000, "ok")},
		confCase{name: "7-close/ours-4000-peer-empty-reply",
			steps: []step{ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendClose(4000, "custom")) }),
				expectCloseReason(4000, "custom"), send(rfOf(rawOpClose, nil)), endTCP()},
			want: wantClean(1005, "")},
		// Data the peer sent before it saw our close may still be
		// delivered (RFC 6455 5.5.1), but nothing more may be sent: endTCP
		// fails on any frame after our close.
		confCase{name: "7-close/ours-then-peer-data-not-answered",
			steps: []step{ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendClose(1000, "bye")) }),
				expectCloseReason(1000, "bye"), send(rfText("late"), rfPing("late"), rfClose(1000, "ok")), endTCP()},
			want: wantClean(1000, "ok")},
		okCase("7-close/ours-invalid-close-refused", ourDo(func(t *testing.T, c *Conn) {
			for _, code := range []int{999, 1004, 1005, 1006, 1015, 2999, 5000} {
				assert.Error(t, c.SendClose(code, ""), "SendClose(%d)", code)
			}
			assert.Error(t, c.SendClose(1000, strings.Repeat("r", 124)), "124-byte reason")
			assert.Error(t, c.SendClose(1000, "bad\xff"), "reason not UTF-8")
			assert.Error(t, c.SendClose(0, "reason without code"))
		}), send(rfPing("barrier")), expectPong("barrier")),
		confCase{name: "7-close/ours-no-code",
			steps: []step{ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendClose(0, "")) }),
				expectClose(1005), send(rfClose(1000, "ok")), endTCP()},
			want: wantClean(1000, "ok")},
		// A bad answer to our close: we are closing already, so we drop
		// (Autobahn's _fail_connection in STATE_CLOSING), not clean.
		confCase{name: "7-close/ours-then-invalid-code-reply",
			steps: []step{ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendClose(1000, "bye")) }),
				expectCloseReason(1000, "bye"), send(rfClose(1005, "")), expectDrop()},
			want: wantUnclean()},
		confCase{name: "7-close/ours-then-invalid-utf8-reply",
			steps: []step{ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendClose(1000, "bye")) }),
				expectCloseReason(1000, "bye"), send(rfClose(1000, "\xff")), expectDrop()},
			want: wantUnclean()},
		// Options.UTF8ValidateIncoming is documented to cover close reasons
		// too (Autobahn checks them always): off, a bad reason is accepted.
		confCase{name: "7-close/reason-invalid-utf8-validation-off",
			opts:  func(o *Options) { o.UTF8ValidateIncoming = false },
			steps: []step{send(rfClose(1000, "bad\xff")), expectCloseReason(1000, ""), endTCP()},
			want:  wantClean(1000, "bad\xff")},
		// ... but what we send must stay valid: the echo drops the reason.
		confCase{name: "7-close/reason-invalid-utf8-validation-off-echo",
			opts:  func(o *Options) { o.UTF8ValidateIncoming, o.EchoCloseCodeReason = false, true },
			steps: []step{send(rfClose(3000, "bad\xff")), expectCloseReason(3000, ""), endTCP()},
			want:  wantClean(3000, "bad\xff")},
		confCase{name: "7-close/ours-send-after-close-fails",
			steps: []step{ourDo(func(t *testing.T, c *Conn) {
				require.NoError(t, c.SendClose(1000, "bye"))
				require.Error(t, c.SendMessage([]byte("late"), false))
			}), expectCloseReason(1000, "bye"), send(rfClose(1000, "ok")), endTCP()},
			want: wantClean(1000, "ok")},
		// Failing, then the peer completes the closing handshake: clean.
		// Autobahn: _fail_connection without failByDrop leaves wasClean to
		// the closing handshake, and onCloseFrame in STATE_CLOSING sets it
		// true; OnClose gets the peer's code.
		confCase{name: "7-close/fail-then-peer-replies",
			steps: []step{send(rfOf(3, nil)), expectClose(1002), send(rfClose(1002, "reply")), endTCP()},
			want:  wantClean(1002, "reply")},
	)
	return cs
}

// 9: size limits, checked as bytes arrive.
func limitCases() []confCase {
	frameLim := func(o *Options) { o.MaxFramePayloadSize = 1000 }
	msgLim := func(o *Options) { o.MaxMessagePayloadSize = 1000 }
	p1000, p600 := pattern(1000, false), pattern(600, false)
	return []confCase{
		okCase("9-limits/frame-at-limit", send(rfBin(p1000)), expectMsg(rawOpBinary, p1000)).with(frameLim),
		failCase("9-limits/frame-over-limit-announced", 1009, send(rfBin(nil).announce(1001))).with(frameLim),
		failCase("9-limits/frame-huge-announced", 1009, send(rfBin(nil).announce(1<<40))).with(frameLim),
		failCase("9-limits/text-frame-over-limit-announced", 1009, send(rfText("").announce(5000))).with(frameLim),
		okCase("9-limits/frame-limit-fragmented-message-over", send(rfBin(p1000).more(), rfCont(string(p1000)).more(), rfCont("").more(), rfCont("x")),
			expectMsg(rawOpBinary, append(append(append([]byte{}, p1000...), p1000...), 'x'))).with(frameLim),
		okCase("9-limits/message-at-limit", send(rfBin(p600).more(), rfCont(string(p1000[:400]))),
			expectMsg(rawOpBinary, append(append([]byte{}, p600...), p1000[:400]...))).with(msgLim),
		failCase("9-limits/message-over-limit-announced", 1009, send(rfBin(nil).announce(1001))).with(msgLim),
		failCase("9-limits/message-over-limit-second-frame-announced", 1009,
			send(rfBin(p600).more(), rfCont("").announce(600))).with(msgLim),
		failCase("9-limits/text-message-over-limit-many-frames", 1009,
			send(rfText(string(pattern(400, true))).more(), rfCont(string(pattern(400, true))).more(), rfCont("").announce(201))).with(msgLim),
		okCase("9-limits/limit-is-per-message", send(rfBin(p1000), rfBin(p1000)),
			expectMsg(rawOpBinary, p1000), expectMsg(rawOpBinary, p1000)).with(msgLim),
		failCase("9-limits/default-message-limit-announced-2^40", 1009, send(rfBin(nil).announce(1<<40))),
		failCase("9-limits/default-message-limit-announced-16MiB+1", 1009, send(rfBin(nil).announce(DefaultMaxMessagePayloadSize+1))),
		okCase("9-limits/unlimited-frame-limit-is-default", send(rfBin(pattern(1<<20, false))),
			expectMsg(rawOpBinary, pattern(1<<20, false))),
	}
}

// Automatic pings (AutoPingInterval / AutoPingTimeout / AutoPingSize).
func autoPingCases() []confCase {
	answered := func(o *Options) {
		o.AutoPingInterval, o.AutoPingTimeout, o.AutoPingSize = 40*time.Millisecond, 2*time.Second, 12
	}
	unanswered := func(o *Options) {
		o.AutoPingInterval, o.AutoPingTimeout = 40*time.Millisecond, 150*time.Millisecond
	}
	return []confCase{
		{name: "14-autoping/answered", opts: answered,
			steps: []step{answerPings(3, 12), expectEventCount("rtt", 3), send(rfText("still open")),
				func(e *confEnv) {
					// Echo, with automatic pings possibly in between.
					w, err := skipPings(e)
					require.NoError(e.t, err)
					require.Equal(e.t, rawOpText, w.Opcode, "got %v", w)
					require.Equal(e.t, "still open", string(w.Payload))
				},
				send(rfClose(1000, "done")), expectCloseSkippingPings(1000), endTCP()},
			want: wantClean(1000, "done")},
		// No pong: we drop after AutoPingTimeout, no close frame (Autobahn's
		// onAutoPingTimeout), not clean.
		{name: "14-autoping/unanswered-dropped", opts: unanswered,
			steps: []step{expectAutoPing(), expectDropSkippingPings()},
			want:  wantUnclean()},
	}
}

// expectAutoPing expects the first automatic ping with the default
// 12-byte payload in Autobahn's format (8-byte time, 4-byte sequence 1).
func expectAutoPing() step {
	return func(e *confEnv) {
		e.t.Helper()
		w, err := e.p.readFrame()
		require.NoError(e.t, err)
		require.Equal(e.t, rawOpPing, w.Opcode, "got %v", w)
		require.Len(e.t, w.Payload, 12)
		require.Equal(e.t, []byte{0, 0, 0, 1}, w.Payload[8:12], "sequence number")
	}
}

// concurrencyCases: send calls from several goroutines at once, fragmented
// (AutoFragmentSize) while the raw peer pings: frames of one message never
// interleave with another message's (control frames may), every message
// arrives whole, each goroutine's messages in order.
func concurrencyCases() []confCase {
	const senders, perSender, size = 4, 20, 300
	const pings = 20
	msg := func(g, m int) []byte {
		b := []byte(fmt.Sprintf("g%d-m%02d:", g, m))
		for len(b) < size {
			b = append(b, 'a'+byte(g))
		}
		return b
	}
	var pingFrames []rawFrame
	for i := range pings {
		pingFrames = append(pingFrames, rfPing(fmt.Sprintf("c%d", i)))
	}
	start := ourDo(func(t *testing.T, c *Conn) {
		for g := range senders {
			go func() {
				for m := range perSender {
					if err := c.SendMessage(msg(g, m), g%2 == 1); err != nil {
						t.Errorf("SendMessage from goroutine %d: %v", g, err)
						return
					}
				}
			}()
		}
	})
	check := func(e *confEnv) {
		e.t.Helper()
		next := make([]int, senders)
		pongs := 0
		var cur []byte
		var curOp byte
		inMsg := false
		for got := 0; got < senders*perSender || pongs < pings; {
			w, err := e.p.readFrame()
			require.NoError(e.t, err, "after %d messages and %d pongs", got, pongs)
			switch {
			case w.Opcode == rawOpPong:
				require.Equal(e.t, fmt.Sprintf("c%d", pongs), string(w.Payload), "pongs in order")
				pongs++
				continue
			case w.Opcode >= rawOpClose:
				e.t.Fatalf("unexpected %v", w)
			case !inMsg:
				require.NotEqual(e.t, rawOpCont, w.Opcode, "continuation without a message start")
				require.LessOrEqual(e.t, len(w.Payload), 50, "AutoFragmentSize")
				cur, curOp, inMsg = append([]byte(nil), w.Payload...), w.Opcode, true
			default:
				require.Equal(e.t, rawOpCont, w.Opcode, "data frame of another message inside a fragmented one: %v", w)
				require.LessOrEqual(e.t, len(w.Payload), 50, "AutoFragmentSize")
				cur = append(cur, w.Payload...)
			}
			if !w.Fin {
				continue
			}
			inMsg = false
			got++
			var g, m int
			_, err = fmt.Sscanf(string(cur), "g%d-m%02d:", &g, &m)
			require.NoError(e.t, err, "message %q", clip(cur))
			require.True(e.t, g >= 0 && g < senders, "sender %d", g)
			require.Equal(e.t, next[g], m, "goroutine %d's messages in order", g)
			require.Equal(e.t, msg(g, m), cur, "message intact")
			require.Equal(e.t, map[bool]byte{false: rawOpText, true: rawOpBinary}[g%2 == 1], curOp)
			next[g]++
		}
	}
	frag := func(o *Options) { o.AutoFragmentSize = 50 }
	return []confCase{
		okCase("15-concurrency/senders-and-pings", start, send(pingFrames...), check).with(frag),
		okCase("15-concurrency/senders-and-chopped-pings", start, sendChunked(3, 50*time.Microsecond, pingFrames...), check).with(frag),
	}
}

// Length encodings: minimal only, and no 64-bit length with the top bit.
func lengthCases() []confCase {
	return []confCase{
		failCase("10-length/64bit-top-bit", 1002, send(rfBin(nil).announce(-1<<63|5).withLen(rawLen64))),
		failCase("10-length/64bit-all-ones", 1002, send(rfBin(nil).announce(-1).withLen(rawLen64))),
		failCase("10-length/16bit-for-0", 1002, send(rfBin(nil).withLen(rawLen16))),
		failCase("10-length/16bit-for-5", 1002, send(rfText("hello").withLen(rawLen16))),
		failCase("10-length/16bit-for-125", 1002, send(rfBin(pattern(125, false)).withLen(rawLen16))),
		failCase("10-length/64bit-for-5", 1002, send(rfText("hello").withLen(rawLen64))),
		failCase("10-length/64bit-for-126", 1002, send(rfBin(pattern(126, false)).withLen(rawLen64))),
		failCase("10-length/64bit-for-65535", 1002, send(rfBin(pattern(65535, false)).withLen(rawLen64))),
		failCase("10-length/ping-16bit-for-5", 1002, send(rfPing("hello").withLen(rawLen16))),
		failCase("10-length/close-16bit-for-2", 1002, send(rfClose(1000, "").withLen(rawLen16))),
		okCase("10-length/16bit-for-126-ok", send(rfBin(pattern(126, false)).withLen(rawLen16)), expectMsg(rawOpBinary, pattern(126, false))),
		okCase("10-length/64bit-for-65536-ok", send(rfBin(pattern(65536, false)).withLen(rawLen64)), expectMsg(rawOpBinary, pattern(65536, false))),
	}
}

// AutoFragmentSize on send: the raw peer sees frames of at most that size.
func autoFragmentCases() []confCase {
	af := func(o *Options) { o.AutoFragmentSize = 100 }
	var cs []confCase
	for _, tc := range []struct{ n, frames int }{{0, 1}, {1, 1}, {100, 1}, {101, 2}, {1000, 10}, {1001, 11}, {65536, 656}} {
		txt, bin := pattern(tc.n, true), pattern(tc.n, false)
		cs = append(cs,
			okCase(fmt.Sprintf("12-autofrag/text-%d", tc.n), send(rfOf(rawOpText, txt)), expectFragmented(rawOpText, txt, 100, tc.frames)).with(af),
			okCase(fmt.Sprintf("12-autofrag/binary-%d", tc.n), send(rfBin(bin)), expectFragmented(rawOpBinary, bin, 100, tc.frames)).with(af),
		)
	}
	// Multi-byte text may be split inside a code point on the wire; the
	// message still arrives whole.
	greek := strings.Repeat("κόσμε", 50)
	cs = append(cs,
		okCase("12-autofrag/text-multibyte", send(rfText(greek)), expectFragmented(rawOpText, []byte(greek), 7, (len(greek)+6)/7)).
			with(func(o *Options) { o.AutoFragmentSize = 7 }),
		okCase("12-autofrag/ping-not-fragmented", send(rfPing(string(pattern(125, false)))), expectPong(string(pattern(125, false)))).with(af),
		okCase("12-autofrag/off-one-frame", send(rfBin(pattern(100000, false))), expectFragmented(rawOpBinary, pattern(100000, false), 100000, 1)),
	)
	return cs
}

// FailByDrop (the default): failing drops TCP without a close frame.
func failByDropCases() []confCase {
	drop := func(o *Options) { o.FailByDrop = true }
	mk := func(name string, steps ...step) confCase {
		return confCase{name: name, opts: drop, steps: append(steps, expectDrop()), want: wantUnclean()}
	}
	return []confCase{
		mk("8-failbydrop/reserved-opcode", send(rfText("hello"), rfOf(3, nil)), expectText("hello")),
		mk("8-failbydrop/rsv1", send(rfText("x").rsv(rawRSV1))),
		mk("8-failbydrop/invalid-utf8-fail-fast", sendPartial(rfText("ab\xff"+strings.Repeat("x", 64)), 3)),
		mk("8-failbydrop/invalid-close-code", send(rfClose(1005, ""))),
		mk("8-failbydrop/message-too-big", send(rfBin(nil).announce(1<<40))),
		// A normal close still runs the closing handshake.
		okCase("8-failbydrop/normal-close-still-handshakes", send(rfText("x")), expectText("x")).with(drop),
	}
}

// Timeouts of the closing handshake.
func timeoutCases() []confCase {
	short := func(o *Options) { o.CloseHandshakeTimeout = 300 * time.Millisecond }
	return []confCase{
		// The raw peer never answers our close: we drop after
		// CloseHandshakeTimeout.
		{name: "13-timeout/close-handshake-timeout", opts: short,
			steps: []step{markTime(), ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendClose(1000, "bye")) }),
				expectCloseReason(1000, "bye"), expectDropAfter(250 * time.Millisecond)},
			want: wantUnclean()},
		// Same after a failure (FailByDrop off): the peer does not reply.
		{name: "13-timeout/close-handshake-timeout-after-fail", opts: short,
			steps: []step{markTime(), send(rfOf(0xB, nil)), expectClose(1002), expectDropAfter(250 * time.Millisecond)},
			want:  wantUnclean()},
		// The peer answers only with data: still no close, still dropped.
		{name: "13-timeout/close-handshake-timeout-peer-sends-data", opts: short,
			steps: []step{markTime(), ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendClose(1000, "bye")) }),
				expectCloseReason(1000, "bye"), send(rfText("still talking"), rfPing("p")), expectDropAfter(250 * time.Millisecond)},
			want: wantUnclean()},
	}
}
