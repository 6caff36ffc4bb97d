package ws

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// armedWriteDeadline is the write deadline the connection keeps armed on
// its socket (zero: none).
func armedWriteDeadline(c *Conn) time.Time {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wdl == 0 {
		return time.Time{}
	}
	return time.Unix(0, c.wdl)
}

// TestRawWriteNoDeadlineWhileSocketTakes: on a TCP socket whose peer
// reads, sends of every path (small frames, pooled copies, writev of large
// payloads, masked chunks, control frames) go out whole through the raw
// writer and never arm the write deadline, WriteTimeout or not.
func TestRawWriteNoDeadlineWhileSocketTakes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server bool
		size   int
	}{
		{"server 64B", true, 64},
		{"server 1KiB", true, 1 << 10},
		{"server 64KiB writev", true, 64 << 10},
		{"client 64B masked", false, 64},
		{"client 64KiB masked", false, 64 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tcpPair(t)
			o := testOpts()
			o.WriteTimeout = 5 * time.Second
			c := engine(t, a, tc.server, o, newRec(), nil)
			p := newPeer(t, b, tc.server)
			payload := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16)
			const n = 20
			sent := make(chan error, 1)
			go func() {
				for range n {
					if err := c.SendMessage(payload, true); err != nil {
						sent <- err
						return
					}
					if err := c.SendPing([]byte("p")); err != nil {
						sent <- err
						return
					}
				}
				sent <- nil
			}()
			for range n {
				f := p.mustRead()
				require.Equal(t, OpBinary, f.op)
				require.True(t, bytes.Equal(payload, f.payload), "a message arrived changed")
				require.Equal(t, OpPing, p.mustRead().op)
			}
			require.NoError(t, <-sent)
			require.NotNil(t, c.rawSock(), "a TCP socket is written raw")
			assert.True(t, armedWriteDeadline(c).IsZero(), "a deadline was armed although no write waited")
		})
	}
}

// TestRawWriteWaitClearsDeadline: a send that has to wait for a peer that
// reads slowly arms WriteTimeout for the wait, arrives whole, and leaves
// no deadline armed behind it (an idle connection holds no timer, and a
// stale deadline cannot fail a later write).
func TestRawWriteWaitClearsDeadline(t *testing.T) {
	a, b := tcpPair(t)
	require.NoError(t, a.(*net.TCPConn).SetWriteBuffer(16<<10))
	require.NoError(t, b.(*net.TCPConn).SetReadBuffer(16<<10))
	o := testOpts()
	o.WriteTimeout = 300 * time.Millisecond
	c := engine(t, a, true, o, newRec(), nil)
	p := newPeer(t, b, true)
	big := bytes.Repeat([]byte("abcdefgh"), 512<<10) // 4 MiB: outlasts the buffers
	sent := make(chan error, 1)
	go func() { sent <- c.SendMessage(big, true) }()
	// Slow reading: the sender waits many times, each wait shorter than
	// WriteTimeout, the whole send longer than it.
	time.Sleep(100 * time.Millisecond)
	f := p.mustRead()
	require.NoError(t, <-sent)
	require.True(t, bytes.Equal(big, f.payload), "the message arrived changed")
	assert.True(t, armedWriteDeadline(c).IsZero(), "the deadline armed for the wait is still on the socket")
	// Past the old deadline, a write that does not wait still succeeds.
	time.Sleep(o.WriteTimeout + o.WriteTimeout/deadlineSlack + 50*time.Millisecond)
	require.NoError(t, c.SendMessage([]byte("later"), false))
	assert.Equal(t, []byte("later"), p.mustRead().payload)
}

// copyRec is a recHandler that keeps a copy of each payload (with
// ReuseMessageBuffer the payload is only valid during OnMessage).
type copyRec struct{ *recHandler }

func (h copyRec) OnMessage(c *Conn, p []byte, isBinary bool) {
	h.recHandler.OnMessage(c, bytes.Clone(p), isBinary)
}

// TestBufferedMessageDelivery: messages of every size, whole in the read
// buffer (the short way, deliverBuffered) or not (the long way), arrive
// unchanged in both roles (masked and unmasked), with and without
// ReuseMessageBuffer, each sent twice (a second large one is read whole).
func TestBufferedMessageDelivery(t *testing.T) {
	kinds := []struct {
		name string
		op   byte
		make func(n int) []byte
	}{
		{"ascii", OpText, func(n int) []byte { return bytes.Repeat([]byte("a"), n) }},
		{"utf8", OpText, func(n int) []byte { p, _ := echoPayload("utf8", n); return p }},
		{"binary", OpBinary, func(n int) []byte { p, _ := echoPayload("binary", n); return p }},
	}
	sizes := []int{0, 1, 63, 125, 126, 180, 1000, 5000, 20000}
	for _, server := range []bool{true, false} {
		for _, reuse := range []bool{false, true} {
			t.Run(fmt.Sprintf("server=%v/reuse=%v", server, reuse), func(t *testing.T) {
				a, b := tcpPair(t)
				o := testOpts()
				o.ReuseMessageBuffer = reuse
				h := copyRec{newRec()}
				engine(t, a, server, o, h, nil)
				p := newPeer(t, b, server)
				for _, k := range kinds {
					for _, n := range sizes {
						want := k.make(n)
						for range 2 {
							p.send(k.op, true, want)
							m := h.nextMsg(t)
							require.Equal(t, k.op == OpBinary, m.isBinary)
							require.True(t, bytes.Equal(want, m.payload), "%s %d B arrived changed", k.name, n)
						}
					}
				}
			})
		}
	}
}

// TestBufferedMessageInvalidUTF8: text that is not UTF-8, whole in the
// read buffer or not, fails the connection with 1007 wherever the fault
// is (first, middle or last byte, a code point cut at the end, an
// overlong form, a surrogate), in both roles, with and without
// ReuseMessageBuffer, and is never delivered.
func TestBufferedMessageInvalidUTF8(t *testing.T) {
	bad := []struct {
		name string
		make func(n int) []byte
	}{
		{"first byte", func(n int) []byte { p := bytes.Repeat([]byte("a"), n); p[0] = 0xff; return p }},
		{"middle", func(n int) []byte { p := bytes.Repeat([]byte("a"), n); p[n/2] = 0x80; return p }},
		{"last byte", func(n int) []byte { p := bytes.Repeat([]byte("a"), n); p[n-1] = 0xfe; return p }},
		{"cut code point", func(n int) []byte { p := bytes.Repeat([]byte("a"), n); p[n-1] = 0xe2; return p }},
		{"overlong", func(n int) []byte { p := bytes.Repeat([]byte("a"), n); copy(p[n-2:], []byte{0xc0, 0xaf}); return p }},
		{"surrogate", func(n int) []byte {
			p := bytes.Repeat([]byte("a"), n)
			copy(p[n-3:], []byte{0xed, 0xa0, 0x80})
			return p
		}},
	}
	for _, server := range []bool{true, false} {
		for _, reuse := range []bool{false, true} {
			for _, n := range []int{3, 64, 180, 1000, 20000} {
				for _, tc := range bad {
					t.Run(fmt.Sprintf("server=%v/reuse=%v/%dB/%s", server, reuse, n, tc.name), func(t *testing.T) {
						a, b := tcpPair(t)
						o := testOpts()
						o.ReuseMessageBuffer = reuse
						h := copyRec{newRec()}
						engine(t, a, server, o, h, nil)
						p := newPeer(t, b, server)
						p.send(OpText, true, []byte("ok")) // a good one first
						assert.Equal(t, []byte("ok"), h.nextMsg(t).payload)
						p.send(OpText, true, tc.make(n))
						p.expectClose(CloseInvalidPayload)
						_ = p.c.Close()
						h.waitClose(t)
						select {
						case m := <-h.msgs:
							t.Fatalf("an invalid message was delivered (%d bytes)", len(m.payload))
						default:
						}
					})
				}
			}
		}
	}
}

// TestBufferedMessageLimit: MaxMessagePayloadSize holds on the short way:
// a message of exactly the limit arrives, one byte more fails with 1009.
func TestBufferedMessageLimit(t *testing.T) {
	for _, reuse := range []bool{false, true} {
		t.Run(fmt.Sprintf("reuse=%v", reuse), func(t *testing.T) {
			o := testOpts()
			o.ReuseMessageBuffer = reuse
			o.MaxMessagePayloadSize = 100
			a, b := tcpPair(t)
			h := copyRec{newRec()}
			engine(t, a, true, o, h, nil)
			p := newPeer(t, b, true)
			p.send(OpBinary, true, bytes.Repeat([]byte("x"), 100))
			assert.Len(t, h.nextMsg(t).payload, 100)
			p.send(OpBinary, true, bytes.Repeat([]byte("x"), 101))
			p.expectClose(CloseMessageTooBig)
		})
	}
}

// TestAllocsPerEchoTCP: over a real TCP socket (the raw read and write
// paths), an echo round trip allocates nothing on the server with
// ReuseMessageBuffer and only the payload's copy without it, for small
// messages and ones past the small array.
func TestAllocsPerEchoTCP(t *testing.T) {
	for _, size := range []int{64, 1 << 10} {
		for _, reuse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dB/reuse=%v", size, reuse), func(t *testing.T) {
				payload, op := echoPayload("utf8", size)
				echo := tcpEchoLoop(t, reuse, op, payload, 20) // warm the pools and the size hint
				allocs := testing.AllocsPerRun(200, echo)
				t.Logf("%.3f allocs per echo", allocs)
				limit := 1.1
				if reuse {
					limit = 0.1
				}
				if raceEnabled {
					limit += 2 // sync.Pool drops items at random under -race
				}
				assert.LessOrEqual(t, allocs, limit)
			})
		}
	}
}

// tcpEchoLoop starts an echo server (costEchoHandler) over a real TCP
// pair and returns one round trip of the message op/payload: the client
// sends it masked and reads the echo. It runs warm round trips first and
// checks that the echo is the message.
func tcpEchoLoop(t *testing.T, reuse bool, op byte, payload []byte, warm int) func() {
	t.Helper()
	a, b := tcpPair(t)
	o := testOpts()
	o.ReuseMessageBuffer = reuse
	engine(t, a, true, o, &costEchoHandler{}, nil)
	frame := encode(op, true, 0, payload, true)
	want := encode(op, true, 0, payload, false)
	got := make([]byte, len(want))
	_ = b.SetDeadline(time.Now().Add(testTimeout))
	echo := func() {
		if _, err := b.Write(frame); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(b, got); err != nil {
			t.Fatal(err)
		}
	}
	for range warm {
		echo()
	}
	require.True(t, bytes.Equal(want, got), "the echo is not the message")
	return echo
}

// TestRawWriteTrickleReaderTimesOut (found by review): a peer that reads
// a trickle (8 KiB every 50 ms, a tenth of 256 KiB per WriteTimeout) must take 256 KiB within each
// WriteTimeout or the send fails: the raw writer's waits move the deadline
// on only after that much went out, so such a peer cannot hold the sender
// (and its locks) for as long as it likes.
func TestRawWriteTrickleReaderTimesOut(t *testing.T) {
	a, b := tcpPair(t)
	require.NoError(t, a.(*net.TCPConn).SetWriteBuffer(16<<10))
	require.NoError(t, b.(*net.TCPConn).SetReadBuffer(16<<10))
	o := testOpts()
	o.WriteTimeout = 200 * time.Millisecond
	c := engine(t, a, true, o, newRec(), nil)
	big := bytes.Repeat([]byte("abcdefgh"), 512<<10) // 4 MiB
	sent := make(chan error, 1)
	start := time.Now()
	go func() { sent <- c.SendMessage(big, true) }()
	buf := make([]byte, 8<<10)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-sent:
			require.Error(t, err)
			assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
			t.Logf("send failed after %v", time.Since(start))
			return
		default:
		}
		_ = b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, _ = io.ReadFull(b, buf)
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("a trickle reader held the send for 5 s (WriteTimeout 200 ms)")
}
