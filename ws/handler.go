package ws

import "time"

// Handler receives the events of a WebSocket connection. Callbacks of one
// connection run one at a time, in order, on that connection's read
// goroutine; a callback that blocks holds up reading. Embed BaseHandler to
// take the defaults and override what you need.
//
// A panic in a callback is not recovered: like any panic on a goroutine of
// your own, it ends the program (OnConnect is the exception: the server
// recovers it and answers 500, because it runs inside the HTTP handshake).
type Handler interface {
	// OnOpen runs once the opening handshake is done; messages may be sent.
	OnOpen(c *Conn)
	// OnMessage runs for each complete message received. The handler owns
	// payload.
	OnMessage(c *Conn, payload []byte, isBinary bool)
	// OnPing runs for each ping received. BaseHandler answers with a pong.
	OnPing(c *Conn, payload []byte)
	// OnPong runs for each pong received. BaseHandler does nothing.
	OnPong(c *Conn, payload []byte)
	// OnClose runs exactly once per connection when it is closed, cleanly
	// (close handshake done) or not. code and reason are what the peer sent
	// (1005 when it sent no code, 1006 when the connection was lost or
	// failed). A close frame the peer may not send (a 1-byte payload, a
	// reserved code, a reason that is not UTF-8) is answered with 1002 or
	// 1007 and the TCP connection ends at once; OnClose then gets wasClean
	// false, 1006 and a reason naming the fault.
	OnClose(c *Conn, wasClean bool, code int, reason string)
}

// ServerConnectHandler is implemented by server handlers that want to see,
// and accept or deny, the client's opening handshake. Return a
// *ConnectionDeny (or any error: 500) to deny. A nil accept accepts with the
// default subprotocol: the first of Options.Protocols the client offered
// (none when Options.Protocols is empty).
type ServerConnectHandler interface {
	OnConnect(req *ConnectionRequest) (*ConnectionAccept, error)
}

// ClientConnectHandler is implemented by client handlers that want to see
// the server's answer to the opening handshake. An error fails the
// connection.
type ClientConnectHandler interface {
	OnConnect(resp *ConnectionResponse) error
}

// ConnectingHandler is implemented by client handlers that want to adjust
// the opening handshake once the byte stream is up (Autobahn's
// onConnecting). A nil request keeps the defaults.
type ConnectingHandler interface {
	OnConnecting(td *TransportDetails) (*ConnectingRequest, error)
}

// FrameHandler is implemented by handlers that receive messages as a stream
// (Autobahn's onMessageBegin ... onMessageEnd) instead of whole: when a
// Handler implements it, OnMessage is not called. Data is delivered
// unmasked, inflated and UTF-8 checked as it arrives; the slices passed to
// OnMessageFrameData are only valid during the call.
type FrameHandler interface {
	// OnMessageBegin runs when the first frame of a message arrives.
	OnMessageBegin(c *Conn, isBinary bool)
	// OnMessageFrameBegin runs for each frame of the message; length is the
	// frame's payload length on the wire (before inflation).
	OnMessageFrameBegin(c *Conn, length int64)
	// OnMessageFrameData runs for each chunk of a frame's payload as it
	// arrives (unmasked, inflated, UTF-8 checked so far); payload is only
	// valid during the call.
	OnMessageFrameData(c *Conn, payload []byte)
	// OnMessageFrameEnd runs when a frame's payload is complete.
	OnMessageFrameEnd(c *Conn)
	// OnMessageEnd runs when the message's last frame is complete (and, for
	// text, the message ends on a whole code point).
	OnMessageEnd(c *Conn)
}

// AutoPingHandler is implemented by handlers that want the round-trip time
// of each automatic ping (see Options.AutoPingInterval). AutoPongHandler
// gives the same RTT with the ping's send time, sequence number and
// payload, as Autobahn's onAutoPong; a handler may implement both (then
// OnAutoPong runs first).
type AutoPingHandler interface {
	OnAutoPingRTT(c *Conn, rtt time.Duration)
}

// BaseHandler gives every Handler callback its default: OnPing answers with
// a pong carrying the same payload; the others do nothing. Embed it.
type BaseHandler struct{}

// OnOpen does nothing.
func (BaseHandler) OnOpen(*Conn) {}

// OnMessage does nothing.
func (BaseHandler) OnMessage(*Conn, []byte, bool) {}

// OnPing answers with a pong carrying the ping's payload.
func (BaseHandler) OnPing(c *Conn, payload []byte) { _ = c.SendPong(payload) }

// OnPong does nothing.
func (BaseHandler) OnPong(*Conn, []byte) {}

// OnClose does nothing.
func (BaseHandler) OnClose(*Conn, bool, int, string) {}
