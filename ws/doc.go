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
// Memory taken by what peers send is bounded twice: each received message
// by Options.MaxMessagePayloadSize (after inflation; 1009 past it), and
// the messages being received over all connections of a Server by its
// MemoryBudget (DefaultMemoryBudget unless Options.MemoryBudget names one,
// which several Servers, Accept and Dial calls may share; 1013 past it).
//
// The per-byte work (unmasking, UTF-8 validation) goes through package nvx,
// which uses the native SIMD core when built with cgo unless
// AUTOBAHN_USE_NVX=0.
package ws
