package ws

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// h2Conn presents one HTTP/2 stream carrying a WebSocket (RFC 8441) as a
// net.Conn, so that the one engine runs over it unchanged: framing,
// masking, limits and the close handshake are those of RFC 6455 (RFC 8441
// section 5).
//
// Inbound bytes come from rd (the request body on a server, the response
// body on a client); outbound bytes go to wr (the http.ResponseWriter on a
// server, flushed after every write so that each frame leaves at once;
// the request body pipe on a client). Close ends our side of the stream
// and fails blocked reads and writes; the HTTP/2 connection under it is
// left alone (other streams go on). A stream reset by the peer surfaces
// as a read or write error, which the engine reports as an abnormal
// closure (1006).
type h2Conn struct {
	rd    io.ReadCloser
	wr    io.Writer
	flush func() error // nil: wr needs no flush
	// endWrite ends our half of the stream on Close (client: closes the
	// request body pipe, which sends END_STREAM); nil on a server, where
	// the handler's return ends the response.
	endWrite func() error
	// setRead and setWrite set deadlines on the stream. They may fail the
	// stream when a deadline passes (net/http resets it): the engine drops
	// the connection on a timeout anyway.
	setRead, setWrite func(time.Time) error

	local, remote net.Addr

	mu      sync.Mutex
	closed  bool
	writing int           // uses of the stream in progress: writes, deadlines (under mu)
	idle    chan struct{} // closed once closed and no write is in progress
	wTimed  bool          // the write deadline passed (client deadlines)
	rTimed  bool          // the read deadline passed (client deadlines)
	timers  [2]*time.Timer
}

func newH2Conn(rd io.ReadCloser, wr io.Writer, local, remote net.Addr) *h2Conn {
	return &h2Conn{rd: rd, wr: wr, local: local, remote: remote, idle: make(chan struct{})}
}

// errH2Closed is returned by reads and writes after Close.
var errH2Closed = fmt.Errorf("ws: HTTP/2 stream closed: %w", net.ErrClosed)

// Read reads from the inbound half of the stream.
func (c *h2Conn) Read(p []byte) (int, error) {
	n, err := c.rd.Read(p)
	if err != nil {
		c.mu.Lock()
		closed, timed := c.closed, c.rTimed
		c.mu.Unlock()
		switch {
		case timed:
			err = fmt.Errorf("ws: HTTP/2 stream read: %w", os.ErrDeadlineExceeded)
		case closed:
			err = errH2Closed
		}
	}
	return n, err
}

// Write writes p to the outbound half of the stream and flushes it.
func (c *h2Conn) Write(p []byte) (n int, err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, errH2Closed
	}
	c.writing++
	c.mu.Unlock()
	defer func() {
		// net/http panics on a ResponseWriter used after its handler
		// returned (only possible when an Accept caller returns from its
		// handler while the Conn is still open): report it as a closed
		// stream instead of crashing the process.
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("ws: HTTP/2 stream write after the handler returned (%v): %w", r, net.ErrClosed)
		}
		c.doneUsing()
		c.mu.Lock()
		timed := c.wTimed
		c.mu.Unlock()
		if err != nil && timed {
			err = fmt.Errorf("ws: HTTP/2 stream write: %w", os.ErrDeadlineExceeded)
		}
	}()
	n, err = c.wr.Write(p)
	if err == nil && c.flush != nil {
		err = c.flush()
	}
	return n, err
}

// doneUsing ends a use of the stream begun with writing++.
func (c *h2Conn) doneUsing() {
	c.mu.Lock()
	c.writing--
	if c.closed && c.writing == 0 {
		c.signalIdle()
	}
	c.mu.Unlock()
}

// withStream runs f, which uses the ResponseWriter, unless the stream is
// closed: a server handler does not return while f runs (see wait).
func (c *h2Conn) withStream(f func() error) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errH2Closed
	}
	c.writing++
	c.mu.Unlock()
	defer c.doneUsing()
	return f()
}

// signalIdle closes idle once (under mu).
func (c *h2Conn) signalIdle() {
	select {
	case <-c.idle:
	default:
		close(c.idle)
	}
}

// Close ends the stream: reads and writes fail from now on, a write
// blocked on HTTP/2 flow control is cut by a deadline in the past.
func (c *h2Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	busy := c.writing > 0
	c.writing++ // Close uses the stream too, until its end
	defer c.doneUsing()
	for _, t := range c.timers {
		if t != nil {
			t.Stop()
		}
	}
	c.mu.Unlock()
	if busy && c.setWrite != nil {
		_ = c.setWrite(aLongTimeAgo)
	}
	var errs []error
	if c.endWrite != nil {
		errs = append(errs, c.endWrite())
	}
	errs = append(errs, c.rd.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ws: closing HTTP/2 stream: %w", err)
	}
	return nil
}

// wait blocks until the stream is closed and no write is in progress: a
// server handler returns only then (net/http must not see the
// ResponseWriter used after its handler returned).
func (c *h2Conn) wait() { <-c.idle }

// LocalAddr returns the local address of the HTTP/2 connection.
func (c *h2Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the remote address of the HTTP/2 connection.
func (c *h2Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets both deadlines.
func (c *h2Conn) SetDeadline(t time.Time) error {
	return errors.Join(c.SetReadDeadline(t), c.SetWriteDeadline(t))
}

// SetReadDeadline sets the read deadline of the stream.
func (c *h2Conn) SetReadDeadline(t time.Time) error {
	if c.setRead != nil {
		return c.withStream(func() error { return c.setRead(t) })
	}
	return c.timerDeadline(0, t, func() {
		c.mu.Lock()
		c.rTimed = true
		c.mu.Unlock()
		_ = c.rd.Close()
	})
}

// SetWriteDeadline sets the write deadline of the stream.
func (c *h2Conn) SetWriteDeadline(t time.Time) error {
	if c.setWrite != nil {
		return c.withStream(func() error { return c.setWrite(t) })
	}
	return c.timerDeadline(1, t, func() {
		c.mu.Lock()
		c.wTimed = true
		c.mu.Unlock()
		if c.endWrite != nil {
			_ = c.endWrite()
		}
	})
}

// timerDeadline implements a deadline where the stream has none of its
// own (the client's pipe and response body): when it passes, expire fails
// the stream's half for good, which is all the engine needs (it drops the
// connection on a timeout).
func (c *h2Conn) timerDeadline(i int, t time.Time, expire func()) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timers[i] != nil {
		c.timers[i].Stop()
		c.timers[i] = nil
	}
	if t.IsZero() || c.closed {
		return nil
	}
	d := time.Until(t)
	if d <= 0 {
		d = 0
	}
	c.timers[i] = time.AfterFunc(d, expire)
	return nil
}

// h2Addr is a net.Addr known only by its string (net/http gives a
// server's remote address as "host:port").
type h2Addr string

func (a h2Addr) Network() string { return "tcp" }
func (a h2Addr) String() string  { return string(a) }
