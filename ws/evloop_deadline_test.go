//go:build linux

package ws

import (
	"bytes"
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
