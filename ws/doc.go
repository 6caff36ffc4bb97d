// Package ws implements the WebSocket protocol (RFC 6455, with
// permessage-deflate, RFC 7692) for servers and clients, with the programming
// model of Autobahn|Python's autobahn.websocket: a Handler receives
// OnConnect/OnOpen/OnMessage/OnPing/OnPong/OnClose callbacks and a *Conn
// offers SendMessage/SendPing/SendPong/SendClose.
//
// Callbacks of one connection run one at a time, in order, on the
// connection's read goroutine; send calls are safe from any goroutine.
// The same engine also offers a blocking API (ReadMessage, NextReader,
// NextWriter) for code that prefers to pull messages.
//
// Receiving frame by frame: a Handler may also implement any of the
// frame-level interfaces (MessageBeginHandler, MessageFrameBeginHandler,
// MessageFrameDataHandler, MessageFrameHandler, MessageFrameEndHandler,
// MessageEndHandler; FrameHandler is five of them together) and keep the
// defaults for the rest; see MessageBeginHandler for what each gets.
//
// Transports: Dial takes ws://, wss:// and Unix-socket URLs
// (ws+unix:///path.sock:/resource, see ParseURL and CreateURL), and
// Options.NetDialContext for any other byte stream; NetConn turns a
// connection into a net.Conn. TransportDetails carries the TLS peer
// certificate and channel bindings. Diagnostics: Options.LogOctets,
// LogFrames and TrackTimings (slog Debug output, off and free by
// default), Conn.Stats and Conn.ResetStats.
//
// The per-byte work (unmasking, UTF-8 validation) goes through package nvx,
// which uses the native SIMD core when built with cgo unless
// AUTOBAHN_USE_NVX=0.
package ws
