package ws

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The raw peer is the yardstick of the conformance suite, so it is tested
// on its own: against the examples of RFC 6455 section 5.7, against itself
// over loopback, and (the UTF-8 reference) against unicode/utf8.

func TestRawFrameEncodeRFCExamples(t *testing.T) {
	t.Parallel()
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	cases := []struct {
		name string
		f    rawFrame
		role rawRole
		want []byte
	}{
		{"unmasked text Hello", rfText("Hello"), rawServer, []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}},
		{"masked text Hello", rfText("Hello").withKey(key), rawClient,
			[]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
		{"fragment 1", rfText("Hel").more(), rawServer, []byte{0x01, 0x03, 0x48, 0x65, 0x6c}},
		{"fragment 2", rfCont("lo"), rawServer, []byte{0x80, 0x02, 0x6c, 0x6f}},
		{"unmasked ping", rfPing("Hello"), rawServer, []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}},
		{"masked pong", rfPong("Hello").withKey(key), rawClient,
			[]byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
		{"rsv and forced mask off", rfText("").rsv(rawRSV1 | rawRSV3).masked(false), rawClient, []byte{0xD1, 0x00}},
		{"forced mask on", rfBin(nil).masked(true).withKey(key), rawServer, []byte{0x82, 0x80, 0x37, 0xfa, 0x21, 0x3d}},
		{"16-bit forced", rfBin([]byte{1}).withLen(rawLen16), rawServer, []byte{0x82, 0x7E, 0x00, 0x01, 0x01}},
		{"64-bit forced", rfBin([]byte{1}).withLen(rawLen64), rawServer, []byte{0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 1, 0x01}},
		{"announce only", rfBin(nil).announce(1 << 40), rawServer, []byte{0x82, 0x7F, 0, 0, 0x01, 0, 0, 0, 0, 0}},
		{"close 1000 bye", rfClose(1000, "bye"), rawServer, []byte{0x88, 0x05, 0x03, 0xE8, 'b', 'y', 'e'}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.f.encode(c.role), c.name)
	}
	// Lengths at the encoding boundaries: header size and announced length.
	for _, n := range []int{0, 125, 126, 127, 65535, 65536} {
		b := rfBin(make([]byte, n)).encode(rawServer)
		hdr := map[bool]int{true: 2, false: 4}[n <= 125]
		if n > 65535 {
			hdr = 10
		}
		assert.Len(t, b, hdr+n, "length %d", n)
		w, err := rawReadFrame(bytes.NewReader(b), 1<<20)
		require.NoError(t, err)
		assert.Len(t, w.Payload, n)
		assert.NoError(t, rawCheckFrame(w, false), "length %d", n)
	}
}

func TestRawFrameCheckRejects(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name string
		b    []byte
	}{
		{"rsv", rfText("x").rsv(rawRSV2).encode(rawServer)},
		{"opcode 3", rfOf(3, nil).encode(rawServer)},
		{"masked from server", rfText("x").encode(rawClient)},
		{"non-minimal 16", rfText("x").withLen(rawLen16).encode(rawServer)},
		{"non-minimal 64", rfText("x").withLen(rawLen64).encode(rawServer)},
		{"fragmented ping", rfPing("x").more().encode(rawServer)},
		{"long ping", rfOf(rawOpPing, make([]byte, 126)).encode(rawServer)},
		{"1-byte close", rfOf(rawOpClose, []byte{3}).encode(rawServer)},
		{"close 1005", rfClose(1005, "").encode(rawServer)},
		{"close bad reason", rfClose(1000, "\xff").encode(rawServer)},
	}
	for _, c := range bad {
		w, err := rawReadFrame(bytes.NewReader(c.b), 1<<20)
		require.NoError(t, err, c.name)
		assert.Error(t, rawCheckFrame(w, false), c.name)
	}
	_, err := rawReadFrame(bytes.NewReader(rfBin(nil).announce(1<<40).encode(rawServer)), 1<<20)
	assert.ErrorIs(t, err, errRawTooBig)
}

// TestRawPeerLoopback runs the raw client against the raw server: the
// hand-written handshakes must agree, and frames written in every chunk
// size must decode whole.
func TestRawPeerLoopback(t *testing.T) {
	t.Parallel()
	url, wait := startRawServer(t, rawAnswer101)
	cli := rawDial(t, url[len("ws://"):len(url)-len("/conformance")])
	srv, req, err := wait()
	require.NoError(t, err)
	assert.Equal(t, "/", req.URL.Path)

	payload := make([]byte, 70000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	stream := rawEncodeAll(rawClient, rfBin(payload), rfText("κόσμε").more(), rfCont("!"), rfPing("p"))
	for _, chunk := range []int{1, 2, 3, 997, len(stream)} {
		errc := make(chan error, 1)
		go func() { errc <- cli.writeChunked(stream, chunk, 0) }()
		srv.ourMasked = true
		op, got, sizes, err := srv.readMessage()
		require.NoError(t, err, "chunk %d", chunk)
		assert.Equal(t, rawOpBinary, op)
		assert.Equal(t, payload, got)
		assert.Equal(t, []int{70000}, sizes)
		op, got, sizes, err = srv.readMessage()
		require.NoError(t, err)
		assert.Equal(t, rawOpText, op)
		assert.Equal(t, "κόσμε!", string(got))
		assert.Equal(t, []int{len("κόσμε"), 1}, sizes)
		w, err := srv.readFrame()
		require.NoError(t, err)
		assert.Equal(t, rawOpPing, w.Opcode)
		require.NoError(t, <-errc)
	}
	// Server to client: unmasked, and a drop is seen as such.
	require.NoError(t, srv.send(rfClose(1000, "bye")))
	w, err := cli.readFrame()
	require.NoError(t, err)
	code, reason := w.closeCode()
	assert.Equal(t, 1000, code)
	assert.Equal(t, "bye", reason)
	srv.close()
	assert.NoError(t, cli.expectDrop(time.Second))
}

func TestRawServerRejectsBadUpgrade(t *testing.T) {
	t.Parallel()
	url, wait := startRawServer(t, rawAnswer101)
	addr := url[len("ws://") : len(url)-len("/conformance")]
	p, _, err := rawDialConn(t, addr, "/", nil, "Sec-WebSocket-Version: 8")
	if p != nil {
		p.close()
	}
	_ = err // the raw server answers 101 regardless; it reports the problem
	_, _, err = wait()
	assert.ErrorContains(t, err, "Sec-WebSocket-Version")
}

func TestUTF8Reference(t *testing.T) {
	t.Parallel()
	check := func(b []byte) {
		bad, _ := rawUTF8(b)
		complete := rawUTF8Complete(b)
		if complete != utf8.Valid(b) {
			t.Fatalf("rawUTF8(% x): complete=%v, utf8.Valid=%v", b, complete, utf8.Valid(b))
		}
		if bad >= 0 {
			// A prefix that failed can never be completed; one byte less
			// must still be a valid prefix.
			if b2, _ := rawUTF8(b[:bad]); b2 >= 0 {
				t.Fatalf("rawUTF8(% x): failure index %d is not the first", b, bad)
			}
		}
	}
	for i := range 1 << 16 { // every 1- and 2-byte input
		b := []byte{byte(i >> 8), byte(i)}
		check(b[1:])
		check(b)
	}
	for b0 := 0xE0; b0 <= 0xF4; b0++ { // 3-byte leads against every second byte
		for b1 := range 256 {
			for _, b2 := range []byte{0x41, 0x7F, 0x80, 0xBF, 0xC0} {
				check([]byte{byte(b0), byte(b1), b2})
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var c [4]byte
		for j := range c {
			c[j] = byte(rng.IntN(256))
			if j > 0 && rng.IntN(2) == 0 {
				c[j] = 0x80 | byte(rng.IntN(64))
			}
		}
		check(c[:])
	}
	for r := rune(0); r <= utf8.MaxRune; r += 7 {
		check(utf8.AppendRune(nil, r))
	}
}
