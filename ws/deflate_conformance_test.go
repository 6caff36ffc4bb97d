package ws

import (
	"bufio"
	"bytes"
	stdflate "compress/flate"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// permessage-deflate conformance, end to end through NewServer and Dial:
// every negotiated combination echoes correctly; the RSV1 rules (1002), the
// inflated size limit (1009, as soon as it is crossed), invalid compressed
// data and UTF-8 (1007); fragmented messages with control frames between
// them; threshold, skip-compress and context takeover seen on the wire.

const pmdTestTimeout = 10 * time.Second

func pmdCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), pmdTestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// pmdEcho echoes every message; a payload starting with "skip:" is sent
// back uncompressed (OutgoingMessage.SkipCompress).
type pmdEcho struct{ BaseHandler }

func (pmdEcho) OnMessage(c *Conn, payload []byte, isBinary bool) {
	_ = c.SendOutgoing(&OutgoingMessage{Payload: payload, IsBinary: isBinary, SkipCompress: bytes.HasPrefix(payload, []byte("skip:"))})
}

// pmdServer starts an echo server with deflate options d (nil: off) and
// returns its host:port.
func pmdServer(t *testing.T, d *DeflateOptions, tweak func(*Options)) string {
	t.Helper()
	o := DefaultOptions()
	o.PerMessageDeflate = d
	o.FailByDrop = false // close frames carry the codes the tests check
	if tweak != nil {
		tweak(o)
	}
	srv := NewServer(func() Handler { return pmdEcho{} }, o)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return ln.Addr().String()
}

func pmdText(n int, seed int64) []byte {
	rng := mrand.New(mrand.NewSource(seed))
	words := strings.Fields("über naïve café 日本語 emoji 🎉 plain ascii words for the deflate tests")
	var b []byte
	for len(b) < n {
		b = append(append(b, words[rng.Intn(len(words))]...), ' ')
	}
	// Cut on a rune boundary.
	for n > 0 && n < len(b) && b[n]&0xC0 == 0x80 {
		n--
	}
	return b[:n]
}

func TestDeflateEndToEndMatrix(t *testing.T) {
	servers := []struct {
		name string
		d    *DeflateOptions
	}{
		{"default", &DeflateOptions{}},
		{"noctx", &DeflateOptions{NoContextTakeover: true}},
		{"win9", &DeflateOptions{MaxWindowBits: 9}},
		{"history", &DeflateOptions{TakeoverHistory: 2048, Level: 9}},
	}
	clients := []struct {
		name string
		d    *DeflateOptions
	}{
		{"default", &DeflateOptions{}},
		{"noctx", &DeflateOptions{NoContextTakeover: true}},
		{"win8", &DeflateOptions{MaxWindowBits: 8}},
		{"win12-history", &DeflateOptions{MaxWindowBits: 12, TakeoverHistory: 1000}},
		{"all-messages", &DeflateOptions{Threshold: -1, Level: 5}},
		{"explicit", &DeflateOptions{Offers: []DeflateOffer{{RequestMaxWindowBits: 10, AcceptMaxWindowBits: true, ClientMaxWindowBits: 11}}}},
	}
	rnd := make([]byte, 70000)
	_, _ = rand.Read(rnd)
	msgs := []struct {
		payload  []byte
		isBinary bool
	}{
		{nil, false}, {[]byte("x"), false}, {pmdText(63, 1), false}, {pmdText(64, 2), false},
		{pmdText(5000, 3), false}, {pmdText(5000, 3), false}, {pmdText(200000, 4), false},
		{rnd, true}, {[]byte("skip: not compressed on the way back"), false}, {pmdText(100, 5), true},
	}
	for _, s := range servers {
		for _, cl := range clients {
			for _, frag := range []int{0, 777} {
				t.Run(fmt.Sprintf("server=%s/client=%s/frag=%d", s.name, cl.name, frag), func(t *testing.T) {
					addr := pmdServer(t, s.d, func(o *Options) { o.AutoFragmentSize = frag })
					o := DefaultOptions()
					o.PerMessageDeflate = cl.d
					o.AutoFragmentSize = frag
					c, err := Dial(pmdCtx(t), "ws://"+addr+"/", nil, o)
					require.NoError(t, err)
					defer func() { _ = c.CloseNow() }()
					require.True(t, c.Compressed())
					var appBytes int
					for i, m := range msgs {
						if i%3 == 2 { // streamed through NextWriter
							w, err := c.NextWriter(m.isBinary)
							require.NoError(t, err)
							for rest := m.payload; len(rest) > 0; {
								n := min(len(rest), 3000)
								_, err := w.Write(rest[:n])
								require.NoError(t, err)
								rest = rest[n:]
							}
							require.NoError(t, w.Close())
						} else {
							require.NoError(t, c.SendMessage(m.payload, m.isBinary))
						}
						isBinary, got, err := c.ReadMessage(pmdCtx(t))
						require.NoError(t, err, "message %d", i)
						assert.Equal(t, m.isBinary, isBinary)
						require.True(t, bytes.Equal(m.payload, got), "message %d: %d bytes back for %d", i, len(got), len(m.payload))
						appBytes += len(m.payload)
					}
					st := c.Stats()
					// The text dominates: deflate must shrink what went out
					// and came back well below the application bytes.
					assert.Less(t, st.WebSocketOctetsOut, uint64(appBytes)*2/3, "sent compressed")
					assert.Less(t, st.WebSocketOctetsIn, uint64(appBytes)*2/3, "received compressed")
				})
			}
		}
	}
}

// pmdRaw is a hand-driven client: it sends frames exactly as told.
type pmdRaw struct {
	t    *testing.T
	c    net.Conn
	br   *bufio.Reader
	hist []byte // inflated history of the server's messages (takeover)
	ntc  bool   // server_no_context_takeover negotiated
}

// pmdDialRaw opens a connection to addr offering ext ("" for none) and
// returns it with the server's Sec-WebSocket-Extensions answer.
func pmdDialRaw(t *testing.T, addr, ext string) (*pmdRaw, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, pmdTestTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(pmdTestTimeout)))
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) + "\r\n"
	if ext != "" {
		req += "Sec-WebSocket-Extensions: " + ext + "\r\n"
	}
	_, err = io.WriteString(c, req+"\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	got := resp.Header.Get("Sec-WebSocket-Extensions")
	return &pmdRaw{t: t, c: c, br: br, ntc: strings.Contains(got, "server_no_context_takeover")}, got
}

// frame sends one masked frame; rsv is the three RSV bits (4 = RSV1).
func (p *pmdRaw) frame(op byte, fin bool, rsv byte, payload []byte) {
	p.t.Helper()
	b0 := op | rsv<<4
	if fin {
		b0 |= 0x80
	}
	hdr := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = binary.BigEndian.AppendUint16(append(hdr, 0x80|126), uint16(n))
	default:
		hdr = binary.BigEndian.AppendUint64(append(hdr, 0x80|127), uint64(n))
	}
	var key [4]byte
	_, _ = rand.Read(key[:])
	hdr = append(hdr, key[:]...)
	masked := make([]byte, len(payload))
	for i := range payload {
		masked[i] = payload[i] ^ key[i%4]
	}
	_, err := p.c.Write(append(hdr, masked...))
	if err != nil && !errors.Is(err, net.ErrClosed) {
		// The server may already have failed the connection.
		p.t.Logf("write: %v", err)
	}
}

type pmdFrame struct {
	op      byte
	fin     bool
	rsv     byte
	payload []byte
}

func (p *pmdRaw) read() (pmdFrame, error) {
	h, n, err := readTestFrameHeader(p.br)
	if err != nil {
		return pmdFrame{}, err
	}
	f := pmdFrame{op: h[0] & 0xF, fin: h[0]&0x80 != 0, rsv: h[0] >> 4 & 7}
	if h[1]&0x80 != 0 || n > 64<<20 {
		return f, errors.New("raw client: masked or huge server frame")
	}
	f.payload = make([]byte, n)
	_, err = io.ReadFull(p.br, f.payload)
	return f, err
}

// expectClose reads up to the server's close frame and checks its code.
func (p *pmdRaw) expectClose(code int) {
	p.t.Helper()
	for {
		f, err := p.read()
		require.NoError(p.t, err, "waiting for close %d", code)
		if f.op == OpClose {
			require.GreaterOrEqual(p.t, len(f.payload), 2)
			assert.Equal(p.t, code, int(binary.BigEndian.Uint16(f.payload)), "close reason %q", f.payload[2:])
			return
		}
	}
}

// message reads one data message (skipping pongs into pongs), checks RSV1
// only on its first frame, and inflates it if compressed.
func (p *pmdRaw) message() (payload []byte, compressed bool, frames int, pongs [][]byte) {
	p.t.Helper()
	var wire []byte
	for {
		f, err := p.read()
		require.NoError(p.t, err)
		if f.op == OpPong {
			pongs = append(pongs, f.payload)
			continue
		}
		require.NotEqual(p.t, OpClose, f.op, "closed: %q", f.payload)
		if frames == 0 {
			require.NotEqual(p.t, OpContinuation, f.op)
			compressed = f.rsv == 4
		} else {
			require.Equal(p.t, OpContinuation, f.op)
			require.Zero(p.t, f.rsv, "RSV1 only on the first frame")
		}
		frames++
		wire = append(wire, f.payload...)
		if f.fin {
			break
		}
	}
	if !compressed {
		return wire, false, frames, pongs
	}
	dict := p.hist
	if p.ntc {
		dict = nil
	}
	r := stdflate.NewReaderDict(io.MultiReader(bytes.NewReader(wire), bytes.NewReader(pmdTail)), dict)
	out, err := io.ReadAll(r)
	require.ErrorIs(p.t, err, io.ErrUnexpectedEOF)
	p.hist = append(p.hist, out...)
	if len(p.hist) > 32768 {
		p.hist = p.hist[len(p.hist)-32768:]
	}
	return out, true, frames, pongs
}

// rawDeflate compresses payload on its own (no takeover), tail stripped.
func rawDeflate(t *testing.T, payload []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := stdflate.NewWriter(&b, stdflate.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(payload)
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	return bytes.TrimSuffix(b.Bytes(), pmdTail)
}

func TestDeflateRSV1Rules(t *testing.T) {
	comp := rawDeflate(t, []byte("hello"))
	tests := []struct {
		name string
		ext  string // offer; "" = not negotiated
		send func(p *pmdRaw)
		code int
	}{
		{"RSV1 without negotiation", "", func(p *pmdRaw) { p.frame(OpText, true, 4, comp) }, CloseProtocolError},
		{"RSV1 on a continuation frame", "permessage-deflate", func(p *pmdRaw) {
			p.frame(OpText, false, 4, comp[:2])
			p.frame(OpContinuation, true, 4, comp[2:])
		}, CloseProtocolError},
		{"RSV1 on an uncompressed message's continuation", "permessage-deflate", func(p *pmdRaw) {
			p.frame(OpText, false, 0, []byte("hel"))
			p.frame(OpContinuation, true, 4, []byte("lo"))
		}, CloseProtocolError},
		{"RSV1 on ping", "permessage-deflate", func(p *pmdRaw) { p.frame(OpPing, true, 4, nil) }, CloseProtocolError},
		{"RSV1 on pong", "permessage-deflate", func(p *pmdRaw) { p.frame(OpPong, true, 4, nil) }, CloseProtocolError},
		{"RSV1 on close", "permessage-deflate", func(p *pmdRaw) { p.frame(OpClose, true, 4, []byte{3, 232}) }, CloseProtocolError},
		{"RSV2 with deflate", "permessage-deflate", func(p *pmdRaw) { p.frame(OpText, true, 2, []byte("x")) }, CloseProtocolError},
		{"RSV3 with deflate", "permessage-deflate", func(p *pmdRaw) { p.frame(OpText, true, 1, []byte("x")) }, CloseProtocolError},
		{"invalid compressed data", "permessage-deflate", func(p *pmdRaw) { p.frame(OpBinary, true, 4, []byte{0xff, 0xff, 0xff}) }, CloseInvalidPayload},
		{"invalid UTF-8 inside compressed text", "permessage-deflate", func(p *pmdRaw) {
			p.frame(OpText, true, 4, rawDeflate(t, []byte("valid then \xff invalid")))
		}, CloseInvalidPayload},
		{"compressed text ending inside a code point", "permessage-deflate", func(p *pmdRaw) {
			p.frame(OpText, true, 4, rawDeflate(t, []byte("cut \xe6\x97")))
		}, CloseInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := pmdServer(t, &DeflateOptions{}, nil)
			p, got := pmdDialRaw(t, addr, tt.ext)
			if tt.ext != "" {
				require.Equal(t, "permessage-deflate", got)
			} else {
				require.Empty(t, got)
			}
			tt.send(p)
			p.expectClose(tt.code)
		})
	}
}

// A compressed message inflating past MaxMessagePayloadSize fails with 1009
// as soon as the limit is crossed: the server does not wait for the rest.
func TestDeflateInflatedLimit(t *testing.T) {
	const limit = 1 << 20
	bomb := rawDeflate(t, make([]byte, 4<<20)) // 4 MiB of zeros, a few KiB compressed
	t.Logf("4 MiB of zeros: %d compressed bytes", len(bomb))
	for _, tc := range []struct {
		name string
		send func(p *pmdRaw)
	}{
		{"one frame", func(p *pmdRaw) { p.frame(OpBinary, true, 4, bomb) }},
		{"first frame only, rest never sent", func(p *pmdRaw) { p.frame(OpBinary, false, 4, bomb[:len(bomb)/2]) }},
		{"many small frames, never finished", func(p *pmdRaw) {
			p.frame(OpBinary, false, 4, bomb[:100])
			for rest := bomb[100 : len(bomb)/2]; len(rest) > 0; rest = rest[min(len(rest), 100):] {
				p.frame(OpContinuation, false, 0, rest[:min(len(rest), 100)])
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := pmdServer(t, &DeflateOptions{}, func(o *Options) { o.MaxMessagePayloadSize = limit })
			p, _ := pmdDialRaw(t, addr, "permessage-deflate")
			tc.send(p)
			p.expectClose(CloseMessageTooBig)
		})
	}
	// Just under the limit is fine.
	addr := pmdServer(t, &DeflateOptions{}, func(o *Options) { o.MaxMessagePayloadSize = limit })
	p, _ := pmdDialRaw(t, addr, "permessage-deflate")
	p.frame(OpBinary, true, 4, rawDeflate(t, make([]byte, limit)))
	got, _, _, _ := p.message()
	assert.Len(t, got, limit)
}

// Fragmented compressed messages with control frames between the
// fragments, UTF-8 split across fragments, and the server's own fragmented
// compressed reply (RSV1 on its first frame only).
func TestDeflateFragmentedWithControlFrames(t *testing.T) {
	addr := pmdServer(t, &DeflateOptions{}, func(o *Options) { o.AutoFragmentSize = 50 })
	p, ext := pmdDialRaw(t, addr, "permessage-deflate; client_max_window_bits")
	require.Equal(t, "permessage-deflate", ext)
	text := pmdText(3000, 9)
	comp := rawDeflate(t, text)
	for i, step := 0, 7; i < len(comp); i += step {
		op := byte(OpContinuation)
		var rsv byte
		if i == 0 {
			op, rsv = OpText, 4
		}
		p.frame(op, i+step >= len(comp), rsv, comp[i:min(i+step, len(comp))])
		if i%5 == 0 {
			p.frame(OpPing, true, 0, []byte(fmt.Sprint(i)))
		}
	}
	got, compressed, frames, pongs := p.message()
	assert.Equal(t, text, got)
	assert.True(t, compressed)
	assert.Greater(t, frames, 1, "fragmented by AutoFragmentSize")
	// Pongs may also arrive after the echo; they are all answered.
	_ = pongs
	// Uncompressed message on a deflate connection: still echoed (compressed).
	p.frame(OpText, true, 0, text)
	got, compressed, _, _ = p.message()
	assert.Equal(t, text, got)
	assert.True(t, compressed)
}

// Threshold, skip-compress and context takeover as seen on the wire.
func TestDeflateWireBehaviour(t *testing.T) {
	big := pmdText(2000, 11)
	for _, tc := range []struct {
		name     string
		d        *DeflateOptions
		offer    string
		takeover bool
	}{
		{"takeover", &DeflateOptions{}, "permessage-deflate", true},
		{"history", &DeflateOptions{TakeoverHistory: 4096}, "permessage-deflate", true},
		{"server_no_context_takeover requested", &DeflateOptions{}, "permessage-deflate; server_no_context_takeover", false},
		{"server bounded", &DeflateOptions{NoContextTakeover: true}, "permessage-deflate", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := pmdServer(t, tc.d, nil)
			p, _ := pmdDialRaw(t, addr, tc.offer)
			// Below the threshold: uncompressed.
			p.frame(OpText, true, 0, []byte("tiny"))
			got, compressed, _, _ := p.message()
			assert.Equal(t, "tiny", string(got))
			assert.False(t, compressed)
			// Skip-compress: uncompressed whatever the size.
			skip := append([]byte("skip:"), big...)
			p.frame(OpText, true, 0, skip)
			got, compressed, _, _ = p.message()
			assert.Equal(t, skip, got)
			assert.False(t, compressed)
			// The same big message twice: with takeover the second is tiny.
			var sizes []int
			for i := 0; i < 2; i++ {
				p.frame(OpText, true, 4, rawDeflate(t, big))
				before := p.br.Buffered()
				_ = before
				f, err := p.read()
				require.NoError(t, err)
				require.Equal(t, byte(4), f.rsv)
				require.True(t, f.fin)
				sizes = append(sizes, len(f.payload))
				dict := p.hist
				if p.ntc {
					dict = nil
				}
				out, err := io.ReadAll(stdflate.NewReaderDict(io.MultiReader(bytes.NewReader(f.payload), bytes.NewReader(pmdTail)), dict))
				require.ErrorIs(t, err, io.ErrUnexpectedEOF)
				require.Equal(t, big, out)
				p.hist = append(p.hist, out...)
			}
			if tc.takeover {
				assert.Less(t, sizes[1], sizes[0]/4, "second message refers back to the first")
			} else {
				assert.Equal(t, sizes[0], sizes[1], "each message stands alone")
			}
		})
	}
}

// The server keeps only the window it asked the client for: a client
// referring further back fails the connection (1007) instead of being
// decoded from history the server promised itself not to need.
func TestDeflateClientWindowEnforced(t *testing.T) {
	addr := pmdServer(t, &DeflateOptions{MaxWindowBits: 9}, nil)
	p, ext := pmdDialRaw(t, addr, "permessage-deflate; client_max_window_bits")
	require.Equal(t, "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9", ext)
	first := make([]byte, 3000)
	_, _ = rand.Read(first)
	var b bytes.Buffer
	w, err := stdflate.NewWriter(&b, stdflate.BestCompression) // 32 KiB window: breaks the promise
	require.NoError(t, err)
	_, _ = w.Write(first)
	require.NoError(t, w.Flush())
	p.frame(OpBinary, true, 4, bytes.TrimSuffix(b.Bytes(), pmdTail))
	got, _, _, _ := p.message()
	require.Equal(t, first, got)
	b.Reset()
	_, _ = w.Write(first[:200]) // a match 3000 bytes back
	require.NoError(t, w.Flush())
	p.frame(OpBinary, true, 4, bytes.TrimSuffix(b.Bytes(), pmdTail))
	p.expectClose(CloseInvalidPayload)
}

// pmdRawServer accepts one connection, answers the handshake with ext and
// then writes frames; it returns the close code the client sends.
func pmdRawServer(t *testing.T, ext string, frames [][]byte) (addr string, code <-chan int) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	ch := make(chan int, 1)
	go func() {
		defer close(ch)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(pmdTestTimeout))
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			computeAcceptKey(req.Header.Get("Sec-WebSocket-Key")) + "\r\n"
		if ext != "" {
			resp += "Sec-WebSocket-Extensions: " + ext + "\r\n"
		}
		_, _ = io.WriteString(c, resp+"\r\n")
		for _, f := range frames {
			_, _ = c.Write(f)
		}
		p := &pmdRaw{t: t, c: c, br: br}
		for {
			var h [2]byte
			if _, err := io.ReadFull(br, h[:]); err != nil {
				return
			}
			n := int(h[1] & 0x7F)
			if n >= 126 {
				return
			}
			payload := make([]byte, 4+n)
			if _, err := io.ReadFull(br, payload); err != nil {
				return
			}
			for i := 4; i < len(payload); i++ {
				payload[i] ^= payload[(i-4)%4]
			}
			if h[0]&0xF == OpClose && n >= 2 {
				ch <- int(binary.BigEndian.Uint16(payload[4:]))
				return
			}
			_ = p
		}
	}()
	return ln.Addr().String(), ch
}

func serverFrame(op byte, fin bool, rsv byte, payload []byte) []byte {
	b0 := op | rsv<<4
	if fin {
		b0 |= 0x80
	}
	hdr := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, byte(n))
	case n < 1<<16:
		hdr = binary.BigEndian.AppendUint16(append(hdr, 126), uint16(n))
	default:
		hdr = binary.BigEndian.AppendUint64(append(hdr, 127), uint64(n))
	}
	return append(hdr, payload...)
}

// The client side of the RSV1 and size rules.
func TestDeflateClientReceiveRules(t *testing.T) {
	comp := rawDeflate(t, []byte("hello"))
	bomb := rawDeflate(t, make([]byte, 2<<20))
	tests := []struct {
		name   string
		d      *DeflateOptions
		ext    string
		frames [][]byte
		code   int
	}{
		{"RSV1 without negotiation", nil, "", [][]byte{serverFrame(OpText, true, 4, comp)}, CloseProtocolError},
		{"RSV1 on ping", &DeflateOptions{}, "permessage-deflate", [][]byte{serverFrame(OpPing, true, 4, nil)}, CloseProtocolError},
		{"RSV1 on continuation", &DeflateOptions{}, "permessage-deflate",
			[][]byte{serverFrame(OpText, false, 4, comp[:1]), serverFrame(OpContinuation, true, 4, comp[1:])}, CloseProtocolError},
		{"inflates past the limit", &DeflateOptions{}, "permessage-deflate", [][]byte{serverFrame(OpBinary, true, 4, bomb)}, CloseMessageTooBig},
		{"invalid data", &DeflateOptions{}, "permessage-deflate", [][]byte{serverFrame(OpBinary, true, 4, []byte{0xff, 0xff})}, CloseInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, code := pmdRawServer(t, tt.ext, tt.frames)
			o := DefaultOptions()
			o.PerMessageDeflate = tt.d
			o.FailByDrop = false
			o.MaxMessagePayloadSize = 1 << 20
			c, err := Dial(pmdCtx(t), "ws://"+addr+"/", nil, o)
			require.NoError(t, err)
			defer func() { _ = c.CloseNow() }()
			_, _, err = c.ReadMessage(pmdCtx(t))
			require.Error(t, err)
			select {
			case got := <-code:
				assert.Equal(t, tt.code, got)
			case <-time.After(pmdTestTimeout):
				t.Fatal("no close frame from the client")
			}
		})
	}
}
