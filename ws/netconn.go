package ws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// NetConn returns a net.Conn that carries a byte stream over c, a
// connection in blocking mode (from Dial with a nil Handler, or Accept):
// the WebSocket counterpart of a TCP socket, as coder/websocket's NetConn
// and Autobahn's WrappingWebSocket offer, for protocols written against
// net.Conn (an RPC codec, a tunnel, SSH, ...).
//
//   - Read reads the payloads of the messages received, one after the
//     other, across message boundaries. The messages must be binary when
//     isBinary is set, text otherwise; one of the other type fails the
//     connection with 1003 (unsupported data). Once the peer closed with
//     1000 or 1001, Read returns io.EOF; any other end gives the
//     *CloseError.
//   - Write sends each call's bytes as one message (an empty Write sends
//     nothing). It copies p and hands it to a sender goroutine, one
//     message in flight at a time: it returns once the message before it
//     is written to the socket, so a peer that stops reading blocks
//     Write as it would block a TCP socket. Errors of that sender are
//     reported by the next Write.
//   - SetReadDeadline and SetWriteDeadline work as on a net.Conn: a Read
//     or Write waiting past its deadline returns an error whose Timeout()
//     is true (wrapping os.ErrDeadlineExceeded), and nothing is lost: a
//     timed-out Read leaves the data it did not take for the next Read, a
//     timed-out Write sent nothing. The connection stays usable.
//   - Close finishes the message in flight, then runs the closing
//     handshake (code 1000, see Conn.Close) and returns nil when it was
//     clean. The peer answers once it has read the messages before the
//     close, so Close waits for the peer's reader (at most
//     CloseHandshakeTimeout for the message in flight, then as long again
//     for the handshake; a peer that takes nothing is dropped and Close
//     returns an error). It returns net.ErrClosed when called again.
//   - LocalAddr and RemoteAddr are the socket's addresses.
//
// ctx bounds the adapter's life: when it ends, the connection is dropped
// (CloseNow). NetConn takes over reading c: do not call c's ReadMessage
// or NextReader as well. On a connection in callback mode (with a
// Handler) Read fails; Write works.
func NetConn(ctx context.Context, c *Conn, isBinary bool) net.Conn {
	n := &netConn{
		c:          c,
		isBinary:   isBinary,
		rdl:        newStreamDeadline(),
		wdl:        newStreamDeadline(),
		wq:         make(chan []byte),
		closed:     make(chan struct{}),
		senderDone: make(chan struct{}),
	}
	n.stopCtx = context.AfterFunc(ctx, func() { _ = c.CloseNow() })
	go n.sender()
	return n
}

// netConn is the net.Conn of NetConn.
type netConn struct {
	c        *Conn
	isBinary bool
	stopCtx  func() bool

	rmu  sync.Mutex // one Read at a time
	rbuf []byte     // the rest of the piece of a message being read
	rerr error      // sticky read error

	wmu        sync.Mutex // one Write at a time: messages keep their order
	wq         chan []byte
	werr       atomic.Pointer[error] // first error of the sender
	senderDone chan struct{}

	rdl, wdl  *streamDeadline
	closed    chan struct{}
	closeOnce sync.Once
}

// opError wraps err as a net.Conn error for operation op.
func (n *netConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "websocket", Source: n.c.LocalAddr(), Addr: n.c.RemoteAddr(), Err: err}
}

// Read implements net.Conn.
func (n *netConn) Read(p []byte) (int, error) {
	n.rmu.Lock()
	defer n.rmu.Unlock()
	c := n.c
	if c.events == nil {
		return 0, fmt.Errorf("ws: netconn read: %w", errCallbackMode)
	}
	for len(n.rbuf) == 0 {
		if n.rerr != nil {
			return 0, n.rerr
		}
		dl := n.rdl.wait()
		select {
		case <-n.closed:
			return 0, n.opError("read", net.ErrClosed)
		case <-dl:
			return 0, n.opError("read", os.ErrDeadlineExceeded)
		default:
		}
		select {
		case ev := <-c.events:
			if ev.first && ev.isBinary != n.isBinary {
				want := map[bool]string{true: "binary", false: "text"}[n.isBinary]
				_ = c.closeWith(CloseUnsupportedData, "expected "+want+" messages only")
				n.rerr = fmt.Errorf("ws: netconn read: received a %s message on a %s stream", map[bool]string{true: "binary", false: "text"}[ev.isBinary], want)
				return 0, n.rerr
			}
			n.rbuf = ev.data
		case <-c.done.wait():
			err := c.closeError()
			var ce *CloseError
			if errors.As(err, &ce) && ce.WasClean && (ce.Code == CloseNormal || ce.Code == CloseGoingAway) {
				err = io.EOF
			}
			n.rerr = err
		case <-dl:
			return 0, n.opError("read", os.ErrDeadlineExceeded)
		case <-n.closed:
			return 0, n.opError("read", net.ErrClosed)
		}
	}
	k := copy(p, n.rbuf)
	n.rbuf = n.rbuf[k:]
	return k, nil
}

// Write implements net.Conn.
func (n *netConn) Write(p []byte) (int, error) {
	n.wmu.Lock()
	defer n.wmu.Unlock()
	dl := n.wdl.wait()
	select {
	case <-n.closed:
		return 0, n.opError("write", net.ErrClosed)
	case <-dl:
		return 0, n.opError("write", os.ErrDeadlineExceeded)
	default:
	}
	if err := n.werr.Load(); err != nil {
		return 0, *err
	}
	if len(p) == 0 {
		return 0, nil
	}
	msg := bytes.Clone(p)
	select {
	case n.wq <- msg:
		return len(p), nil
	case <-dl:
		return 0, n.opError("write", os.ErrDeadlineExceeded)
	case <-n.closed:
		return 0, n.opError("write", net.ErrClosed)
	case <-n.c.done.wait():
		return 0, fmt.Errorf("ws: netconn write: %w", n.c.closeError())
	}
}

// sender writes the messages of Write, one at a time, until Close or
// the end of the connection.
func (n *netConn) sender() {
	defer close(n.senderDone)
	for {
		select {
		case <-n.c.done.wait():
			n.stopCtx()
			return
		case m := <-n.wq:
			if err := n.c.SendMessage(m, n.isBinary); err != nil {
				err = fmt.Errorf("ws: netconn write: %w", err)
				n.werr.CompareAndSwap(nil, &err)
			}
		case <-n.closed:
			return
		}
	}
}

// Close implements net.Conn.
func (n *netConn) Close() error {
	err := n.opError("close", net.ErrClosed)
	n.closeOnce.Do(func() {
		close(n.closed)
		n.stopCtx()
		n.rdl.close()
		n.wdl.close()
		// The message in flight goes out before the close frame; a peer
		// that does not take it within CloseHandshakeTimeout would not
		// answer a close either.
		if d := n.c.opts.CloseHandshakeTimeout; d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-n.senderDone:
			case <-t.C:
				_ = n.c.CloseNow()
				err = n.opError("close", fmt.Errorf("ws: the peer took no data for %v (CloseHandshakeTimeout); connection dropped", d))
				return
			}
		} else {
			<-n.senderDone
		}
		err = n.c.Close()
	})
	return err
}

// LocalAddr implements net.Conn.
func (n *netConn) LocalAddr() net.Addr { return n.c.LocalAddr() }

// RemoteAddr implements net.Conn.
func (n *netConn) RemoteAddr() net.Addr { return n.c.RemoteAddr() }

// SetDeadline implements net.Conn.
func (n *netConn) SetDeadline(t time.Time) error {
	n.rdl.set(t)
	n.wdl.set(t)
	return nil
}

// SetReadDeadline implements net.Conn.
func (n *netConn) SetReadDeadline(t time.Time) error { n.rdl.set(t); return nil }

// SetWriteDeadline implements net.Conn.
func (n *netConn) SetWriteDeadline(t time.Time) error { n.wdl.set(t); return nil }

// streamDeadline is a deadline that waiting calls can select on, and that
// may be moved while they wait: wait returns a channel closed once the
// deadline in force has passed.
type streamDeadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{} // closed when the deadline has passed
	done  bool          // closed for good
}

func newStreamDeadline() *streamDeadline { return &streamDeadline{ch: make(chan struct{})} }

// set moves the deadline (zero: none).
func (d *streamDeadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		return
	}
	if d.timer != nil && !d.timer.Stop() {
		<-d.ch // the timer fired: wait until it closed the channel
	}
	d.timer = nil
	passed := isClosedChan(d.ch)
	if t.IsZero() || time.Until(t) > 0 {
		if passed {
			d.ch = make(chan struct{})
		}
		if !t.IsZero() {
			ch := d.ch
			d.timer = time.AfterFunc(time.Until(t), func() { close(ch) })
		}
		return
	}
	if !passed {
		close(d.ch)
	}
}

// wait returns the channel closed when the current deadline passes.
func (d *streamDeadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}

// close stops the timer for good.
func (d *streamDeadline) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.done = true
}

func isClosedChan(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
