package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
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
// floor of a server on one core: per echo one read and one write (no read
// that finds the socket empty, as every server on Go's edge-triggered
// netpoller makes), an epoll_wait shared by every socket ready at once,
// and no goroutine switch.
func serveFloorEpoll(ln net.Listener) error {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
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
		f, err := nc.(*net.TCPConn).File() // a descriptor of the loop's own
		_ = nc.Close()
		if err != nil {
			return
		}
		fd := int(f.Fd())
		if err := syscall.SetNonblock(fd, true); err != nil {
			_ = f.Close()
			return
		}
		c := &epollConn{f: f, fd: fd, buf: buf, n: n}
		l.conns.Store(fd, c)
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			l.conns.Delete(fd)
			_ = f.Close()
		}
	}))
}

type epollFloor struct {
	ep    int
	spin  int      // empty polls before epoll_wait blocks
	conns sync.Map // fd → *epollConn
	// last caches the connection of the last event (most events of a
	// burst find it again): the floor should not pay a map lookup each.
	last atomic.Pointer[epollConn]
}

type epollConn struct {
	f   *os.File // keeps the descriptor open
	fd  int
	buf []byte
	n   int
}

// Write writes all of b to the non-blocking socket, waiting for room
// when the socket buffer is full.
func (c *epollConn) Write(b []byte) (int, error) {
	done := 0
	for done < len(b) {
		n, err := syscall.Write(c.fd, b[done:])
		switch {
		case err == syscall.EAGAIN:
			pfd := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLOUT}}
			if _, err := unix.Poll(pfd, -1); err != nil && err != unix.EINTR {
				return done, err
			}
		case err == syscall.EINTR:
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
	events := make([]syscall.EpollEvent, 128)
	for {
		k, err := syscall.EpollWait(l.ep, events, -1)
		if err != nil {
			if err == syscall.EINTR {
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
	c := l.last.Load()
	if c == nil || c.fd != fd {
		v, ok := l.conns.Load(fd)
		if !ok {
			return
		}
		c = v.(*epollConn)
		l.last.Store(c)
	}
	if c.n == len(c.buf) {
		c.buf = floorGrow(c.buf)
	}
	m, err := syscall.Read(fd, c.buf[c.n:])
	if err == syscall.EAGAIN || err == syscall.EINTR {
		return
	}
	if err == nil && m > 0 {
		c.n += m
		if c.n, err = floorSend(c.buf, c.n, c); err == nil {
			return
		}
	}
	_ = syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_DEL, fd, nil)
	l.conns.Delete(fd)
	l.last.CompareAndSwap(c, nil)
	_ = c.f.Close()
}
