package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

func init() {
	// floor-epoll is floor without Go's netpoller: every socket on one
	// level-triggered epoll set, served by one locked thread. Not in
	// serverOrder, run it with -impls.
	servers["floor-epoll"] = serveFloorEpoll
}

// serveFloorEpoll is floor (floor.go) on an epoll loop of its own, the
// floor of a server on one core without Go's netpoller: per echo one read
// and one write (no read that finds the socket empty, as every server on
// the edge-triggered netpoller makes), an epoll_wait shared by every
// socket ready at once, and no goroutine switch. The sockets leave the
// netpoller: each is a duplicate descriptor taken before net/http's is
// closed. A write that finds the socket buffer full waits for room there
// and then, holding up the other sockets meanwhile: meant for loads that
// keep one message of at most a socket buffer in flight per connection
// (64 B–16 KiB here), not for 1 MiB.
func serveFloorEpoll(ln net.Listener) error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("floor-epoll: %w", err)
	}
	l := &epollFloor{ep: ep}
	go l.loop()
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, n, buf, ok := floorUpgrade(w, r)
		if !ok {
			return
		}
		fd, err := dupSocket(nc)
		_ = nc.Close() // fd stays open: the socket lives on
		if err != nil {
			return
		}
		c := &epollConn{fd: fd, buf: buf}
		// What came with the handshake first (a client may send a frame
		// right behind its request).
		if c.n, err = floorSend(buf, n, c); err != nil {
			_ = unix.Close(fd)
			return
		}
		l.conns.Store(fd, c)
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)}
		if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			l.conns.Delete(fd)
			_ = unix.Close(fd)
		}
	}))
}

// dupSocket returns a non-blocking duplicate of nc's descriptor that Go's
// netpoller does not watch (TCPConn.File would register it there too).
func dupSocket(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1, fmt.Errorf("floor-epoll: %T has no descriptor", nc)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, derr := -1, error(nil)
	if err := rc.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, derr
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

type epollFloor struct {
	ep    int
	conns sync.Map // fd → *epollConn
	// last is the connection of the last event (most events of a burst
	// find it again: the floor should not pay a map lookup each). The
	// loop's goroutine alone uses it.
	last *epollConn
}

type epollConn struct {
	fd  int
	buf []byte
	n   int
}

// Write writes all of b to the non-blocking socket, waiting for room
// when the socket buffer is full.
func (c *epollConn) Write(b []byte) (int, error) {
	done := 0
	for done < len(b) {
		n, err := unix.Write(c.fd, b[done:])
		switch {
		case err == unix.EAGAIN:
			pfd := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLOUT}}
			if _, err := unix.Poll(pfd, -1); err != nil && err != unix.EINTR {
				return done, err
			}
		case err == unix.EINTR:
		case err != nil:
			return done, err
		default:
			done += n
		}
	}
	return done, nil
}

func (l *epollFloor) loop() {
	runtime.LockOSThread()
	events := make([]unix.EpollEvent, 128)
	for {
		k, err := unix.EpollWait(l.ep, events, -1)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			fmt.Fprintln(os.Stderr, "floor-epoll:", err)
			return
		}
		for _, ev := range events[:k] {
			l.ready(int(ev.Fd))
		}
	}
}

// ready reads a readable socket once and sends back the frames it
// completed; a connection that ends or fails is closed.
func (l *epollFloor) ready(fd int) {
	c := l.last
	if c == nil || c.fd != fd {
		v, ok := l.conns.Load(fd)
		if !ok {
			return
		}
		c = v.(*epollConn)
		l.last = c
	}
	if c.n == len(c.buf) {
		c.buf = floorGrow(c.buf)
	}
	m, err := unix.Read(fd, c.buf[c.n:])
	if err == unix.EAGAIN || err == unix.EINTR {
		return
	}
	if err == nil && m > 0 {
		c.n += m
		if c.n, err = floorSend(c.buf, c.n, c); err == nil {
			return
		}
	}
	_ = unix.EpollCtl(l.ep, unix.EPOLL_CTL_DEL, fd, nil)
	l.conns.Delete(fd)
	if l.last == c {
		l.last = nil
	}
	_ = unix.Close(fd)
}
