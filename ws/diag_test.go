package ws

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recLog is a slog.Handler that keeps every record's message and
// attributes.
type recLog struct {
	mu   sync.Mutex
	recs []map[string]string
}

func (h *recLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *recLog) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
	h.mu.Lock()
	h.recs = append(h.recs, m)
	h.mu.Unlock()
	return nil
}
func (h *recLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recLog) WithGroup(string) slog.Handler      { return h }

// find returns the records with message msg.
func (h *recLog) find(msg string) []map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]string
	for _, r := range h.recs {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// diagServer starts a server-side engine with logger lg and a raw peer.
func diagServer(t *testing.T, o *Options, lg *slog.Logger) (*Conn, *recHandler, *rawPeer) {
	t.Helper()
	a, b := tcpPair(t)
	h := newRec()
	c := newConn(connConfig{netConn: a, isServer: true, opts: o, handler: h, logger: lg,
		transport: &TransportDetails{Peer: "tcp4:test"}})
	c.start()
	t.Cleanup(func() { _ = c.CloseNow(); <-c.Done() })
	return c, h, newPeer(t, b, true)
}

func TestDiagnosticsOffByDefault(t *testing.T) {
	lg := &recLog{}
	c, h, p := diagServer(t, testOpts(), slog.New(lg))
	p.send(OpText, true, []byte("quiet"))
	h.nextMsg(t)
	assert.Nil(t, c.diag, "no diagnostics state when the options are off")
	assert.Nil(t, c.Timings())
	assert.Empty(t, lg.find("ws: RX frame"))
	assert.Empty(t, lg.find("ws: RX octets"))
}

func TestLogFrames(t *testing.T) {
	lg := &recLog{}
	o := testOpts()
	o.LogFrames = true
	c, h, p := diagServer(t, o, slog.New(lg))
	long := strings.Repeat("x", 100)
	p.send(OpText, false, []byte("hello"))
	p.send(OpPing, true, []byte("pp"))
	assert.Equal(t, OpPong, p.mustRead().op)
	p.send(OpContinuation, false, nil)
	p.send(OpContinuation, true, []byte(long))
	h.nextMsg(t)
	require.NoError(t, c.SendMessage([]byte{1, 2, 3}, true))
	p.mustRead()

	rx := lg.find("ws: RX frame")
	require.Len(t, rx, 4)
	tests := []struct {
		i                                         int
		opcode, fin, masked, length, payload, rsv string
	}{
		{0, "1", "false", "true", "5", `"hello"`, "0"},
		{1, "9", "true", "true", "2", "7070", "0"},
		{2, "0", "false", "true", "0", `""`, "0"},
		{3, "0", "true", "true", "100", `"` + long[:32] + `"...`, "0"},
	}
	for _, tc := range tests {
		r := rx[tc.i]
		assert.Equal(t, tc.opcode, r["opcode"], "frame %d", tc.i)
		assert.Equal(t, tc.fin, r["fin"], "frame %d", tc.i)
		assert.Equal(t, tc.masked, r["masked"], "frame %d", tc.i)
		assert.Len(t, r["mask"], 8, "frame %d: the key in hex", tc.i)
		assert.Equal(t, tc.length, r["length"], "frame %d", tc.i)
		assert.Equal(t, tc.payload, r["payload"], "frame %d", tc.i)
		assert.Equal(t, tc.rsv, r["rsv"], "frame %d", tc.i)
		assert.Equal(t, "tcp4:test", r["peer"])
	}
	tx := lg.find("ws: TX frame")
	require.Len(t, tx, 2) // pong, message
	assert.Equal(t, "10", tx[0]["opcode"])
	assert.Equal(t, "7070", tx[0]["payload"])
	assert.Equal(t, "2", tx[1]["opcode"])
	assert.Equal(t, "010203", tx[1]["payload"])
	assert.Equal(t, "-", tx[1]["mask"], "a server does not mask")
	assert.Empty(t, lg.find("ws: RX octets"), "LogOctets is separate")
}

func TestLogOctets(t *testing.T) {
	lg := &recLog{}
	o := testOpts()
	o.LogOctets = true
	c, h, p := diagServer(t, o, slog.New(lg))
	p.send(OpBinary, true, []byte{0xAB})
	h.nextMsg(t)
	require.NoError(t, c.SendMessage([]byte("hi"), false))
	p.mustRead()
	var rx, tx string
	for _, r := range lg.find("ws: RX octets") {
		rx += r["octets"]
	}
	for _, r := range lg.find("ws: TX octets") {
		tx += r["octets"]
	}
	// Masked client frame: 82 81 <key> <masked byte>; the server's: 81 02 "hi".
	require.Len(t, rx, 2*7)
	assert.True(t, strings.HasPrefix(rx, "8281"), rx)
	assert.Equal(t, "81026869", tx)
}

func TestTrackTimings(t *testing.T) {
	lg := &recLog{}
	o := testOpts()
	o.TrackTimings = true
	c, h, p := diagServer(t, o, slog.New(lg))
	p.send(OpText, false, []byte("a"))
	time.Sleep(5 * time.Millisecond)
	p.send(OpContinuation, true, []byte("b"))
	h.nextMsg(t)
	require.NoError(t, c.SendMessage([]byte("x"), false))
	tm := c.Timings()
	require.NotNil(t, tm)
	assert.Equal(t, []string{TimingOnMessage, TimingOnMessageBegin, TimingOnOpen, TimingSendMessage}, tm.Keys())
	open, _ := tm.Get(TimingOnOpen)
	begin, _ := tm.Get(TimingOnMessageBegin)
	end, _ := tm.Get(TimingOnMessage)
	send, _ := tm.Get(TimingSendMessage)
	assert.LessOrEqual(t, open, begin)
	assert.LessOrEqual(t, begin, end)
	assert.LessOrEqual(t, end, send)
	took, ok := tm.Diff(TimingOnMessageBegin, TimingOnMessage)
	require.True(t, ok)
	assert.GreaterOrEqual(t, took, 5*time.Millisecond, "the message took the pause between its frames")
	_, ok = tm.Diff(TimingOnOpen, "nope")
	assert.False(t, ok)
	at, ok := tm.Absolute(TimingOnOpen)
	require.True(t, ok)
	assert.WithinDuration(t, time.Now(), at, time.Minute)
	assert.Contains(t, tm.String(), "onOpen=")
	logs := lg.find("ws: message timing")
	require.Len(t, logs, 1)
	assert.Equal(t, "2", logs[0]["length"])
}

func TestTrafficStatsRatios(t *testing.T) {
	tests := []struct {
		s                  TrafficStats
		inC, outC, inO, oO float64
		ok                 bool
	}{
		{s: TrafficStats{}, ok: false},
		{s: TrafficStats{WireOctetsIn: 120, WebSocketOctetsIn: 100, AppOctetsIn: 400,
			WireOctetsOut: 60, WebSocketOctetsOut: 50, AppOctetsOut: 50},
			inC: 0.25, outC: 1, inO: 0.2, oO: 0.2, ok: true},
	}
	for _, tc := range tests {
		for _, f := range []struct {
			get  func() (float64, bool)
			want float64
		}{
			{tc.s.IncomingCompressionRatio, tc.inC}, {tc.s.OutgoingCompressionRatio, tc.outC},
			{tc.s.IncomingWebSocketOverhead, tc.inO}, {tc.s.OutgoingWebSocketOverhead, tc.oO},
		} {
			v, ok := f.get()
			assert.Equal(t, tc.ok, ok)
			assert.InDelta(t, f.want, v, 1e-9)
		}
	}
}

func TestTrafficStatsPreopenAndReset(t *testing.T) {
	client, server, stop := wsPair(t, nil)
	defer stop()
	cs, ss := client.Stats(), server.Stats()
	assert.Greater(t, cs.PreopenWireOctetsOut, uint64(100), "the request")
	assert.Greater(t, cs.PreopenWireOctetsIn, uint64(100), "the 101 response")
	assert.Equal(t, cs.PreopenWireOctetsOut, ss.PreopenWireOctetsIn, "request: sent = received")
	assert.Equal(t, ss.PreopenWireOctetsOut, cs.PreopenWireOctetsIn, "response: sent = received")
	assert.Zero(t, cs.WireOctetsIn+cs.WireOctetsOut, "the handshake is not frame traffic")

	require.NoError(t, client.SendMessage([]byte("0123456789"), true))
	_, _, err := server.ReadMessage(dialCtx(t))
	require.NoError(t, err)
	ss = server.Stats()
	assert.Equal(t, uint64(16), ss.WireOctetsIn)
	o, ok := ss.IncomingWebSocketOverhead()
	require.True(t, ok)
	assert.InDelta(t, 0.6, o, 1e-9, "6 header bytes over 10 payload bytes")

	old := server.ResetStats()
	assert.Equal(t, ss, old, "ResetStats returns what it cleared")
	assert.Equal(t, TrafficStats{}, server.Stats())
	require.NoError(t, client.SendMessage([]byte("ab"), true))
	_, _, err = server.ReadMessage(dialCtx(t))
	require.NoError(t, err)
	assert.Equal(t, uint64(8), server.Stats().WireOctetsIn, "counting goes on from zero")
}
