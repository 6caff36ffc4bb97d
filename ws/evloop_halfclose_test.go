//go:build linux

package ws

import (
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type revEvH struct {
	BaseHandler
	conn    chan *Conn
	block   bool
	release chan struct{}
	got     *atomic.Int64
	closed  chan string
	entered atomic.Bool // OnMessage was entered
}

func (h *revEvH) OnOpen(c *Conn) { h.conn <- c }
func (h *revEvH) OnMessage(*Conn, []byte, bool) {
	h.entered.Store(true)
	if h.block {
		<-h.release
	}
	h.got.Add(1)
}
func (h *revEvH) OnClose(_ *Conn, clean bool, code int, reason string) {
	h.closed <- reason
}

// TestEventLoopFullFeedAndFINInOneEvent (found by review): the FIN arrives in the same epoll event as more bytes than the
// feed has room for, while the feed is not paused: readable reads only up
// to the room, nbio then closes the socket (EPOLLRDHUP) and the rest of
// what the peer sent before its FIN is lost.
func TestEventLoopFullFeedAndFINInOneEvent(t *testing.T) {
	var n atomic.Int32
	release := make(chan struct{})
	var gotA atomic.Int64
	hA := &revEvH{conn: make(chan *Conn, 1), block: true, release: release, got: &gotA, closed: make(chan string, 1)}
	srv := NewServer(func() Handler {
		if n.Add(1) == 1 {
			return hA
		}
		return &revEvH{conn: make(chan *Conn, 1), got: new(atomic.Int64), closed: make(chan string, 1)}
	}, evOpts(true))
	addr := startServer(t, srv, "tcp4")
	ca, err := dialRawIdle(addr)
	require.NoError(t, err)
	defer ca.nc.Close()
	_ = ca.nc.SetDeadline(time.Now().Add(60 * time.Second))
	sa := <-hA.conn
	ea := sa.nc.(*evConn)
	g, _ := evPoller()
	np := g.NPoller
	msg := encode(OpBinary, true, 0, make([]byte, 64<<10), true)
	// The first message is taken by the engine, which then blocks in
	// OnMessage; the next ones fill the feed to below evFeedMax (not
	// paused).
	_, err = ca.nc.Write(msg)
	require.NoError(t, err)
	require.Eventually(t, hA.entered.Load, 5*time.Second, time.Millisecond)
	for i := 0; i < 3; i++ {
		_, err := ca.nc.Write(msg)
		require.NoError(t, err)
	}
	_, err = ca.nc.Write(encode(OpBinary, true, 0, make([]byte, 50<<10), true))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return ea.feedSize() >= 3*(64<<10)+50<<10 }, 5*time.Second, time.Millisecond)
	ea.mu.Lock()
	paused := ea.paused
	ea.mu.Unlock()
	require.False(t, paused)
	// A second connection on the same poller, whose readable we hold up.
	var eb *evConn
	var cb *rawIdleClient
	for i := 0; i < 16 && eb == nil; i++ {
		c, err := dialRawIdle(addr)
		require.NoError(t, err)
		defer c.nc.Close()
		// find its server side
		time.Sleep(20 * time.Millisecond)
		srv.mu.Lock()
		for sl := range srv.slots {
			if sc := sl.conn(); sc != nil && sc != sa {
				if e, ok := sc.nc.(*evConn); ok && e != eb && e.nc.Hash()%np == ea.nc.Hash()%np {
					eb, cb = e, c
				}
			}
		}
		srv.mu.Unlock()
	}
	require.NotNil(t, eb, "no second connection on the same poller")
	eb.rmu.Lock()
	_, err = cb.nc.Write(encode(OpBinary, true, 0, []byte("x"), true))
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond) // the poller now waits for eb.rmu
	for i := 0; i < 2; i++ {
		_, err := ca.nc.Write(encode(OpBinary, true, 0, make([]byte, 20<<10), true))
		require.NoError(t, err)
	}
	require.NoError(t, ca.nc.(*net.TCPConn).CloseWrite())
	time.Sleep(100 * time.Millisecond)
	rc, _ := ea.nc.SyscallConn()
	var inq int32
	_ = rc.Control(func(fd uintptr) {
		_, _, _ = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&inq)))
	})
	t.Logf("pollers %d, feed %d, socket holds %d, half-closed %v", np, ea.feedSize(), inq, ea.peerHalfClosed())
	eb.rmu.Unlock()
	time.Sleep(100 * time.Millisecond)
	close(release)
	select {
	case r := <-hA.closed:
		t.Logf("OnClose: %s", r)
	case <-time.After(10 * time.Second):
		t.Fatal("no OnClose")
	}
	assert.Equal(t, int64(7), gotA.Load(), "messages sent before the FIN were lost")
}
