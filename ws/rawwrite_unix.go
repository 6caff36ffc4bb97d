//go:build unix

package ws

import (
	"net"
	"syscall"
)

// rawWriter writes to a socket's descriptor without waiting: what the
// kernel's send buffer takes now is written, the rest is left to the
// caller (a broadcast queues it). It serves the direct path of broadcasts
// (broadcast_direct.go), which must never block on one slow peer. Use it
// with wmu held (its fields are per call).
type rawWriter struct {
	rc  syscall.RawConn
	fn  func(fd uintptr) bool // w.write, bound once (no allocation per call)
	buf []byte
	n   int
	err error
}

// plainSocket returns the descriptor access of a plain TCP or Unix socket,
// nil for anything else (TLS, wrapped connections, pipes, the event loop's
// connections): those are only written through their net.Conn. Both raw
// writers (this one and sockWriter) start from it.
func plainSocket(nc net.Conn) syscall.RawConn {
	var sc syscall.Conn
	switch t := nc.(type) {
	case *net.TCPConn:
		sc = t
	case *net.UnixConn:
		sc = t
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// newRawWriter returns a rawWriter for a plain TCP or Unix socket, nil for
// anything else (see plainSocket).
func newRawWriter(nc net.Conn) *rawWriter {
	rc := plainSocket(nc)
	if rc == nil {
		return nil
	}
	w := &rawWriter{rc: rc}
	w.fn = w.write
	return w
}

// write is the RawConn callback: one non-blocking write (again after
// EINTR); it always returns true, so RawConn.Write never waits for the
// socket to become writable.
func (w *rawWriter) write(fd uintptr) bool {
	for {
		n, errno := sysWrite(fd, w.buf[w.n:]) // sysio_linux.go
		w.n += n
		switch errno {
		case 0, syscall.EAGAIN:
		case syscall.EINTR:
			continue
		default:
			w.err = errno
		}
		return true
	}
}

// tryWrite writes as much of b as the socket takes without waiting and
// returns how much that was. A full send buffer is not an error (n < len
// b, nil); a closed or failed socket is.
func (w *rawWriter) tryWrite(b []byte) (int, error) {
	w.buf, w.n, w.err = b, 0, nil
	err := w.rc.Write(w.fn)
	n := w.n
	if err == nil {
		err = w.err
	}
	w.buf, w.err = nil, nil
	return n, err
}
