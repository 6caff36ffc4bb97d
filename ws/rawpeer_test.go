package ws

// Raw WebSocket peer for the conformance suite.
//
// Everything in this file is independent of the library's own framing and
// handshake code on purpose: frames are built and decoded byte by byte, the
// opening handshake is written and parsed by hand over a net.Conn, and the
// UTF-8 reference below is a separate state machine. A bug shared by the
// library and its tests can therefore not hide itself.

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rawDeadline bounds every blocking read or write of the raw peer, so a
// broken implementation under test fails a case instead of hanging it.
const rawDeadline = 5 * time.Second

// rawGUID is the RFC 6455 section 1.3 magic string.
const rawGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Opcodes (RFC 6455 section 5.2), spelled out here so the tests do not
// depend on the engine's constants.
const (
	rawOpCont   byte = 0x0
	rawOpText   byte = 0x1
	rawOpBinary byte = 0x2
	rawOpClose  byte = 0x8
	rawOpPing   byte = 0x9
	rawOpPong   byte = 0xA
)

// RSV bits as they sit in the 3-bit RSV field of rawFrame.RSV.
const (
	rawRSV1 byte = 4
	rawRSV2 byte = 2
	rawRSV3 byte = 1
)

// rawRole is the role the raw peer plays: rawClient talks to our server,
// rawServer to our client.
type rawRole int

const (
	rawClient rawRole = iota
	rawServer
)

func (r rawRole) String() string {
	if r == rawClient {
		return "raw-client"
	}
	return "raw-server"
}

// rawMaskMode says whether a raw frame is masked: by role (client frames
// masked, server frames not), or forced on or off.
type rawMaskMode int

const (
	rawMaskByRole rawMaskMode = iota
	rawMaskOn
	rawMaskOff
)

// rawLenEnc selects how the payload length is written: the minimal form RFC
// 6455 requires, or forced 16-bit / 64-bit extended forms.
type rawLenEnc int

const (
	rawLenMinimal rawLenEnc = iota
	rawLen16
	rawLen64
)

// rawFrame is one frame the raw peer writes. Zero value: a final, unmasked
// by role, continuation frame with an empty payload.
type rawFrame struct {
	NotFin   bool   // clear the FIN bit
	RSV      byte   // 3-bit RSV field (rawRSV1|rawRSV2|rawRSV3)
	Opcode   byte   // 4-bit opcode
	Payload  []byte // payload (unmasked)
	Mask     rawMaskMode
	Key      [4]byte // masking key; all zero picks a fixed non-trivial key
	Len      rawLenEnc
	Announce int64 // when > 0 (or HasAnn), the payload length written in the header instead of len(Payload)
	HasAnn   bool
}

func rfOf(op byte, p []byte) rawFrame { return rawFrame{Opcode: op, Payload: p} }
func rfText(s string) rawFrame        { return rfOf(rawOpText, []byte(s)) }
func rfBin(b []byte) rawFrame         { return rfOf(rawOpBinary, b) }
func rfCont(s string) rawFrame        { return rfOf(rawOpCont, []byte(s)) }
func rfPing(s string) rawFrame        { return rfOf(rawOpPing, []byte(s)) }
func rfPong(s string) rawFrame        { return rfOf(rawOpPong, []byte(s)) }

// rfClose builds a close frame with a status code and reason.
func rfClose(code int, reason string) rawFrame {
	p := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(p, uint16(code))
	return rfOf(rawOpClose, append(p, reason...))
}

func (f rawFrame) more() rawFrame         { f.NotFin = true; return f }
func (f rawFrame) rsv(bits byte) rawFrame { f.RSV = bits; return f }
func (f rawFrame) masked(on bool) rawFrame {
	f.Mask = rawMaskOff
	if on {
		f.Mask = rawMaskOn
	}
	return f
}
func (f rawFrame) withLen(e rawLenEnc) rawFrame { f.Len = e; return f }
func (f rawFrame) withKey(k [4]byte) rawFrame   { f.Key = k; return f }

// announce makes the header claim n payload bytes whatever Payload holds.
func (f rawFrame) announce(n int64) rawFrame { f.Announce, f.HasAnn = n, true; return f }

// encode returns the frame's bytes as the given role writes them.
func (f rawFrame) encode(role rawRole) []byte {
	masked := role == rawClient
	switch f.Mask {
	case rawMaskOn:
		masked = true
	case rawMaskOff:
		masked = false
	}
	n := uint64(len(f.Payload))
	if f.HasAnn {
		n = uint64(f.Announce)
	}
	b0 := f.Opcode & 0x0F
	b0 |= (f.RSV & 0x7) << 4
	if !f.NotFin {
		b0 |= 0x80
	}
	var mbit byte
	if masked {
		mbit = 0x80
	}
	out := make([]byte, 0, 14+len(f.Payload))
	enc := f.Len
	if enc == rawLenMinimal {
		switch {
		case n <= 125:
		case n <= 0xFFFF:
			enc = rawLen16
		default:
			enc = rawLen64
		}
	}
	switch enc {
	case rawLenMinimal:
		out = append(out, b0, mbit|byte(n))
	case rawLen16:
		out = append(out, b0, mbit|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	case rawLen64:
		out = append(out, b0, mbit|127)
		out = binary.BigEndian.AppendUint64(out, n)
	}
	if !masked {
		return append(out, f.Payload...)
	}
	key := f.Key
	if key == [4]byte{} {
		key = [4]byte{0x37, 0xfa, 0x21, 0x3d}
	}
	out = append(out, key[:]...)
	start := len(out)
	out = append(out, f.Payload...)
	for i := range f.Payload {
		out[start+i] ^= key[i&3]
	}
	return out
}

// rawEncodeAll concatenates frames as one byte stream.
func rawEncodeAll(role rawRole, fs ...rawFrame) []byte {
	var b []byte
	for _, f := range fs {
		b = append(b, f.encode(role)...)
	}
	return b
}

// rawWire is one frame read from the implementation under test, already
// unmasked.
type rawWire struct {
	Fin     bool
	RSV     byte
	Opcode  byte
	Masked  bool
	Key     [4]byte // masking key (when Masked)
	Payload []byte
	LenForm rawLenEnc // how the length was written
}

// closeCode returns the status code of a close frame, 1005 when it has no
// payload (RFC 6455 section 7.1.5), and the reason.
func (w rawWire) closeCode() (int, string) {
	if len(w.Payload) < 2 {
		return 1005, ""
	}
	return int(binary.BigEndian.Uint16(w.Payload)), string(w.Payload[2:])
}

func (w rawWire) String() string {
	p := w.Payload
	suffix := ""
	if len(p) > 40 {
		p, suffix = p[:40], fmt.Sprintf("...(%d bytes)", len(w.Payload))
	}
	return fmt.Sprintf("frame{fin=%v rsv=%d op=0x%X masked=%v payload=%q%s}", w.Fin, w.RSV, w.Opcode, w.Masked, p, suffix)
}

// errRawTooBig stops decoding absurd lengths from a broken peer.
var errRawTooBig = errors.New("rawpeer: frame payload larger than the decoder's limit")

// rawReadFrame decodes one frame from r without any protocol judgement
// beyond what is needed to find its end.
func rawReadFrame(r io.Reader, maxPayload uint64) (rawWire, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return rawWire{}, err
	}
	w := rawWire{
		Fin:    h[0]&0x80 != 0,
		RSV:    (h[0] >> 4) & 0x7,
		Opcode: h[0] & 0x0F,
		Masked: h[1]&0x80 != 0,
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var e [2]byte
		if _, err := io.ReadFull(r, e[:]); err != nil {
			return w, fmt.Errorf("rawpeer: reading 16-bit length: %w", err)
		}
		n, w.LenForm = uint64(binary.BigEndian.Uint16(e[:])), rawLen16
	case 127:
		var e [8]byte
		if _, err := io.ReadFull(r, e[:]); err != nil {
			return w, fmt.Errorf("rawpeer: reading 64-bit length: %w", err)
		}
		n, w.LenForm = binary.BigEndian.Uint64(e[:]), rawLen64
	}
	if n > maxPayload {
		return w, fmt.Errorf("%w: %d", errRawTooBig, n)
	}
	var key [4]byte
	if w.Masked {
		if _, err := io.ReadFull(r, key[:]); err != nil {
			return w, fmt.Errorf("rawpeer: reading mask key: %w", err)
		}
		w.Key = key
	}
	w.Payload = make([]byte, n)
	if _, err := io.ReadFull(r, w.Payload); err != nil {
		return w, fmt.Errorf("rawpeer: reading %d-byte payload: %w", n, err)
	}
	if w.Masked {
		for i := range w.Payload {
			w.Payload[i] ^= key[i&3]
		}
	}
	return w, nil
}

// rawCheckFrame applies RFC 6455 rules to a frame the implementation under
// test sent: no RSV bits (no extension is negotiated in these tests), a
// known opcode, the expected masking, minimal length encoding, and the
// control frame rules.
func rawCheckFrame(w rawWire, wantMasked bool) error {
	if w.RSV != 0 {
		return fmt.Errorf("rawpeer: RSV bits %03b set on %v", w.RSV, w)
	}
	switch w.Opcode {
	case rawOpCont, rawOpText, rawOpBinary, rawOpClose, rawOpPing, rawOpPong:
	default:
		return fmt.Errorf("rawpeer: reserved opcode in %v", w)
	}
	if w.Masked != wantMasked {
		return fmt.Errorf("rawpeer: masked=%v, want %v: %v", w.Masked, wantMasked, w)
	}
	n := len(w.Payload)
	if (w.LenForm == rawLen16 && n < 126) || (w.LenForm == rawLen64 && n < 0x10000) {
		return fmt.Errorf("rawpeer: non-minimal length encoding of %d bytes", n)
	}
	if w.Opcode >= rawOpClose {
		if !w.Fin {
			return fmt.Errorf("rawpeer: fragmented control frame %v", w)
		}
		if n > 125 {
			return fmt.Errorf("rawpeer: control frame of %d bytes", n)
		}
	}
	if w.Opcode == rawOpClose && n > 0 {
		if n == 1 {
			return fmt.Errorf("rawpeer: close frame with a 1-byte payload")
		}
		code, reason := w.closeCode()
		if !rawValidCloseCode(code) {
			return fmt.Errorf("rawpeer: close code %d may not be sent", code)
		}
		if bad, _ := rawUTF8([]byte(reason)); bad >= 0 || !rawUTF8Complete([]byte(reason)) {
			return fmt.Errorf("rawpeer: close reason %q is not UTF-8", reason)
		}
	}
	return nil
}

// rawValidCloseCode is RFC 6455 section 7.4 plus the IANA registry
// (1012-1014 registered since).
func rawValidCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// rawConn is one raw WebSocket connection after the opening handshake.
type rawConn struct {
	tb   testing.TB
	role rawRole
	nc   net.Conn
	br   *bufio.Reader
	// ourMasked is whether frames from the implementation under test are
	// expected masked (true when the raw peer is the server).
	ourMasked bool
}

func newRawConn(tb testing.TB, role rawRole, nc net.Conn, br *bufio.Reader) *rawConn {
	if tcp, ok := nc.(*net.TCPConn); ok {
		_ = tcp.SetNoDelay(true) // keep split writes split
	}
	return &rawConn{tb: tb, role: role, nc: nc, br: br, ourMasked: role == rawServer}
}

// write writes b with a deadline. Errors are returned, not fatal: after the
// implementation under test failed the connection, writes may fail.
func (p *rawConn) write(b []byte) error {
	_ = p.nc.SetWriteDeadline(time.Now().Add(rawDeadline))
	_, err := p.nc.Write(b)
	return err
}

// writeChunked writes b in pieces of chunk bytes with pause between them, to
// exercise partial reads at every kind of boundary.
func (p *rawConn) writeChunked(b []byte, chunk int, pause time.Duration) error {
	for len(b) > 0 {
		n := min(chunk, len(b))
		if err := p.write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
		if pause > 0 && len(b) > 0 {
			time.Sleep(pause)
		}
	}
	return nil
}

// send writes frames in one write.
func (p *rawConn) send(fs ...rawFrame) error { return p.write(rawEncodeAll(p.role, fs...)) }

// readFrame reads one frame from the implementation under test and checks
// it against the RFC (see rawCheckFrame).
func (p *rawConn) readFrame() (rawWire, error) {
	_ = p.nc.SetReadDeadline(time.Now().Add(rawDeadline))
	w, err := rawReadFrame(p.br, 64<<20)
	if err != nil {
		return w, err
	}
	return w, rawCheckFrame(w, p.ourMasked)
}

// readFrameWithin is readFrame with a shorter deadline.
func (p *rawConn) readFrameWithin(d time.Duration) (rawWire, error) {
	_ = p.nc.SetReadDeadline(time.Now().Add(d))
	w, err := rawReadFrame(p.br, 64<<20)
	if err != nil {
		return w, err
	}
	return w, rawCheckFrame(w, p.ourMasked)
}

// readMessage reads one data message, reassembling fragments; it returns
// the opcode, the payload and the payload size of each frame. Any control
// frame in between is an error (callers that expect one read it first).
func (p *rawConn) readMessage() (byte, []byte, []int, error) {
	var (
		op    byte
		data  []byte
		sizes []int
	)
	for {
		w, err := p.readFrame()
		if err != nil {
			return op, data, sizes, err
		}
		switch {
		case w.Opcode >= rawOpClose:
			return op, data, sizes, fmt.Errorf("rawpeer: control frame inside/instead of a data message: %v", w)
		case len(sizes) == 0 && w.Opcode == rawOpCont:
			return op, data, sizes, fmt.Errorf("rawpeer: continuation frame without a message start: %v", w)
		case len(sizes) > 0 && w.Opcode != rawOpCont:
			return op, data, sizes, fmt.Errorf("rawpeer: new message inside a fragmented one: %v", w)
		}
		if len(sizes) == 0 {
			op = w.Opcode
		}
		data = append(data, w.Payload...)
		sizes = append(sizes, len(w.Payload))
		if w.Fin {
			return op, data, sizes, nil
		}
	}
}

// rawConnGone reports whether err means the other side closed or reset the
// TCP connection.
func rawConnGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed)
}

// expectDrop reads until the implementation under test closes the TCP
// connection. Any frame before that is an error; so is the deadline.
func (p *rawConn) expectDrop(within time.Duration) error {
	_ = p.nc.SetReadDeadline(time.Now().Add(within))
	var one [1]byte
	n, err := p.br.Read(one[:])
	if n > 0 {
		// Decode what follows for a useful message.
		rest, _ := rawReadFrame(io.MultiReader(bytes.NewReader(one[:]), p.br), 1<<20)
		return fmt.Errorf("rawpeer: expected the TCP connection to be dropped, got %v", rest)
	}
	if rawConnGone(err) {
		return nil
	}
	return fmt.Errorf("rawpeer: expected the TCP connection to be dropped within %v: %w", within, err)
}

// close drops the TCP connection (the raw peer's side).
func (p *rawConn) close() { _ = p.nc.Close() }

// rawAcceptKey computes Sec-WebSocket-Accept for key (RFC 6455 section 4.2.2).
func rawAcceptKey(key string) string {
	h := sha1.Sum([]byte(key + rawGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// rawHasToken reports whether a comma-separated header holds token,
// case-insensitively.
func rawHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// rawDialConn opens a TCP connection to addr and performs the opening
// handshake by hand, checking the 101 answer. extra lines (already
// formatted "Name: value") are added to the request; pipelined bytes
// (frames, usually) are written in the same write as the request, before
// the answer is read.
func rawDialConn(tb testing.TB, addr, path string, pipelined []byte, extra ...string) (*rawConn, *http.Response, error) {
	nc, err := net.DialTimeout("tcp", addr, rawDeadline)
	if err != nil {
		return nil, nil, fmt.Errorf("rawpeer: dial %s: %w", addr, err)
	}
	key := base64.StdEncoding.EncodeToString([]byte("conformance-key!")) // 16 bytes
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", path, addr)
	fmt.Fprintf(&req, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", key)
	for _, l := range extra {
		req.WriteString(l + "\r\n")
	}
	req.WriteString("\r\n")
	req.Write(pipelined)
	_ = nc.SetDeadline(time.Now().Add(rawDeadline))
	if _, err := io.WriteString(nc, req.String()); err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("rawpeer: writing upgrade request: %w", err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("rawpeer: reading upgrade response: %w", err)
	}
	_ = nc.SetDeadline(time.Time{})
	switch {
	case resp.StatusCode != http.StatusSwitchingProtocols:
		nc.Close()
		return nil, resp, fmt.Errorf("rawpeer: upgrade answered %s", resp.Status)
	case !rawHasToken(resp.Header, "Upgrade", "websocket"):
		nc.Close()
		return nil, resp, fmt.Errorf("rawpeer: 101 without Upgrade: websocket (%v)", resp.Header)
	case !rawHasToken(resp.Header, "Connection", "upgrade"):
		nc.Close()
		return nil, resp, fmt.Errorf("rawpeer: 101 without Connection: Upgrade (%v)", resp.Header)
	case resp.Header.Get("Sec-WebSocket-Accept") != rawAcceptKey(key):
		nc.Close()
		return nil, resp, fmt.Errorf("rawpeer: Sec-WebSocket-Accept %q, want %q", resp.Header.Get("Sec-WebSocket-Accept"), rawAcceptKey(key))
	}
	return newRawConn(tb, rawClient, nc, br), resp, nil
}

// rawDial is rawDialConn that fails the test on error and closes the
// connection at cleanup.
func rawDial(tb testing.TB, addr string) *rawConn {
	tb.Helper()
	p, _, err := rawDialConn(tb, addr, "/", nil)
	require.NoError(tb, err)
	tb.Cleanup(p.close)
	return p
}

// rawHTTP sends a hand-written HTTP request to addr and returns the parsed
// response with its body read (at most 64 KiB).
func rawHTTP(tb testing.TB, addr, request string) (*http.Response, string) {
	tb.Helper()
	nc, err := net.DialTimeout("tcp", addr, rawDeadline)
	require.NoError(tb, err)
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(rawDeadline))
	_, err = io.WriteString(nc, request)
	require.NoError(tb, err)
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	require.NoError(tb, err)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp, string(body)
}

// rawUpgradeResponder writes the raw server's answer to an upgrade request.
// accept is the correct Sec-WebSocket-Accept value. It returns false when
// the connection must not go on to WebSocket frames.
type rawUpgradeResponder func(w io.Writer, req *http.Request, accept string) bool

// rawAnswer101 is the correct answer.
func rawAnswer101(w io.Writer, _ *http.Request, accept string) bool {
	_, err := fmt.Fprintf(w, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept)
	return err == nil
}

// rawAnswer101With answers correctly and writes pipelined in the same
// write, right behind the 101 response.
func rawAnswer101With(pipelined []byte) rawUpgradeResponder {
	return func(w io.Writer, _ *http.Request, accept string) bool {
		resp := fmt.Sprintf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept)
		_, err := w.Write(append([]byte(resp), pipelined...))
		return err == nil
	}
}

// rawServerResult is what the raw server's accept goroutine hands back.
type rawServerResult struct {
	conn *rawConn
	req  *http.Request
	err  error
}

// startRawServer listens on loopback and serves exactly one connection: it
// reads the client's upgrade request by hand, checks it against RFC 6455
// section 4.1, answers with respond and hands the connection over. It
// returns the ws:// URL and a function that waits for the connection.
func startRawServer(tb testing.TB, respond rawUpgradeResponder) (string, func() (*rawConn, *http.Request, error)) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = ln.Close() })
	ch := make(chan rawServerResult, 1)
	go func() {
		nc, err := ln.Accept()
		_ = ln.Close()
		if err != nil {
			ch <- rawServerResult{err: fmt.Errorf("rawpeer: accept: %w", err)}
			return
		}
		_ = nc.SetDeadline(time.Now().Add(rawDeadline))
		br := bufio.NewReader(nc)
		req, err := http.ReadRequest(br)
		if err != nil {
			_ = nc.Close()
			ch <- rawServerResult{err: fmt.Errorf("rawpeer: reading upgrade request: %w", err)}
			return
		}
		key := req.Header.Get("Sec-WebSocket-Key")
		var problem error
		switch raw, decErr := base64.StdEncoding.DecodeString(key); {
		case req.Method != http.MethodGet:
			problem = fmt.Errorf("rawpeer: upgrade method %s", req.Method)
		case !rawHasToken(req.Header, "Upgrade", "websocket"):
			problem = fmt.Errorf("rawpeer: request without Upgrade: websocket")
		case !rawHasToken(req.Header, "Connection", "upgrade"):
			problem = fmt.Errorf("rawpeer: request without Connection: Upgrade")
		case len(req.Header.Values("Sec-WebSocket-Version")) != 1 || req.Header.Get("Sec-WebSocket-Version") != "13":
			problem = fmt.Errorf("rawpeer: Sec-WebSocket-Version %q", req.Header.Values("Sec-WebSocket-Version"))
		case decErr != nil || len(raw) != 16:
			problem = fmt.Errorf("rawpeer: Sec-WebSocket-Key %q is not 16 bytes in base64", key)
		case req.Host == "":
			problem = fmt.Errorf("rawpeer: request without Host")
		}
		if !respond(nc, req, rawAcceptKey(key)) {
			_ = nc.Close()
			ch <- rawServerResult{req: req, err: problem}
			return
		}
		_ = nc.SetDeadline(time.Time{})
		ch <- rawServerResult{conn: newRawConn(tb, rawServer, nc, br), req: req, err: problem}
	}()
	tb.Cleanup(func() { // a connection nobody waited for
		select {
		case r := <-ch:
			if r.conn != nil {
				r.conn.close()
			}
		default:
		}
	})
	url := "ws://" + ln.Addr().String() + "/conformance"
	wait := func() (*rawConn, *http.Request, error) {
		select {
		case r := <-ch:
			if r.conn != nil {
				tb.Cleanup(r.conn.close)
			}
			return r.conn, r.req, r.err
		case <-time.After(rawDeadline):
			return nil, nil, errors.New("rawpeer: no connection to the raw server")
		}
	}
	return url, wait
}

// rawUTF8 is the test suite's own incremental UTF-8 reference (RFC 3629,
// Unicode table 3-7). It returns the index of the first byte at which b
// stops being a prefix of valid UTF-8 (-1 when it never does) and the state
// to continue from.
func rawUTF8(b []byte) (int, rawUTF8State) {
	var s rawUTF8State
	for i, c := range b {
		if !s.step(c) {
			return i, s
		}
	}
	return -1, s
}

// rawUTF8Complete reports whether b is valid UTF-8 ending on a code point.
func rawUTF8Complete(b []byte) bool {
	bad, s := rawUTF8(b)
	return bad < 0 && s.need == 0
}

// rawUTF8State: need continuation bytes still expected; lo, hi the range of
// the next one.
type rawUTF8State struct {
	need   int
	lo, hi byte
}

func (s *rawUTF8State) step(c byte) bool {
	if s.need > 0 {
		if c < s.lo || c > s.hi {
			return false
		}
		s.need--
		s.lo, s.hi = 0x80, 0xBF
		return true
	}
	s.lo, s.hi = 0x80, 0xBF
	switch {
	case c <= 0x7F:
	case c >= 0xC2 && c <= 0xDF:
		s.need = 1
	case c == 0xE0:
		s.need, s.lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		s.need = 2
	case c == 0xED:
		s.need, s.hi = 2, 0x9F
	case c == 0xF0:
		s.need, s.lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		s.need = 3
	case c == 0xF4:
		s.need, s.hi = 3, 0x8F
	default:
		return false
	}
	return true
}
