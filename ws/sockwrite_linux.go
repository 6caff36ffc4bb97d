//go:build linux

package ws

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"
)

// sockWriter writes a plain TCP or Unix socket through its
// syscall.RawConn (see Conn.sockWrite): the first attempt is one
// non-blocking write (writev for a header and a payload), which on a
// socket whose send buffer has room writes everything with no deadline to
// arm and no clock to read. Only when the socket is full does the write
// wait for it, and only then is WriteTimeout armed: it bounds each wait
// for the peer to take more, and is taken off the socket again once the
// frame is out, so an idle or freely writing connection has no deadline
// timer armed at all.
//
// Its fields describe the write in progress; use it with wmu held.
type sockWriter struct {
	rc       syscall.RawConn
	nc       net.Conn              // for the addresses of errors
	fn       func(fd uintptr) bool // w.write, bound once (no closure per write)
	a, b     []byte                // what is left to write: a, then b
	iov      [2]syscall.Iovec
	msg      syscall.Msghdr // sendmsg(2)'s header for iov (sysio_linux.go)
	wait     bool           // the callback may let RawConn.Write wait for writability
	progress bool           // bytes were written since the last wait began
	errno    syscall.Errno
}

// newSockWriter returns a sockWriter for a plain TCP or Unix socket, nil
// for anything else (TLS, LogOctets' wrapper, pipes, the event loop's
// connections): those are written through their net.Conn.
func newSockWriter(nc net.Conn) *sockWriter {
	rc := plainSocket(nc)
	if rc == nil {
		return nil
	}
	w := &sockWriter{rc: rc, nc: nc}
	w.fn = w.write
	return w
}

// write is the RawConn.Write callback: it writes until everything is out
// (true), an error (true, errno set) or a full socket: then it returns
// false (wait) when waiting is allowed and nothing was written since the
// wait began, else true, so that the caller re-arms the deadline before
// the next wait.
func (w *sockWriter) write(fd uintptr) bool {
	for len(w.a)+len(w.b) > 0 {
		var n int
		var errno syscall.Errno
		switch {
		case len(w.a) > 0 && len(w.b) > 0:
			w.iov[0].Base, w.iov[1].Base = &w.a[0], &w.b[0]
			w.iov[0].SetLen(len(w.a))
			w.iov[1].SetLen(len(w.b))
			n, errno = sysWritev(fd, &w.msg, &w.iov, len(w.a)+len(w.b)) // sysio_linux.go
			w.iov = [2]syscall.Iovec{}                                  // pin no payload
		case len(w.a) > 0:
			n, errno = sysWrite(fd, w.a)
		default:
			n, errno = sysWrite(fd, w.b)
		}
		switch errno {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if w.wait && !w.progress {
				return false
			}
			w.progress = false
			return true
		default:
			w.errno = errno
			return true
		}
		if n > 0 {
			w.progress = true
		}
		if k := min(n, len(w.a)); k > 0 {
			w.a, n = w.a[k:], n-k
		}
		w.b = w.b[n:]
	}
	return true
}

// noSockWriter marks a connection without a raw path (shared, never
// written: its rc is nil), so that such connections (the event loop's, TLS)
// hold no writer of their own.
var noSockWriter sockWriter

// selfTimedWriter marks, as noSockWriter does, a connection without a raw
// path whose socket bounds its own waits by WriteTimeout: the event
// loop's evConn, whose writes never block and whose wait for the poller
// to drain its buffer starts its own WriteTimeout (evConn.waitDrain), so
// sockWrite arms no deadline (and reads no clock) per write there.
var selfTimedWriter sockWriter

// rawSock returns the connection's raw writer, nil when its socket is
// not one (made on the first write). Call with wmu held.
func (c *Conn) rawSock() *sockWriter {
	s := c.sw
	if s == nil {
		if s = newSockWriter(c.nc); s == nil {
			s = &noSockWriter // no raw path: remembered, not retried
			if _, ok := c.nc.(*evConn); ok {
				s = &selfTimedWriter
			}
		}
		c.sw = s
	}
	if s.rc == nil {
		return nil
	}
	return s
}

// selfTimed reports whether the socket times its own waits (see
// selfTimedWriter); valid after rawSock. Call with wmu held.
func (c *Conn) selfTimed() bool { return c.sw == &selfTimedWriter }

// sockWriteRaw is sockWrite on a raw socket (see sockWriter).
func (c *Conn) sockWriteRaw(w *sockWriter, a, b []byte) error {
	w.a, w.b, w.wait, w.progress, w.errno = a, b, false, false, 0
	err := w.rc.Write(w.fn)
	waited := false
	d := c.opts.WriteTimeout
	armedLeft := -1 // bytes left when the deadline was armed (-1: not yet)
	for err == nil && w.errno == 0 && len(w.a)+len(w.b) > 0 {
		// The socket is full: wait until the peer takes more. The peer
		// must take writeSlice bytes (or the rest of the frame) within
		// each WriteTimeout, as on the sliced path: the deadline moves on
		// only after that much went out, so a peer that reads a trickle
		// cannot hold the sender (and its locks) for ever.
		if left := len(w.a) + len(w.b); d > 0 && (armedLeft < 0 || armedLeft-left >= writeSlice) {
			c.armWriteDeadline(d)
			armedLeft = left
		}
		waited, w.wait, w.progress = true, true, false
		err = w.rc.Write(w.fn)
	}
	if waited && c.wdl != 0 {
		// Off the socket again (see sockWriter); a dropped connection
		// needs no deadline either.
		c.wdl = 0
		_ = c.nc.SetWriteDeadline(time.Time{})
	}
	w.a, w.b = nil, nil
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "raw-write" {
			oe.Op = "write"
		}
		return err
	}
	if w.errno != 0 {
		return &net.OpError{Op: "write", Net: w.nc.LocalAddr().Network(), Source: w.nc.LocalAddr(), Addr: w.nc.RemoteAddr(), Err: os.NewSyscallError("write", w.errno)}
	}
	return nil
}
