package ws

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"time"
)

// Diagnostics (Autobahn's logOctets, logFrames and trackTimings). All of
// it hangs off Conn.diag, nil unless an option asks for it, so that with
// the options off the engine pays one nil test per frame and nothing else.

// diagState is a connection's diagnostics.
type diagState struct {
	log     *slog.Logger
	peer    string
	frames  bool     // LogFrames
	timings *Timings // TrackTimings, else nil
	rxText  bool     // the message being received is uncompressed text (read goroutine)
	txText  bool     // the message being sent is uncompressed text (under wmu)
}

// frameExcerpt is how many payload bytes a frame log shows.
const frameExcerpt = 32

// setupDiag sets up the connection's diagnostics (c.diag stays nil when
// all are off).
// With LogOctets it also wraps the socket so that every read and write is
// logged.
func (c *Conn) setupDiag() {
	o := c.opts
	if !o.LogOctets && !o.LogFrames && !o.TrackTimings {
		return
	}
	d := &diagState{log: c.log, frames: o.LogFrames}
	if td := c.td.Load(); td != nil {
		d.peer = td.Peer
	}
	if o.TrackTimings {
		d.timings = newTimings(connEpoch.Add(c.epoch))
	}
	c.diag = d
	if o.LogOctets {
		oc := &octetConn{Conn: c.nc, d: d}
		// Bytes the handshake read past its end are logged as received now.
		if pending := c.br.unread(); len(pending) > 0 {
			d.logOctets("RX", pending)
		}
		c.nc = oc
		c.br.setSource(oc)
	}
}

// octetConn logs every read and write of a socket (LogOctets).
type octetConn struct {
	net.Conn
	d *diagState
}

func (o *octetConn) Read(p []byte) (int, error) {
	n, err := o.Conn.Read(p)
	if n > 0 {
		o.d.logOctets("RX", p[:n])
	}
	return n, err
}

func (o *octetConn) Write(p []byte) (int, error) {
	n, err := o.Conn.Write(p)
	if n > 0 {
		o.d.logOctets("TX", p[:n])
	}
	return n, err
}

// logOctets logs raw socket bytes (Autobahn's logRxOctets/logTxOctets).
func (d *diagState) logOctets(dir string, p []byte) {
	d.log.Debug("ws: "+dir+" octets", "peer", d.peer, "length", len(p), "octets", hex.EncodeToString(p))
}

// logFrame logs one frame (Autobahn's logRxFrame/logTxFrame): its header
// and the first frameExcerpt bytes of its payload (unmasked; as on the
// wire, so compressed when RSV1 is set): quoted for uncompressed text and
// close frames (text set), else in hex.
func (d *diagState) logFrame(dir string, opcode byte, fin bool, rsv byte, masked bool, key [4]byte, length int64, payload []byte, text bool) {
	mask := "-"
	if masked {
		mask = hex.EncodeToString(key[:])
	}
	ex := payload[:min(len(payload), frameExcerpt)]
	var excerpt string
	if text {
		excerpt = fmt.Sprintf("%q", ex)
	} else {
		excerpt = hex.EncodeToString(ex)
	}
	if int64(len(ex)) < length {
		excerpt += "..."
	}
	d.log.Debug("ws: "+dir+" frame", "peer", d.peer, "opcode", opcode, "fin", fin, "rsv", rsv,
		"masked", masked, "mask", mask, "length", length, "payload", excerpt)
}

// rxFrameBegin runs for each received data frame: it logs frames whose
// payload is empty, and arms the log of the others for their first bytes.
func (d *diagState) rxFrameBegin(r *rawReader, h frameHeader) {
	if !d.frames {
		return
	}
	if h.opcode != OpContinuation {
		d.rxText = h.opcode == OpText && h.rsv&rsv1 == 0
	}
	if h.length == 0 {
		d.logFrame("RX", h.opcode, h.fin, h.rsv, h.masked, h.key, 0, nil, d.rxText)
		return
	}
	r.logHdr, r.logFirst = h, true
}

// rxFrameData logs an armed frame with its first payload bytes.
func (d *diagState) rxFrameData(r *rawReader, b []byte) {
	r.logFirst = false
	h := r.logHdr
	d.logFrame("RX", h.opcode, h.fin, h.rsv, h.masked, h.key, h.length, b, d.rxText)
}

// txFrame logs a frame sent (call with wmu held: txText is guarded by it).
func (d *diagState) txFrame(opcode byte, fin bool, rsv byte, masked bool, key [4]byte, payload []byte) {
	if opcode != OpContinuation && !isControl(opcode) {
		d.txText = opcode == OpText && rsv&rsv1 == 0
	}
	text := d.txText
	if isControl(opcode) {
		text = opcode == OpClose
	}
	d.logFrame("TX", opcode, fin, rsv, masked, key, int64(len(payload)), payload, text)
}

// rxControl logs a received control frame (payload unmasked).
func (d *diagState) rxControl(h frameHeader, p []byte) {
	if d.frames {
		d.logFrame("RX", h.opcode, h.fin, h.rsv, h.masked, h.key, h.length, p, h.opcode == OpClose)
	}
}

// track records a timing checkpoint, when TrackTimings is on.
func (d *diagState) track(key string) {
	if d.timings != nil {
		d.timings.Track(key)
	}
}

// messageReceived records and logs the timing of a message received.
func (d *diagState) messageReceived(isBinary bool, size int64) {
	t := d.timings
	if t == nil {
		return
	}
	t.Track(TimingOnMessage)
	took, _ := t.Diff(TimingOnMessageBegin, TimingOnMessage)
	d.log.Debug("ws: message timing", "peer", d.peer, "binary", isBinary, "length", size, "receive", took)
}

// Timing checkpoints a Conn tracks with Options.TrackTimings (Autobahn's
// keys): each holds the time of its latest occurrence.
const (
	TimingOnOpen         = "onOpen"         // the connection opened (before OnOpen runs)
	TimingOnMessageBegin = "onMessageBegin" // the first frame of the latest message arrived
	TimingOnMessage      = "onMessage"      // the latest message was complete (before it is delivered)
	TimingSendMessage    = "sendMessage"    // the latest SendMessage began
)

// Timings are named checkpoints of one connection, each the time since
// the connection started (the end of its opening handshake), as
// Autobahn's trackedTimings (autobahn.util.Tracker) keeps them: Track
// overwrites a key with the time now. Safe for concurrent use.
type Timings struct {
	mu    sync.Mutex
	start time.Time
	marks map[string]time.Duration
}

func newTimings(start time.Time) *Timings {
	return &Timings{start: start, marks: map[string]time.Duration{}}
}

// Track records key at the time now (Autobahn's track).
func (t *Timings) Track(key string) {
	d := time.Since(t.start)
	t.mu.Lock()
	t.marks[key] = d
	t.mu.Unlock()
}

// Get returns the time of key since the connection started, and whether
// it was tracked (Autobahn's tracker[key]).
func (t *Timings) Get(key string) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d, ok := t.marks[key]
	return d, ok
}

// Diff returns the time from startKey to endKey, and whether both were
// tracked (Autobahn's diff with formatted=False).
func (t *Timings) Diff(startKey, endKey string) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok1 := t.marks[startKey]
	b, ok2 := t.marks[endKey]
	return b - a, ok1 && ok2
}

// Absolute returns the wall-clock time at which key was tracked (Autobahn's
// absolute).
func (t *Timings) Absolute(key string) (time.Time, bool) {
	d, ok := t.Get(key)
	if !ok {
		return time.Time{}, false
	}
	return t.start.Add(d), true
}

// Keys returns the tracked keys, sorted.
func (t *Timings) Keys() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]string, 0, len(t.marks))
	for k := range t.marks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// String renders the checkpoints, "key=duration" by key.
func (t *Timings) String() string {
	var b strings.Builder
	for i, k := range t.Keys() {
		if i > 0 {
			b.WriteByte(' ')
		}
		d, _ := t.Get(k)
		fmt.Fprintf(&b, "%s=%v", k, d)
	}
	return b.String()
}

// Timings returns the connection's timing checkpoints, or nil unless
// Options.TrackTimings is on.
func (c *Conn) Timings() *Timings {
	if c.diag == nil {
		return nil
	}
	return c.diag.timings
}
