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
	// payload, unless Options.ReuseMessageBuffer is set: then payload is
	// valid only until OnMessage returns (copy what you keep).
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

// The frame-level receive callbacks (Autobahn's onMessageBegin,
// onMessageFrameBegin, onMessageFrameData, onMessageFrameEnd,
// onMessageFrame, onMessageEnd) are each an optional interface of their
// own. A Handler implements the ones it needs and keeps the default
// behaviour for the rest:
//
//   - The notifications (MessageBeginHandler, MessageFrameBeginHandler,
//     MessageFrameEndHandler, MessageEndHandler) only observe: the message
//     is still buffered and handed to OnMessage (after OnMessageEnd).
//   - The data callbacks (MessageFrameDataHandler, MessageFrameHandler)
//     take the payload over: once a Handler implements either, messages
//     are not buffered and OnMessage is not called.
//
// Order per message: OnMessageBegin; then per frame OnMessageFrameBegin,
// OnMessageFrameData (zero or more chunks), OnMessageFrame (the whole
// frame), OnMessageFrameEnd; then OnMessageEnd and (unless a data
// callback took the payload over) OnMessage.
//
// Data is delivered unmasked, inflated and UTF-8 checked: a chunk or frame
// is handed out only once every byte in it passed the check (a text frame
// may still end inside a code point that the next frame completes). When a
// check fails mid-frame, the connection fails (1007) and that frame's
// OnMessageFrame, OnMessageFrameEnd and OnMessageEnd do not run.
//
// With permessage-deflate, frame payloads are inflated before they are
// delivered (Autobahn does the same): OnMessageFrameBegin gets the frame's
// length on the wire (compressed), OnMessageFrameData and OnMessageFrame
// get inflated bytes. The inflater hands out its output in blocks, so
// inflated bytes are credited to the frame being read when they come out:
// the concatenation of a message's frames is exactly the message, but
// where one frame ends and the next begins may differ from the sender's
// split (all bytes still held back at the end go to the last frame).
//
// Limits apply as for OnMessage: MaxMessagePayloadSize bounds the whole
// message (after inflation), MaxFramePayloadSize each frame, so the
// buffer behind OnMessageFrame never holds more than the smaller of the
// two (plus the 32 KiB inflater allowance described on
// MaxFramePayloadSize).

// MessageBeginHandler is implemented by handlers that want to know when a
// message begins (Autobahn's onMessageBegin).
type MessageBeginHandler interface {
	// OnMessageBegin runs when the first frame of a message arrives.
	OnMessageBegin(c *Conn, isBinary bool)
}

// MessageFrameBeginHandler is implemented by handlers that want to know
// when each frame of a message begins (Autobahn's onMessageFrameBegin).
type MessageFrameBeginHandler interface {
	// OnMessageFrameBegin runs for each frame of the message; length is the
	// frame's payload length on the wire (before inflation).
	OnMessageFrameBegin(c *Conn, length int64)
}

// MessageFrameDataHandler is implemented by handlers that receive message
// payloads as they arrive, in chunks (Autobahn's onMessageFrameData). It
// takes the payload over: OnMessage is not called.
type MessageFrameDataHandler interface {
	// OnMessageFrameData runs for each chunk of a frame's payload as it
	// arrives (unmasked, inflated, UTF-8 checked so far); payload is only
	// valid during the call.
	OnMessageFrameData(c *Conn, payload []byte)
}

// MessageFrameEndHandler is implemented by handlers that want to know
// when each frame of a message ends (Autobahn's onMessageFrameEnd).
type MessageFrameEndHandler interface {
	// OnMessageFrameEnd runs when a frame's payload is complete.
	OnMessageFrameEnd(c *Conn)
}

// MessageFrameHandler is implemented by handlers that receive message
// payloads one whole frame per call (Autobahn's onMessageFrame). It takes
// the payload over: OnMessage is not called.
type MessageFrameHandler interface {
	// OnMessageFrame runs once per frame with the frame's whole payload
	// (unmasked, inflated, UTF-8 checked so far; empty for an empty
	// frame). payload is only valid during the call.
	OnMessageFrame(c *Conn, payload []byte)
}

// MessageEndHandler is implemented by handlers that want to know when a
// message ends (Autobahn's onMessageEnd).
type MessageEndHandler interface {
	// OnMessageEnd runs when the message's last frame is complete (and, for
	// text, the message ends on a whole code point), before OnMessage.
	OnMessageEnd(c *Conn)
}

// FrameHandler is implemented by handlers that receive messages as a
// stream (Autobahn's onMessageBegin ... onMessageEnd) instead of whole: it
// is all of the frame-level interfaces but MessageFrameHandler, and since
// it includes MessageFrameDataHandler, OnMessage is not called.
type FrameHandler interface {
	MessageBeginHandler
	MessageFrameBeginHandler
	MessageFrameDataHandler
	MessageFrameEndHandler
	MessageEndHandler
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
