package ws

import (
	"context"
	"errors"
	"time"
)

// AutoPong describes the pong that answered one of our automatic pings
// (Options.AutoPingInterval), as Autobahn's onAutoPong reports it.
//
// Automatic pings carry Autobahn's payload: the send time as 8 bytes
// big-endian Unix nanoseconds, a 4-byte big-endian sequence number
// (1 for the first ping of a connection) and random bytes up to
// Options.AutoPingSize (12 by default, no random bytes). A peer answers
// with the same payload, so an Autobahn peer, or any tool that decodes
// the format, reads the same send time and sequence from our pings.
type AutoPong struct {
	// PingSent is when the ping was sent (wall clock, as in the payload).
	PingSent time.Time
	// Seq is the ping's sequence number.
	Seq uint32
	// PongReceived is when the pong arrived.
	PongReceived time.Time
	// RTT is the round-trip time, measured on the monotonic clock
	// (Autobahn reports whole milliseconds of wall-clock time).
	RTT time.Duration
	// Payload is the whole ping/pong payload; the handler owns it.
	Payload []byte
}

// AutoPongHandler is implemented by handlers that want each pong to an
// automatic ping (Autobahn's onAutoPong). It runs on the read goroutine,
// like every callback, before OnPong for the same pong.
type AutoPongHandler interface {
	OnAutoPong(c *Conn, pong AutoPong)
}

// AutoPingTimeoutHandler is implemented by handlers that want to know
// that the connection was dropped because the peer did not answer an
// automatic ping within Options.AutoPingTimeout (Autobahn's
// onAutoPingTimeout). It runs on the read goroutine just before OnClose.
type AutoPingTimeoutHandler interface {
	OnAutoPingTimeout(c *Conn)
}

// CloseHandshakeTimeoutHandler is implemented by handlers that want to
// know that the connection was dropped because the peer did not answer
// our close frame within Options.CloseHandshakeTimeout (Autobahn's
// onCloseHandshakeTimeout). It runs on the read goroutine just before
// OnClose.
type CloseHandshakeTimeoutHandler interface {
	OnCloseHandshakeTimeout(c *Conn)
}

// ServerConnectionDropTimeoutHandler is implemented by client handlers
// that want to know that the connection was dropped because the server
// did not close TCP within Options.ServerConnectionDropTimeout after the
// closing handshake (Autobahn's onServerConnectionDropTimeout). It runs on
// the read goroutine just before OnClose.
type ServerConnectionDropTimeoutHandler interface {
	OnServerConnectionDropTimeout(c *Conn)
}

// OpenHandshakeTimeoutHandler is implemented by handlers that want to know
// that the opening handshake did not finish within
// Options.OpenHandshakeTimeout (Autobahn's onOpenHandshakeTimeout). There
// is no Conn yet: peer is the other end ("tcp4:1.2.3.4:5678", as
// TransportDetails.Peer; the dialled address when the TCP connection was
// not up yet). On a server it runs when OnConnect ran past the timeout
// (the client gets 503 at the timeout), after OnConnect has returned, on
// OnConnect's goroutine, so the two never run at the same time (it never
// runs while OnConnect does not return); timeouts before a Handler exists
// (the request headers arriving late) are the http.Server's. On a client it runs when
// Dial gives up for this timeout (not for ctx), on Dial's goroutine,
// before Dial returns.
type OpenHandshakeTimeoutHandler interface {
	OnOpenHandshakeTimeout(peer string)
}

// timeoutKind says which protocol timeout dropped a connection.
type timeoutKind int32

const (
	timeoutNone timeoutKind = iota
	timeoutAutoPing
	timeoutCloseHandshake
	timeoutServerDrop
)

// dropTimeout drops the connection for the protocol timeout kind; the
// matching hook runs before OnClose (see runTimeoutHook) unless the
// connection was dropped already for another reason. The kind, the
// reason and the drop are recorded under one lock, so a drop racing this
// one (an EOF) either wins, and no hook runs, or finds this one done.
func (c *Conn) dropTimeout(kind timeoutKind, reason string) {
	c.mu.Lock()
	if c.dropped {
		c.mu.Unlock()
		return
	}
	if c.timedOut == timeoutNone {
		c.timedOut = kind
	}
	if !c.unclean {
		c.unclean = true
		c.closeStLocked().uncleanReason = reason
	}
	c.dropped = true
	c.mu.Unlock()
	c.drop(true, reason) // closes the socket and wakes the waiters
}

// runTimeoutHook calls the Handler's hook for the timeout that dropped the
// connection, if any (on the read goroutine, from finish).
func (c *Conn) runTimeoutHook() {
	c.mu.Lock()
	kind := c.timedOut
	c.mu.Unlock()
	h := c.cfg.handler
	if h == nil || kind == timeoutNone {
		return
	}
	c.inCB.Add(1)
	defer c.inCB.Add(-1)
	switch kind {
	case timeoutAutoPing:
		if t, ok := h.(AutoPingTimeoutHandler); ok {
			t.OnAutoPingTimeout(c)
		}
	case timeoutCloseHandshake:
		if t, ok := h.(CloseHandshakeTimeoutHandler); ok {
			t.OnCloseHandshakeTimeout(c)
		}
	case timeoutServerDrop:
		if t, ok := h.(ServerConnectionDropTimeoutHandler); ok {
			t.OnServerConnectionDropTimeout(c)
		}
	}
}

// errOpenHandshakeTimeout is the cause of Dial's context ending at
// Options.OpenHandshakeTimeout (rather than the caller's ctx).
var errOpenHandshakeTimeout = errors.New("ws: opening handshake timeout")

// openTimeoutHook calls h's OnOpenHandshakeTimeout when Dial's ctx ended
// for Options.OpenHandshakeTimeout.
func openTimeoutHook(ctx context.Context, h Handler, peer string) {
	if th, ok := h.(OpenHandshakeTimeoutHandler); ok && ctx.Err() != nil && errors.Is(context.Cause(ctx), errOpenHandshakeTimeout) {
		th.OnOpenHandshakeTimeout(peer)
	}
}
