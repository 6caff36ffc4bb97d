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
// # WebSockets over HTTP/2 (RFC 8441)
//
// A Server (and Accept) also takes WebSockets on HTTP/2 connections: an
// extended CONNECT with :protocol websocket, checked like an HTTP/1.1
// upgrade (no Sec-WebSocket-Key) and answered 200; the stream then
// carries the frames, on the same engine with the same options,
// callbacks and limits. TransportDetails.HTTPVersion is "HTTP/2.0" for
// such a connection. Go's net/http (1.24 to at least 1.26) offers it to
// clients (SETTINGS_ENABLE_CONNECT_PROTOCOL) only when the process
// starts with http2xconnect=1 in GODEBUG:
//
//	GODEBUG=http2xconnect=1 ./yourserver
//
// It is read once, at start: setting it from inside the program has no
// effect. HTTP2ExtendedConnect reports it, and a Server logs a warning at
// its first HTTP/2 request without it (clients then use HTTP/1.1 for
// WebSockets). HTTP/2 itself comes from net/http: a TLS listener whose
// config offers "h2" by ALPN, or Server.Protocols with UnencryptedHTTP2
// for h2c. On HTTP/2 a WebSocket lives as long as its handler: the
// Server's ServeHTTP returns when the WebSocket is closed, and a caller
// of Accept must not return from its handler before the Conn is done.
//
// A client dials over HTTP/2 with Options.HTTP2 (TLS ALPN h2 for wss://,
// h2c for ws://), falling back to HTTP/1.1 when the server does not offer
// RFC 8441, and shares one HTTP/2 connection between many WebSockets with
// Options.HTTP2Pool. Closing a WebSocket ends its stream, not the
// connection; a stream reset by the peer is an abnormal closure (1006).
//
// The per-byte work (unmasking, UTF-8 validation) goes through package nvx,
// which uses the native SIMD core when built with cgo unless
// AUTOBAHN_USE_NVX=0.
package ws
