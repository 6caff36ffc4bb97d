//go:build linux

package ws

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRawCallsOnBlockingDescriptor (found by review): O_NONBLOCK belongs
// to the open file, so anything holding a duplicate of the socket may
// clear it; os.File.Fd does, and code that tunes a socket through
// TCPConn.File is common. The raw socket calls must not block then: a
// read(2) made with RawSyscall on an empty blocking socket held the
// goroutine's P, and the next garbage collection's stop-the-world never
// finished, which froze the whole process. Here the server side's socket
// is made blocking before the connection starts; the server sits in its
// read while the test collects garbage, then echoes small and large
// messages. (A build with the defect hangs here until go test's -timeout.)
// Builds that use the syscall package's calls (race and sanitizer builds,
// 32-bit Linux; sysio_unix.go) block the reading thread on such a socket,
// as before the raw calls: the test is for the raw ones.
func TestRawCallsOnBlockingDescriptor(t *testing.T) {
	if !rawSocketCalls {
		t.Skip("the syscall package's calls are used in this build")
	}
	a, b := tcpPair(t)
	f, err := a.(*net.TCPConn).File()
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	fl, err := fcntlGetfl(f.Fd()) // Fd puts the open file into blocking mode
	require.NoError(t, err)
	require.Zero(t, fl&syscall.O_NONBLOCK, "the socket is blocking for this test")

	engine(t, a, true, testOpts(), &costEchoHandler{}, nil)
	_ = b.SetDeadline(time.Now().Add(testTimeout))
	for _, size := range []int{16, 4 << 10, 200 << 10} {
		time.Sleep(20 * time.Millisecond) // the server waits in its read
		runtime.GC()
		payload, op := echoPayload("binary", size)
		want := encode(op, true, 0, payload, false)
		_, err := b.Write(encode(op, true, 0, payload, true))
		require.NoError(t, err)
		got := make([]byte, len(want))
		_, err = io.ReadFull(b, got)
		require.NoError(t, err, "echo of %d bytes", size)
		require.True(t, bytes.Equal(want, got), "echo of %d bytes", size)
	}
}

// fcntlGetfl returns the file status flags of fd.
func fcntlGetfl(fd uintptr) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}
