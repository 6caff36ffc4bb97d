package ws

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testTimeout bounds every wait in the engine tests.
const testTimeout = 5 * time.Second

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t testing.TB) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	a, err = net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	r := <-ch
	require.NoError(t, r.err)
	t.Cleanup(func() { a.Close(); r.c.Close() })
	return a, r.c
}

// testOpts returns default options tuned for tests: no drop on failure (so
// the close code is visible on the wire) and short timeouts.
func testOpts() *Options {
	o := DefaultOptions()
	o.FailByDrop = false
	o.CloseHandshakeTimeout = 2 * time.Second
	o.ServerConnectionDropTimeout = 2 * time.Second
	return o
}

// engine starts a Conn over nc and stops it at the end of the test.
func engine(t testing.TB, nc net.Conn, isServer bool, opts *Options, h Handler, pmd pmdCodec) *Conn {
	t.Helper()
	if opts == nil {
		opts = testOpts()
	}
	c := newConn(connConfig{netConn: nc, isServer: isServer, opts: opts, handler: h, pmd: pmd})
	c.start()
	t.Cleanup(func() {
		_ = c.CloseNow()
		select {
		case <-c.Done():
		case <-time.After(testTimeout):
			t.Errorf("connection did not finish")
		}
	})
	return c
}

// frame is a frame as the raw test peer sees it.
type frame struct {
	fin     bool
	rsv     byte
	op      byte
	masked  bool
	payload []byte
}

func (f frame) closeCode() int {
	if len(f.payload) < 2 {
		return CloseNoStatus
	}
	return int(binary.BigEndian.Uint16(f.payload))
}

// rawPeer is the far end of an engine connection, driven byte by byte. Its
// frame codec is written independently of the engine's.
type rawPeer struct {
	t    testing.TB
	c    net.Conn
	br   *bufio.Reader
	mask bool // mask what it sends (it plays a client)
}

func newPeer(t testing.TB, c net.Conn, mask bool) *rawPeer {
	return &rawPeer{t: t, c: c, br: bufio.NewReader(c), mask: mask}
}

// encode builds a frame; masked frames use a fixed, non-zero key.
func encode(op byte, fin bool, rsv byte, payload []byte, mask bool) []byte {
	b0 := op | rsv<<4
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	var m byte
	if mask {
		m = 0x80
	}
	n := len(payload)
	switch {
	case n < 126:
		out = append(out, m|byte(n))
	case n < 65536:
		out = append(out, m|126, byte(n>>8), byte(n))
	default:
		out = append(out, m|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	if mask {
		key := []byte{0x37, 0xfa, 0x21, 0x3d}
		out = append(out, key...)
		for i, c := range payload {
			out = append(out, c^key[i%4])
		}
		return out
	}
	return append(out, payload...)
}

func (p *rawPeer) send(op byte, fin bool, payload []byte) {
	p.sendRSV(op, fin, 0, payload)
}

func (p *rawPeer) sendRSV(op byte, fin bool, rsv byte, payload []byte) {
	p.t.Helper()
	p.write(encode(op, fin, rsv, payload, p.mask))
}

func (p *rawPeer) write(b []byte) {
	p.t.Helper()
	_ = p.c.SetWriteDeadline(time.Now().Add(testTimeout))
	_, err := p.c.Write(b)
	require.NoError(p.t, err)
}

func closePayload(code int, reason string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(code))
	return append(b, reason...)
}

// readTestFrameHeader reads a frame's first two bytes and its payload
// length (7-bit, 16-bit or 64-bit form) for the tests' independent peers,
// which must not use the engine's own parser.
func readTestFrameHeader(br *bufio.Reader) (h [2]byte, n uint64, err error) {
	if _, err = io.ReadFull(br, h[:]); err != nil {
		return h, 0, err
	}
	n = uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err = io.ReadFull(br, b[:]); err != nil {
			return h, 0, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err = io.ReadFull(br, b[:]); err != nil {
			return h, 0, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	return h, n, nil
}

// read reads one frame (unmasking it).
func (p *rawPeer) read() (frame, error) {
	_ = p.c.SetReadDeadline(time.Now().Add(testTimeout))
	h, n, err := readTestFrameHeader(p.br)
	if err != nil {
		return frame{}, err
	}
	f := frame{fin: h[0]&0x80 != 0, rsv: (h[0] >> 4) & 7, op: h[0] & 0xF, masked: h[1]&0x80 != 0}
	var key [4]byte
	if f.masked {
		if _, err := io.ReadFull(p.br, key[:]); err != nil {
			return f, err
		}
	}
	if n > 64<<20 {
		return f, errors.New("test peer: frame too big")
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(p.br, f.payload); err != nil {
		return f, err
	}
	if f.masked {
		for i := range f.payload {
			f.payload[i] ^= key[i%4]
		}
	}
	return f, nil
}

func (p *rawPeer) mustRead() frame {
	p.t.Helper()
	f, err := p.read()
	require.NoError(p.t, err)
	return f
}

// expectClose reads frames up to a close frame and checks its code.
func (p *rawPeer) expectClose(code int) frame {
	p.t.Helper()
	for {
		f, err := p.read()
		require.NoError(p.t, err, "waiting for close %d", code)
		if f.op == OpClose {
			require.Equal(p.t, code, f.closeCode(), "close code (reason %q)", f.payload)
			return f
		}
	}
}

// expectEOF reads until the connection ends and fails if a frame of type
// op arrives first (op 0xFF: any frame is fine).
func (p *rawPeer) expectEOF(forbid byte) {
	p.t.Helper()
	for {
		f, err := p.read()
		if err != nil {
			require.True(p.t, errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err), "want EOF, got %v", err)
			return
		}
		require.NotEqual(p.t, forbid, f.op, "unexpected frame before EOF")
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && !ne.Timeout()
}

// closeInfo is one OnClose call.
type closeInfo struct {
	wasClean bool
	code     int
	reason   string
}

// message is one OnMessage call.
type message struct {
	payload  []byte
	isBinary bool
}

// recHandler records callbacks.
type recHandler struct {
	BaseHandler
	echo    bool
	mu      sync.Mutex
	opened  int
	pings   [][]byte
	pongs   [][]byte
	msgs    chan message
	closes  chan closeInfo
	rtts    chan time.Duration
	nCloses int
}

func newRec() *recHandler {
	return &recHandler{msgs: make(chan message, 1000), closes: make(chan closeInfo, 10), rtts: make(chan time.Duration, 10)}
}

func (h *recHandler) OnOpen(*Conn) {
	h.mu.Lock()
	h.opened++
	h.mu.Unlock()
}

func (h *recHandler) OnMessage(c *Conn, payload []byte, isBinary bool) {
	h.msgs <- message{payload, isBinary}
	if h.echo {
		_ = c.SendMessage(payload, isBinary)
	}
}

func (h *recHandler) OnPing(c *Conn, payload []byte) {
	h.mu.Lock()
	h.pings = append(h.pings, payload)
	h.mu.Unlock()
	h.BaseHandler.OnPing(c, payload)
}

func (h *recHandler) OnPong(c *Conn, payload []byte) {
	h.mu.Lock()
	h.pongs = append(h.pongs, payload)
	h.mu.Unlock()
}

func (h *recHandler) OnClose(c *Conn, wasClean bool, code int, reason string) {
	h.mu.Lock()
	h.nCloses++
	h.mu.Unlock()
	h.closes <- closeInfo{wasClean, code, reason}
}

func (h *recHandler) OnAutoPingRTT(c *Conn, rtt time.Duration) { h.rtts <- rtt }

func (h *recHandler) nextMsg(t testing.TB) message {
	t.Helper()
	select {
	case m := <-h.msgs:
		return m
	case <-time.After(testTimeout):
		t.Fatal("no message")
		return message{}
	}
}

func (h *recHandler) waitClose(t testing.TB) closeInfo {
	t.Helper()
	select {
	case ci := <-h.closes:
		return ci
	case <-time.After(testTimeout):
		t.Fatal("no OnClose")
		return closeInfo{}
	}
}

// flateCodec is a small permessage-deflate codec for the engine tests
// (no context takeover), built on compress/flate.
type flateCodec struct {
	threshold int
	ended     atomic.Int32
	closed    atomic.Int32
}

var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

func (f *flateCodec) shouldCompress(n int) bool { return n >= f.threshold }

func (f *flateCodec) compress(dst, payload []byte) ([]byte, error) {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	_, _ = w.Write(payload)
	if err := w.Flush(); err != nil {
		return nil, err
	}
	out := b.Bytes()
	return append(dst, out[:len(out)-4]...), nil
}

// tailStripper holds back the last 4 bytes written (the sync-flush tail).
type tailStripper struct {
	w    io.Writer
	hold []byte
}

func (s *tailStripper) Write(p []byte) (int, error) {
	s.hold = append(s.hold, p...)
	if len(s.hold) > 4 {
		n := len(s.hold) - 4
		if _, err := s.w.Write(s.hold[:n]); err != nil {
			return 0, err
		}
		s.hold = s.hold[:copy(s.hold, s.hold[n:])]
	}
	return len(p), nil
}

type flateWriteCloser struct {
	fw *flate.Writer
	ts *tailStripper
}

func (w *flateWriteCloser) Write(p []byte) (int, error) { return w.fw.Write(p) }
func (w *flateWriteCloser) Close() error                { return w.fw.Flush() }

func (f *flateCodec) compressWriter(w io.Writer) io.WriteCloser {
	ts := &tailStripper{w: w}
	fw, _ := flate.NewWriter(ts, flate.BestSpeed)
	return &flateWriteCloser{fw: fw, ts: ts}
}

func (f *flateCodec) decompressReader(r io.Reader) io.Reader {
	// The sync-flush tail, then an empty final stored block so that the
	// inflater ends with io.EOF.
	tail := []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}
	return flate.NewReader(io.MultiReader(r, bytes.NewReader(tail)))
}

func (f *flateCodec) endMessage() { f.ended.Add(1) }
func (f *flateCodec) close()      { f.closed.Add(1) }

// deflate compresses payload as a permessage-deflate peer would.
func deflate(t testing.TB, payload []byte) []byte {
	out, err := (&flateCodec{}).compress(nil, payload)
	require.NoError(t, err)
	return out
}

// inflate decompresses a permessage-deflate payload.
func inflate(t testing.TB, payload []byte) []byte {
	out, err := io.ReadAll((&flateCodec{}).decompressReader(bytes.NewReader(payload)))
	require.NoError(t, err)
	return out
}

// sendResult is how a loop of sends to a peer that never reads ended.
type sendResult struct {
	err  error         // the first failed send's error
	took time.Duration // how long the failed send blocked
	sent int           // sends that succeeded before it
}

// sendUntilFail calls send until it fails, in a goroutine so that a send
// blocked for good fails the test instead of hanging it (the cleanup's
// CloseNow then unblocks it).
func sendUntilFail(t *testing.T, send func() error) sendResult {
	t.Helper()
	done := make(chan sendResult, 1)
	go func() {
		var r sendResult
		for {
			start := time.Now()
			r.err = send()
			r.took = time.Since(start)
			if r.err != nil {
				break
			}
			r.sent++
		}
		done <- r
	}()
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("a send is still blocked 30s after the peer stopped reading")
		return sendResult{}
	}
}
