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
// # Options
//
// Options carry Autobahn's protocol options and defaults (DefaultOptions).
// An Options literal is safe: its zero fields take the defaults, so
// &ws.Options{MaxMessagePayloadSize: 1 << 20} keeps every protocol check;
// turning a check off, or a limit to 0 ("none"), starts from
// DefaultOptions. Options.Validate reports malformed settings, and
// NewServer (Server.Err, Serve, ServeHTTP), Accept and Dial apply it.
// AllowedOrigins patterns are matched as Autobahn matches them, against the
// origin normalised to scheme://host:port (default ports filled in);
// file:// origins count as null. A server sends Options.Server and
// Options.Headers on every 101 response, beside a ConnectionAccept's
// headers.
//
// # Sending and closing
//
// SendMessage sends a message; SendMessageWith adds Autobahn's per-call
// fragment size and doNotCompress, and Options.MaxOutgoingMessagePayloadSize
// bounds what may be sent (ErrMessageTooBig). SendClose starts the closing
// handshake with the codes Autobahn lets an application send (1000, 3000-
// 4999); SendCloseCode with any code an endpoint may send (1008, 1011,
// ...); Close does it with 1000 and waits. Fail fails the connection as a
// protocol error does (drop, or close frame and drain, per FailByDrop).
// CloseNow drops TCP at once; FlushAndDrop lets what is being sent go out
// first (Autobahn's dropConnection with abort false). State reports where
// a connection is: connecting, open, closing, closed.
//
// # Cost per message
//
// A received message costs one allocation, its payload, which the handler
// then owns; with Options.ReuseMessageBuffer it costs none: OnMessage gets
// the payload in a pooled receive buffer, valid until it returns (the
// model of gws's Message.Close). A message that arrives whole with its
// header is delivered from the read buffer; a larger one is read straight
// into a pooled buffer of a power-of-two size class that grows by class
// with the bytes that arrive (about one copy of the payload in all, no
// garbage), is handed to OnMessage in place with ReuseMessageBuffer, and
// without it moves into an exact buffer of its own once the rest of its
// last frame is known. Sending allocates nothing: small frames
// are built in the connection's 139-byte array, others in pooled buffers
// (or, unmasked and larger than 4 KiB, written with writev beside a
// header), so an idle connection holds no write or compression buffer.
// The write deadline (WriteTimeout) is armed again only when it is closer
// than WriteTimeout, not on every frame.
//
// # Optional hooks
//
// A Handler may implement more of Autobahn's callbacks as optional
// interfaces: ServerConnectHandler, ClientConnectHandler and
// ConnectingHandler (the opening handshake), FrameHandler (streamed
// messages), AutoPongHandler and AutoPingHandler (automatic pings, whose
// payloads have Autobahn's layout: send time, sequence number, random
// fill), and AutoPingTimeoutHandler, CloseHandshakeTimeoutHandler,
// ServerConnectionDropTimeoutHandler and OpenHandshakeTimeoutHandler (a
// protocol timeout ended the connection).
//
// Sends block until written (bounded by Options.WriteTimeout), except the
// queued sends: SendMessageAsync and SendPreparedAsync return at once and
// a per-connection writer writes the queue out, in one order with the
// blocking sends, bounded by Options.SendQueueLimit with the overflow
// policy of Options.SendQueueOverflow; BufferedAmount and a
// BackpressureHandler show how full the queue is. Broadcast and Group send
// one PreparedMessage (framed once, compressed once where the connections'
// permessage-deflate parameters allow) to many connections, so that a slow
// or dead reader delays no other: a connection with nothing queued gets the
// shared frame from the broadcasting goroutine with one non-blocking write
// (no goroutine, channel or deadline per connection), and only what its
// socket does not take goes to its queue.
//
// Memory taken by what peers send is bounded twice: each received message
// by Options.MaxMessagePayloadSize (after inflation; 1009 past it), and
// the messages being received over all connections of a Server by its
// MemoryBudget (DefaultMemoryBudget unless Options.MemoryBudget names one,
// which several Servers, Accept and Dial calls may share; 1013 past it).
//
// An idle connection holds no read buffer: on a TCP or Unix socket the
// engine waits for the socket to become readable holding none, then reads
// what arrived into a pooled 18 KiB buffer that goes back once consumed
// (elsewhere, TLS for one, it reads headers and small messages into a
// 192-byte array inside the connection and borrows the pooled buffer
// only to read ahead while bytes keep coming); large payloads are read
// straight into the message. The opening handshake's buffers (net/http's hijacked reader
// and writer, Dial's reader) are dropped once the bytes past the
// handshake are copied out; connections share the Server's Options
// unless OnConnect gives them their own; auto-ping state and the
// client's masking-key generator are made only when used. What stays is
// the connection's state, its read goroutine with its stack (4 KiB once
// it has run a callback: the Go runtime shrinks a stack no further while
// it waits in a read) and what the API keeps. Of a server's opening
// handshake over HTTP/1.1 that is one compact string once OnOpen has
// returned: net/http's *http.Request, its header map, URL and contexts are
// dropped, and Conn.Request rebuilds an equal ConnectionRequest (with a
// rebuilt *http.Request: method, URL, proto, headers, host, remote
// address, TLS state, context.Background) on its first call (see
// Conn.Request; over HTTP/2 the original stays); without TLS the
// TransportDetails go into the same string (Conn.Transport).
//
// The connection's state is kept small too: what only a message, a frame,
// a close or a rare feature in flight needs is made on first use or
// borrowed from a pool for the time it is needed (the small-frame write
// array and writev vector, control frame payloads, streamed-send state,
// close-handshake details and timers, the blocking reader's state,
// frame-level and auto-ping hooks); Done's channel is made on first call
// and data messages are serialised by a compare-and-swap lock, not a
// channel. In event-loop mode (Options.EventLoop) an idle connection is
// its Conn (704 bytes), the poller's records and a reader with no array of
// its own: about 2 KB of server RSS each at 19,000 connections, against
// about 7.2 KB (4 KiB of it the stack) in goroutine mode (make
// bench-idle).
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
// Server.Shutdown sends such WebSockets their 1001 and lets the close
// handshakes finish before it closes the HTTP/2 connections under Serve.
// Served by Serve, each stream gets a receive window of 256 KiB of the
// connection's 16 MiB, so that one WebSocket whose handler stops reading
// does not stall the others, and DATA frames of at most 16 KiB, which
// keeps the per-stream buffer of x/net/http2 clients small.
//
// A client dials over HTTP/2 with Options.HTTP2 (TLS ALPN h2 for wss://,
// h2c for ws://), falling back to HTTP/1.1 when the server does not offer
// RFC 8441, and shares one HTTP/2 connection between many WebSockets with
// Options.HTTP2Pool. Closing a WebSocket ends its stream, not the
// connection; a stream reset by the peer is an abnormal closure (1006).
//
// # Event-driven mode
//
// By default every connection has a read goroutine. With
// Options.EventLoop (server and client; off by default) the socket is
// handed after the opening handshake to an epoll poller
// (github.com/lesismal/nbio), and an idle connection holds no goroutine
// and no read or write buffer. When bytes arrive the same engine runs on
// a pooled goroutine, with the same checks, limits and callbacks in the
// same order, until a message boundary with nothing left to read; a
// connection in the middle of a message keeps its goroutine until the
// message is done. Sends work from any goroutine as before: they go to
// the poller's non-blocking write and block, up to WriteTimeout, while
// the poller holds more than 256 KiB for the connection. Connections the
// poller cannot serve run in goroutine mode: on platforms other than
// Linux, with TLS, on Unix sockets (or any net.Conn other than
// *net.TCPConn), over HTTP/2, with LogOctets. See evloop.go for the
// details, including the one difference (a peer that half-closes its
// side right after its close frame may get no close reply).
//
// The per-byte work (unmasking, UTF-8 validation) goes through package nvx,
// which uses the native SIMD core when built with cgo unless
// AUTOBAHN_USE_NVX=0.
package ws
