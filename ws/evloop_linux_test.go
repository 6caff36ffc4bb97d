package ws

import (
	"bytes"
	"net"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openFileLimit is the process's soft limit on open files.
func openFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return rl.Cur
}

// TestEventLoopUnixSocketFallsBack: with EventLoop on, a Unix socket runs
// in goroutine mode (nbio drops the unwritten rest of a write on Unix
// sockets), and a message larger than the socket buffers, sent before the
// peer reads, arrives whole, followed by the next one.
func TestEventLoopUnixSocketFallsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() { c, _ := ln.Accept(); accepted <- c }()
	cli, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer cli.Close()
	srv := <-accepted
	require.NotNil(t, srv)
	require.NoError(t, srv.(*net.UnixConn).SetWriteBuffer(8<<10))
	require.NoError(t, cli.(*net.UnixConn).SetReadBuffer(8<<10))
	o := testOpts()
	o.EventLoop = true
	c := startConn(connConfig{netConn: srv, isServer: true, opts: o, handler: newRec()})
	t.Cleanup(func() { _ = c.CloseNow() })
	assert.False(t, inEvent(c), "a Unix socket must not be handed to the poller")
	payload := bytes.Repeat([]byte("0123456789abcdef"), 12<<10) // 192 KiB
	sent := make(chan error, 2)
	go func() {
		sent <- c.SendMessage(payload, true)
		sent <- c.SendMessage([]byte("after"), false)
	}()
	time.Sleep(100 * time.Millisecond) // the socket buffers fill first
	p := newPeer(t, cli, true)
	require.NoError(t, cli.SetReadDeadline(time.Now().Add(10*time.Second)))
	f, err := p.read()
	require.NoError(t, err)
	require.Equal(t, OpBinary, f.op)
	require.True(t, bytes.Equal(payload, f.payload), "payload of %d bytes, got %d", len(payload), len(f.payload))
	f, err = p.read()
	require.NoError(t, err)
	assert.Equal(t, "after", string(f.payload))
	require.NoError(t, <-sent)
	require.NoError(t, <-sent)
}

// TestEvConnFitsSizeClass keeps the event loop's per-connection state in
// the 128-byte size class (an idle event-loop connection's whole budget
// is about 2 KB).
func TestEvConnFitsSizeClass(t *testing.T) {
	assert.LessOrEqual(t, int(unsafe.Sizeof(evConn{})), 128)
}
