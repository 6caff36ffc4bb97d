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
// Sends block until written (bounded by Options.WriteTimeout), except the
// queued sends: SendMessageAsync and SendPreparedAsync return at once and
// a per-connection writer writes the queue out, in one order with the
// blocking sends, bounded by Options.SendQueueLimit with the overflow
// policy of Options.SendQueueOverflow; BufferedAmount and a
// BackpressureHandler show how full the queue is. Broadcast and Group send
// one PreparedMessage (framed once, compressed once where the connections'
// permessage-deflate parameters allow) to many connections, so that a slow
// or dead reader delays no other.
//
// The per-byte work (unmasking, UTF-8 validation) goes through package nvx,
// which uses the native SIMD core when built with cgo unless
// AUTOBAHN_USE_NVX=0.
package ws
