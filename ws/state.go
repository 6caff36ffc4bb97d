package ws

import "fmt"

// ConnState is the state of a connection, Autobahn's STATE_* in Go
// spelling: it moves from StateConnecting through StateOpen and
// StateClosing to StateClosed, and never back.
type ConnState int

const (
	// StateConnecting: the opening handshake is under way. A Conn is
	// handed out only once the handshake is done, so code outside the
	// package never sees it in this state; it exists for Autobahn parity.
	StateConnecting ConnState = iota
	// StateOpen: messages flow both ways.
	StateOpen
	// StateClosing: a close frame was sent or received, or the
	// connection is being failed or dropped (Fail, FlushAndDrop); no
	// more messages may be sent, and the TCP connection is still up.
	StateClosing
	// StateClosed: the TCP connection is closed (OnClose has run or is
	// about to).
	StateClosed
)

// String returns the state's name ("open", ...).
func (s ConnState) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateOpen:
		return "open"
	case StateClosing:
		return "closing"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("ConnState(%d)", int(s))
}

// State reports the connection's state. It is safe from any goroutine; the
// state may move on as soon as it is read.
func (c *Conn) State() ConnState {
	c.mu.Lock()
	dropped, sent, recv := c.dropped, c.sentClose, c.recvClose
	c.mu.Unlock()
	switch {
	case dropped || c.isDone():
		return StateClosed
	case !c.started.Load():
		return StateConnecting
	case sent || recv || c.closing.Load() || c.localFail.Load() || c.flushDrop.Load():
		return StateClosing
	}
	return StateOpen
}
