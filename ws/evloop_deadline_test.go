//go:build linux

package ws

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventLoopNoDeadlinePerWrite: on a connection served by the poller,
// sends of every size go out without a write deadline armed per write
// (no clock read, no timer): the wait for the poller's buffer starts its
// own WriteTimeout instead (TestEventLoopWriteTimeout checks that it
// still fires).
func TestEventLoopNoDeadlinePerWrite(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	a, b := tcpPair(t)
	o := testOpts()
	o.EventLoop = true
	o.WriteTimeout = 5 * time.Second
	c := startConn(connConfig{netConn: a, isServer: true, opts: o, handler: newRec()})
	t.Cleanup(func() { _ = c.CloseNow() })
	require.True(t, inEvent(c))
	p := newPeer(t, b, true)
	for _, n := range []int{0, 64, 1 << 10, 64 << 10, 300 << 10} {
		payload := bytes.Repeat([]byte{byte(n)}, n)
		require.NoError(t, c.SendMessage(payload, true))
		f := p.mustRead()
		require.True(t, bytes.Equal(payload, f.payload), "%d bytes: the message arrived changed", n)
	}
	assert.True(t, armedWriteDeadline(c).IsZero(), "a write deadline was armed on the engine's side")
	assert.True(t, c.selfTimed(), "the event loop's socket times its own waits")
	e, ok := c.nc.(*evConn)
	require.True(t, ok)
	assert.Zero(t, e.wdl.Load(), "a deadline was set on the event loop's socket")
}

// TestEventLoopFeedChunksTakenInPlace: a stream of masked frames of many
// sizes (some larger than a chunk), written in pieces of varying sizes so
// that the poller's chunks cut headers and payloads at many places, is
// read in place from the chunks the engine's reader takes over
// (evConn.take), echoed byte-exact and in order, plain and with
// ReuseMessageBuffer; once the connection is idle again, every chunk and
// pooled read buffer is back in its pool.
func TestEventLoopFeedChunksTakenInPlace(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	for _, reuse := range []bool{false, true} {
		t.Run(map[bool]string{false: "copy", true: "reuse"}[reuse], func(t *testing.T) {
			chunks0, bufs0 := evChunksOut.Load(), readBufsOut.Load()
			a, b := tcpPair(t)
			o := testOpts()
			o.EventLoop = true
			o.ReuseMessageBuffer = reuse
			c := startConn(connConfig{netConn: a, isServer: true, opts: o, handler: &evEcho{}})
			t.Cleanup(func() { _ = c.CloseNow() })
			require.True(t, inEvent(c))
			p := newPeer(t, b, true)
			var wire []byte
			var want [][]byte
			for i := range 300 {
				n := (i * 97) % 3000
				if i%50 == 0 {
					n = 20000 + i // larger than a chunk
				}
				m := bytes.Repeat([]byte{byte(i)}, n)
				want = append(want, m)
				wire = append(wire, encode(OpBinary, true, 0, m, true)...)
			}
			go func() {
				for off, step := 0, 1; off < len(wire); step = step%4093 + 611 {
					end := min(off+step, len(wire))
					if _, err := b.Write(wire[off:end]); err != nil {
						return
					}
					off = end
				}
			}()
			for i, m := range want {
				f := p.mustRead()
				require.Equal(t, OpBinary, f.op, "message %d", i)
				require.True(t, bytes.Equal(m, f.payload), "message %d (%d bytes) arrived changed", i, len(m))
			}
			assert.Eventually(t, func() bool {
				return evChunksOut.Load() <= chunks0 && readBufsOut.Load() <= bufs0
			}, testTimeout, 5*time.Millisecond, "chunks out %d (was %d), read buffers out %d (was %d)",
				evChunksOut.Load(), chunks0, readBufsOut.Load(), bufs0)
		})
	}
}

// TestEventLoopFeedGivenBack: what the poller read and the engine never
// will, because the connection ended first, goes back to its pool when
// the engine finishes: the chunks queued in the feed and the one the
// engine's reader holds. Two ways to end with the feed full, while the
// handler holds the burst: our CloseNow (as in goroutine mode, no message
// is delivered after it but the one in progress) and a frame that fails
// the connection (a reserved opcode) with frames queued behind it.
func TestEventLoopFeedGivenBack(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	for _, tc := range []struct {
		name     string
		closeNow bool
	}{{"CloseNow", true}, {"failed by a bad frame", false}} {
		t.Run(tc.name, func(t *testing.T) {
			chunks0, bufs0 := evChunksOut.Load(), readBufsOut.Load()
			a, b := tcpPair(t)
			o := testOpts()
			o.EventLoop = true
			o.FailByDrop = true
			h := &evStall{conn: make(chan *Conn, 1), release: make(chan struct{})}
			var once sync.Once
			release := func() { once.Do(func() { close(h.release) }) }
			t.Cleanup(release)
			c := startConn(connConfig{netConn: a, isServer: true, opts: o, handler: h})
			t.Cleanup(func() { _ = c.CloseNow() })
			require.True(t, inEvent(c))
			<-h.conn
			wire := encode(OpBinary, true, 0, make([]byte, 16<<10), true)
			if !tc.closeNow {
				wire = append(wire, encode(0x3, true, 0, nil, true)...)
			}
			for range 8 { // 144 KiB in all: the feed holds it
				wire = append(wire, encode(OpBinary, true, 0, make([]byte, 16<<10), true)...)
			}
			_, err := b.Write(wire)
			require.NoError(t, err)
			e := c.nc.(*evConn)
			require.Eventually(t, func() bool { return e.feedSize() >= 100<<10 }, testTimeout, time.Millisecond,
				"the feed holds %d bytes", e.feedSize())
			if tc.closeNow {
				require.NoError(t, c.CloseNow())
			}
			release()
			select {
			case <-c.Done():
			case <-time.After(testTimeout):
				t.Fatal("the connection did not end")
			}
			assert.Equal(t, int64(1), h.got.Load(), "messages delivered")
			assert.Eventually(t, func() bool {
				return evChunksOut.Load() <= chunks0 && readBufsOut.Load() <= bufs0
			}, testTimeout, 5*time.Millisecond, "chunks out %d (was %d), read buffers out %d (was %d)",
				evChunksOut.Load(), chunks0, readBufsOut.Load(), bufs0)
		})
	}
}
