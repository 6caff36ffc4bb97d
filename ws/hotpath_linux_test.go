//go:build linux

package ws

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConnReaderLargeMessageOneRead: once messages larger than the small
// array arrive, a message already waiting in the socket is taken in one
// read (a pooled buffer from the first attempt, not small and then the
// rest); once they are small again, reads go back to the small array.
func TestConnReaderLargeMessageOneRead(t *testing.T) {
	a, b := tcpConns(t)
	r := newConnReader(a, nil)
	require.True(t, r.raw.ok())
	_ = a.SetReadDeadline(time.Now().Add(testTimeout))
	for i, tc := range []struct {
		size     int
		buffered int // after reading 2 bytes of it
	}{
		{1 << 10, len(r.small) - 2}, // the first goes into small
		{1 << 10, 1<<10 - 2},        // then whole
		{3 << 10, 3<<10 - 2},
		{64, 62}, // small, read into a pooled buffer once more
		{1 << 10, len(r.small) - 2},
		{1 << 10, 1<<10 - 2},
	} {
		msg := bytes.Repeat([]byte{byte(i + 1)}, tc.size)
		_, err := b.Write(msg)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return socketPending(t, a) >= tc.size }, testTimeout, time.Millisecond)
		var two [2]byte
		_, err = io.ReadFull(r, two[:])
		require.NoError(t, err)
		assert.Equal(t, tc.buffered, r.Buffered(), "message %d (%d bytes)", i, tc.size)
		rest := make([]byte, tc.size-2)
		_, err = io.ReadFull(r, rest)
		require.NoError(t, err)
		require.True(t, bytes.Equal(msg[2:], rest))
		r.release()
		assert.Nil(t, r.pooled, "a drained reader holds no pooled buffer")
	}
}

// socketPending is how many bytes wait unread in c's receive queue.
func socketPending(t *testing.T, c net.Conn) int {
	rc, err := c.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	var n int32
	require.NoError(t, rc.Control(func(fd uintptr) {
		_, _, _ = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	}))
	return int(n)
}
