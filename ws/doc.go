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
// Compression is negotiated through Extension plug-ins, Autobahn's
// PERMESSAGE_COMPRESSION_EXTENSION registry: Options.PerMessageDeflate
// (permessage-deflate) and Options.Extensions, where SnappyExtension
// (permessage-snappy), BrotliExtension (permessage-brotli), DeflateExtension
// or an application's own Extension and Codec are listed in order of
// preference. Every codec runs through the same engine path, so
// MaxMessagePayloadSize, MaxFramePayloadSize and UTF-8 validation apply
// to the decompressed bytes as they are produced.
//
// The per-byte work (unmasking, UTF-8 validation) goes through package nvx,
// which uses the native SIMD core when built with cgo unless
// AUTOBAHN_USE_NVX=0.
package ws
