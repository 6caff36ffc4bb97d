//go:build linux

package ws

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nbSocketPair returns the two ends of a non-blocking Unix stream socket
// pair with small send and receive buffers, closed at the end of the
// test. The raw calls are made on these descriptors only (the test owns
// them for its whole run).
func nbSocketPair(t *testing.T) (a, b uintptr) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	for _, fd := range fds {
		require.NoError(t, syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 16<<10))
		require.NoError(t, syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10))
	}
	t.Cleanup(func() {
		_ = syscall.Close(fds[0])
		_ = syscall.Close(fds[1])
	})
	return uintptr(fds[0]), uintptr(fds[1])
}

// drainInto reads fd until EAGAIN, appending to dst.
func drainInto(t *testing.T, fd uintptr, dst []byte) []byte {
	t.Helper()
	buf := make([]byte, 8<<10)
	for {
		n, e := sysRead(fd, buf)
		if e == syscall.EAGAIN {
			return dst
		}
		require.Zero(t, e, "read")
		require.Positive(t, n, "read: unexpected end of stream")
		dst = append(dst, buf[:n]...)
	}
}

// TestSysIOTransfers: the raw paths' calls (sysio_linux.go; syscall's in
// race builds) move every byte of writes and two-vector writes below and
// above rawSysMax, across the many partial writes and EAGAINs of a full
// socket, in order; an empty socket reads EAGAIN (count 0), a closed peer
// reads as the end (0, no error), a bad descriptor gives its Errno.
func TestSysIOTransfers(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b int // sizes of the two vectors (b 0: a plain write)
	}{
		{"write 1", 1, 0},
		{"write 64", 64, 0},
		{"write rawSysMax", rawSysMax, 0},
		{"write rawSysMax+1", rawSysMax + 1, 0},
		{"write 1 MiB", 1 << 20, 0},
		{"writev 14+64", 14, 64},
		{"writev 14+rawSysMax", 14, rawSysMax},
		{"writev 10+1 MiB", 10, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, r := nbSocketPair(t)
			want := make([]byte, tc.a+tc.b)
			for i := range want {
				want[i] = byte(i*7 + i>>11)
			}
			pa, pb := want[:tc.a], want[tc.a:]
			var got []byte
			partial, eagain := 0, 0
			deadline := time.Now().Add(testTimeout)
			for len(pa)+len(pb) > 0 {
				require.True(t, time.Now().Before(deadline), "transfer stalled")
				var n int
				var e syscall.Errno
				if len(pa) > 0 && len(pb) > 0 {
					var iov [2]syscall.Iovec
					iov[0].Base, iov[1].Base = &pa[0], &pb[0]
					iov[0].SetLen(len(pa))
					iov[1].SetLen(len(pb))
					n, e = sysWritev(w, &syscall.Msghdr{}, &iov, len(pa)+len(pb))
				} else if len(pa) > 0 {
					n, e = sysWrite(w, pa)
				} else {
					n, e = sysWrite(w, pb)
				}
				switch e {
				case 0:
					require.Positive(t, n)
					if n < len(pa)+len(pb) {
						partial++
					}
				case syscall.EAGAIN:
					require.Zero(t, n, "count with EAGAIN")
					eagain++
					got = drainInto(t, r, got) // the peer takes what is there
					continue
				case syscall.EINTR:
					continue
				default:
					require.Failf(t, "write", "errno %v", e)
				}
				k := min(n, len(pa))
				pa, pb = pa[k:], pb[n-k:]
			}
			got = drainInto(t, r, got)
			require.Equal(t, len(want), len(got))
			assert.True(t, bytes.Equal(want, got), "bytes differ")
			if len(want) > 64<<10 {
				// The socket holds far less: the loop went through cut
				// writes and full-socket EAGAINs, and carried on.
				assert.Positive(t, partial+eagain, "no partial write or EAGAIN seen")
			}
			t.Logf("%d bytes: %d partial writes, %d EAGAIN", len(want), partial, eagain)
		})
	}
	t.Run("empty, closed, bad descriptor", func(t *testing.T) {
		w, r := nbSocketPair(t)
		buf := make([]byte, 64)
		n, e := sysRead(r, buf)
		assert.Equal(t, syscall.EAGAIN, e, "empty socket")
		assert.Zero(t, n)
		require.NoError(t, syscall.Shutdown(int(w), syscall.SHUT_WR))
		n, e = sysRead(r, buf)
		assert.Zero(t, e, "end of stream is no error")
		assert.Zero(t, n, "end of stream reads 0")
		bad := ^uintptr(0) // -1: never a descriptor
		_, e = sysRead(bad, buf)
		assert.Equal(t, syscall.EBADF, e)
		_, e = sysWrite(bad, buf)
		assert.Equal(t, syscall.EBADF, e)
		var iov [2]syscall.Iovec
		iov[0].Base, iov[1].Base = &buf[0], &buf[1]
		iov[0].SetLen(1)
		iov[1].SetLen(1)
		_, e = sysWritev(bad, &syscall.Msghdr{}, &iov, 2)
		assert.Equal(t, syscall.EBADF, e, fmt.Sprint("writev ", e))
	})
}

// TestSysIOBlockingSocket: the raw calls return EAGAIN on a blocking
// socket with nothing to read or no room to write, as on a non-blocking
// one (MSG_DONTWAIT; see TestRawCallsOnBlockingDescriptor). If one blocks
// instead, the other end unblocks it after a while and the test fails.
func TestSysIOBlockingSocket(t *testing.T) {
	if !rawSocketCalls {
		t.Skip("the syscall package's calls are used in this build")
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Close(fds[0]); _ = syscall.Close(fds[1]) })
	a, b := uintptr(fds[0]), uintptr(fds[1])
	unblock := time.AfterFunc(3*time.Second, func() { _, _ = syscall.Write(fds[1], []byte{1}) })
	buf := make([]byte, 64)
	n, e := sysRead(a, buf)
	require.True(t, unblock.Stop(), "sysRead blocked on an empty blocking socket")
	assert.Equal(t, 0, n)
	assert.Equal(t, syscall.EAGAIN, e)

	chunk := make([]byte, 4<<10)
	full := false
	for range 10000 {
		_, e := sysWrite(b, chunk)
		if e == syscall.EAGAIN {
			full = true
			break
		}
		require.Zero(t, e)
	}
	require.True(t, full, "the socket never filled")
	var iov [2]syscall.Iovec
	iov[0].Base, iov[1].Base = &chunk[0], &chunk[1]
	iov[0].SetLen(1)
	iov[1].SetLen(1)
	n, e = sysWritev(b, &syscall.Msghdr{}, &iov, 2)
	assert.Equal(t, 0, n)
	assert.Equal(t, syscall.EAGAIN, e)
}
