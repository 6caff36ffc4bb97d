//go:build unix

package ws

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// rawSource reads a TCP or Unix socket through its syscall.RawConn, so
// that a read waits for the socket to become readable holding no pooled
// buffer (see connReader): attempts go into the small array while
// messages are small, into a pooled buffer borrowed for the attempt once
// a read took at least what small holds.
type rawSource struct {
	rc    syscall.RawConn
	nc    net.Conn              // for the addresses of errors
	fn    func(fd uintptr) bool // r.rawRead bound once (no closure per read)
	n     int                   // what the last read returned
	errno syscall.Errno
}

// newRawSource sets the raw path up when src is a TCP or Unix socket;
// nil otherwise (a connReader over anything else holds no rawSource).
func newRawSource(r *connReader, src io.Reader) *rawSource {
	var sc syscall.Conn
	switch c := src.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	s := &rawSource{rc: rc, nc: src.(net.Conn)}
	s.fn = r.rawRead
	return s
}

func (s *rawSource) ok() bool { return s != nil && s.rc != nil }

// rawRead is the RawConn.Read callback: one non-blocking read; false
// (wait for readability) when nothing is there.
func (r *connReader) rawRead(fd uintptr) bool {
	s := r.raw
	buf := r.small[:]
	if r.big {
		// Large messages (or several at once) arrived last time: a pooled
		// buffer, so that one read takes them whole. While they are small,
		// the read after a wake-up goes into small as the first attempt
		// does (no pooled buffer borrowed and given back per message); a
		// read that fills it sets big for the next one.
		buf = r.borrow()
	}
	for {
		s.n, s.errno = sysRead(fd, buf) // sysio_linux.go
		if s.errno != syscall.EINTR {
			break
		}
	}
	if s.errno == syscall.EAGAIN || s.errno == syscall.EWOULDBLOCK {
		if r.pooled != nil {
			r.drained() // a spurious wake-up: wait holding nothing
		}
		return false
	}
	r.buf = buf
	return true
}

// fill reads the socket once into an empty buffer (the raw path of
// connReader.fill).
func (s *rawSource) fill(r *connReader) {
	s.n, s.errno = 0, 0
	err := s.rc.Read(s.fn)
	n := s.n
	var rerr error
	if err != nil {
		// Closed, deadline: the error net.Conn.Read would give.
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "raw-read" {
			oe.Op = "read"
		}
		n, rerr = 0, err
	} else if s.errno != 0 {
		n = 0
		rerr = &net.OpError{Op: "read", Net: s.nc.LocalAddr().Network(), Source: s.nc.LocalAddr(), Addr: s.nc.RemoteAddr(), Err: os.NewSyscallError("read", s.errno)}
	} else if n == 0 {
		rerr = io.EOF
	}
	if n < 0 {
		n = 0
	}
	r.r, r.w, r.err = 0, int32(n), rerr
	r.hot = n > 0 && n == len(r.buf)
	r.big = n >= len(r.small)
	if n == 0 {
		r.drained()
	}
}
