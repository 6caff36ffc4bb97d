package ws

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// DefaultMaxMessagePayloadSize is the default limit on a received message's
// payload (after inflation): 16 MiB. Autobahn's default is unlimited, which
// lets one peer exhaust a Go server's memory; set MaxMessagePayloadSize to 0
// for Autobahn's behaviour.
const DefaultMaxMessagePayloadSize = 16 << 20

// DefaultWriteTimeout is the default Options.WriteTimeout: a peer that
// accepts no data for this long is dropped.
const DefaultWriteTimeout = 30 * time.Second

// Options are Autobahn's protocol options, in Go spelling, with Autobahn's
// defaults (see DefaultOptions) except the message size limit. One struct
// serves both roles; options of the other role are ignored. They are set per
// server or per Dial, and per connection through ConnectionAccept.Options
// (server) or the Options passed to Dial (client).
//
// # Zero values are safe
//
// An Options that did not come from DefaultOptions (a literal such as
// &ws.Options{MaxMessagePayloadSize: 1 << 20}, or new(ws.Options)) has
// every zero field filled in from DefaultOptions when it is used: a
// literal can only add to or tighten the defaults, never silently turn a
// protocol check off. So a literal cannot set a default-on bool
// (UTF8ValidateIncoming, RequireMaskedClientFrames, WebStatus, ...) to
// false, a size or timeout with a default to 0, or AllowedOrigins to nil.
// To do that, start from DefaultOptions() (or a copy of one, or
// Conn.Options()) and change the field: in an Options from DefaultOptions
// every field means what it says, and sizes of 0 mean "no limit" / "off",
// durations of 0 "no timeout".
//
//	o := ws.DefaultOptions()
//	o.MaxMessagePayloadSize = 0 // Autobahn's unlimited messages
//
// Options.Validate reports malformed settings (an AllowedOrigins pattern,
// an AutoPingSize out of range); NewServer, Accept and Dial apply it.
type Options struct {
	// UTF8ValidateIncoming checks text messages and close reasons for valid
	// UTF-8 as they arrive; failure closes with 1007. Default true.
	UTF8ValidateIncoming bool
	// ApplyMask unmasks/masks payloads. Turning it off is for testing only.
	// Default true.
	ApplyMask bool
	// MaxFramePayloadSize limits one received frame's payload; larger fails
	// with 1009. With permessage-deflate it also limits what each frame of
	// a compressed message inflates to (RFC 7692 §8.1), failing with 1009
	// as soon as that is crossed; since the inflater hands out its output
	// at deflate block ends or every 32 KiB, output still held back from
	// one frame may be charged to the next, which is then allowed up to
	// 32 KiB more (never more than the previous frame left unused).
	// Default 0 (no limit of its own).
	MaxFramePayloadSize int64
	// MaxMessagePayloadSize limits one received message's payload after
	// inflation; larger fails with 1009 as soon as the limit is crossed.
	// Default DefaultMaxMessagePayloadSize.
	MaxMessagePayloadSize int64
	// MaxOutgoingMessagePayloadSize limits one sent message's payload
	// (before compression): a larger SendMessage, SendMessageWith or
	// SendOutgoing fails with an error wrapping ErrMessageTooBig and sends
	// nothing; the connection stays open. Streamed sends (NextWriter,
	// BeginMessage), whose size is not known when they start, and
	// prepared messages are not checked. Set it to the peer's receive limit, which WebSocket does not
	// announce, to fail fast on our side instead of having the peer close
	// with 1009. Autobahn applies maxMessagePayloadSize to both directions
	// (counting after compression); here the two limits are separate so
	// that a server's receive limit does not cap what it may send.
	// Default 0 (no limit).
	MaxOutgoingMessagePayloadSize int64
	// AutoFragmentSize splits sent messages into frames of at most this
	// payload size. Default 0 (one frame per message).
	AutoFragmentSize int
	// ReuseMessageBuffer hands OnMessage its payload in a receive buffer
	// that the connection takes back when OnMessage returns and reuses for
	// a later message (of this or another connection), instead of a
	// buffer of its own per message: receiving then allocates nothing per
	// message. The payload is valid only until OnMessage returns; a
	// handler that keeps it, or any part of it, past that (in a channel, a
	// map, a goroutine, SendMessageAsync, a Broadcast) must copy it first
	// (bytes.Clone). Sending it from within OnMessage with SendMessage,
	// SendOutgoing or SendMessageWith is fine: they return once it is
	// written. Autobahn|Python hands out immutable bytes, which Go cannot
	// express; this is the same contract as gws's Message.Close and as
	// io.Reader's buffer. It applies to callback mode (OnMessage) only:
	// ReadMessage, NextReader and the frame-level callbacks are unchanged.
	// Default false (every payload is the handler's to keep).
	ReuseMessageBuffer bool
	// FailByDrop drops the TCP connection at once when failing the
	// WebSocket connection, instead of a close handshake. Default true.
	FailByDrop bool
	// EchoCloseCodeReason echoes the peer's close code and reason in our
	// close reply, instead of a plain 1000. Default false.
	EchoCloseCodeReason bool
	// OpenHandshakeTimeout bounds the opening handshake. Default 5s; 0 is
	// no bound. A client's Dial has it for the whole handshake. A server
	// gives each request it for its headers and its body (counted from its
	// first byte), OnConnect runs within it from the start of the handler,
	// and the answer of a refusal is written within it; a connection
	// between requests (after an answer other than 101) idles for at most
	// this long before it is closed. See Server for what a foreign
	// http.Server must set itself.
	OpenHandshakeTimeout time.Duration
	// CloseHandshakeTimeout bounds the wait for the peer's close reply after
	// we sent a close. Default 1s.
	CloseHandshakeTimeout time.Duration
	// WriteTimeout bounds how long a peer that does not read can hold a
	// send: the peer must take at least 256 KiB (or the rest of the frame)
	// within each WriteTimeout. On a plain TCP or Unix socket (Linux) a
	// frame goes out with non-blocking writes and no deadline while the
	// socket takes it; only when the socket is full is a deadline armed,
	// moved on only after 256 KiB more went out, and removed once the
	// frame is out. Elsewhere (TLS, LogOctets, other platforms) each
	// write gets a deadline between now+WriteTimeout and
	// now+WriteTimeout*9/8 (armed again only when the one before is
	// closer than WriteTimeout, so a busy connection does not pay for a
	// timer update on every frame), and a large frame is written in
	// slices of at most 256 KiB, each with such a deadline. In event-loop
	// mode (EventLoop) no deadline is armed per write either: a send waits
	// only while the poller holds more than 256 KiB unwritten, and that
	// wait gives up after WriteTimeout from its start. Either way
	// what is bounded is a peer that stops reading, not a slow link. On timeout the connection
	// is dropped (OnClose: wasClean false, 1006) and the blocked send call
	// returns an error wrapping os.ErrDeadlineExceeded. Autobahn has no
	// such option: Twisted buffers whatever is sent in user space without
	// ever blocking the sender. Go's writes block instead, so without a
	// bound a peer that stops reading (while keeping TCP open) would block
	// every sender, the read goroutine's pong and close replies, and a
	// close that waits for its frame to go out, forever. Default 30s; 0
	// means no timeout.
	WriteTimeout time.Duration
	// TCPNoDelay sets TCP_NODELAY on the socket. Default true.
	TCPNoDelay bool
	// EventLoop serves the connection in event-driven mode (evloop.go):
	// after the opening handshake the socket is handed to an epoll poller
	// (github.com/lesismal/nbio), and while no message is in flight the
	// connection holds no goroutine and no read or write buffer, only its
	// own state, so that a process can hold many mostly idle connections.
	// When bytes arrive the same engine runs on a goroutine of its own
	// until a message boundary with nothing left to read; a connection in
	// the middle of a message (or whose blocking reader has not taken the
	// last one) holds its goroutine until then. Callbacks, limits, close
	// and timeout rules are those of the default goroutine mode.
	//
	// It falls back to goroutine mode, per connection and silently, where
	// the poller cannot serve it: on platforms other than Linux, for TLS
	// and other wrapped connections (anything but a plain *net.TCPConn:
	// Unix sockets too), over HTTP/2 (RFC 8441), with LogOctets, and when the
	// poller cannot be started. Default false.
	EventLoop bool
	// AutoPingInterval sends a ping this often. Default 0 (off).
	AutoPingInterval time.Duration
	// AutoPingTimeout fails the connection when the pong to an automatic
	// ping does not come within this time. Default 0 (off).
	AutoPingTimeout time.Duration
	// AutoPingSize is the size of an automatic ping's payload, 12 to 125:
	// Autobahn's format, an 8-byte big-endian send time (Unix
	// nanoseconds), a 4-byte big-endian sequence number and random bytes
	// (see AutoPongHandler). Default 12.
	AutoPingSize int
	// AutoPingRestartOnAnyTraffic restarts the ping interval timer on any
	// received traffic. Default true.
	AutoPingRestartOnAnyTraffic bool

	// Server-only options.

	// Server is the Server: header of the 101 response (Autobahn's
	// factory server, which sends "AutobahnPython/<version>"); from
	// DefaultOptions, "" sends none. Default DefaultServer.
	Server string
	// AllowedOrigins lists accepted origins as patterns: "*" (any origin
	// but null) or scheme://host[:port], where '*' in scheme or host
	// matches any run of characters and the port is a number or "*".
	// Origins and patterns are matched as Autobahn does, normalised to
	// scheme://host:port with the default port filled in for http and
	// https, so "https://example.com" and "https://example.com:443" are the
	// same rule and "https://*.example.com" matches
	// "https://app.example.com" (and not "https://app.example.com:8443").
	// A host pattern ending in '*' matches any port. A malformed pattern
	// is an error (see Validate). A request without Origin (not a browser)
	// is always allowed. Default ["*"].
	AllowedOrigins []string
	// AllowNullOrigin accepts the null origin: "Origin: null" and file://
	// origins (as Autobahn). Default true.
	AllowNullOrigin bool
	// TrustXForwardedFor is how many X-Forwarded-For hops are trusted when
	// deriving the peer address. Default 0.
	TrustXForwardedFor int
	// RequireMaskedClientFrames fails with 1002 on an unmasked client frame.
	// Default true.
	RequireMaskedClientFrames bool
	// MaskServerFrames masks frames sent by the server (against RFC 6455;
	// for testing). Default false.
	MaskServerFrames bool
	// MaxConnections limits concurrent connections; more get HTTP 503.
	// Default 0 (no limit).
	MaxConnections int
	// WebStatus answers a plain GET without Upgrade with a small status
	// page; when false such a request gets 426. Default true.
	WebStatus bool
	// MaxRequestLineSize and MaxHeaderBytes bound the opening handshake
	// request. Defaults 8 KiB and 64 KiB.
	MaxRequestLineSize int
	MaxHeaderBytes     int

	// Client-only options.

	// AcceptMaskedServerFrames accepts masked frames from the server.
	// Default false (they fail with 1002).
	AcceptMaskedServerFrames bool
	// MaskClientFrames masks frames sent by the client. Default true.
	MaskClientFrames bool
	// ServerConnectionDropTimeout bounds the wait for the server to drop
	// the TCP connection after the close handshake. Default 1s.
	ServerConnectionDropTimeout time.Duration
	// Origin, Protocols and UserAgent are sent in the client's opening
	// handshake.
	Origin    string
	Protocols []string
	// Headers are sent in the opening handshake by both roles (Autobahn's
	// factory headers): a client adds them to its request, a server to
	// every 101 response, where a ConnectionAccept's Headers replace
	// values of the same name (Server: included) for that connection.
	// Headers the handshake sets itself (Upgrade, Sec-WebSocket-*, ...)
	// and invalid ones are left out.
	Headers   http.Header
	UserAgent string
	// TLSConfig is used for wss:// URLs (nil: crypto/tls defaults).
	TLSConfig *tls.Config
	// Proxy, when set, is an http:// proxy reached with CONNECT.
	Proxy *url.URL
	// NetDialContext, when set, opens the byte stream for Dial instead of
	// a net.Dialer: network is "tcp" (addr host:port, or the proxy's) or
	// "unix" (addr the socket path of a ws+unix:// URL). It may return any
	// net.Conn (an in-memory pipe, a tunnel, a socket with options of its
	// own); TLS for wss is still done by Dial on top of it.
	NetDialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Diagnostics (Autobahn's logOctets, logFrames, trackTimings), all off
	// by default; when off they cost one nil test per frame. Output goes
	// to the connection's slog.Logger at Debug level (Server.Logger;
	// slog.Default() for Dial), so the logger must be enabled for Debug.

	// LogOctets logs every read and write on the socket, in hex.
	LogOctets bool
	// LogFrames logs every frame sent and received: opcode, fin, rsv,
	// length, masked and the mask, and the first 32 bytes of the payload
	// (unmasked, as on the wire: compressed when RSV1 is set).
	LogFrames bool
	// TrackTimings keeps Autobahn's timing checkpoints (see Conn.Timings)
	// and logs each received message's receive time (first frame to
	// complete).
	TrackTimings bool

	// HTTP2 makes Dial open the WebSocket over HTTP/2 (RFC 8441): wss://
	// offers h2 by TLS ALPN, ws:// speaks h2c (HTTP/2 without TLS, prior
	// knowledge). The handshake is an extended CONNECT; framing, masking
	// and limits are unchanged. When the server does not offer RFC 8441
	// (no h2 in ALPN, no SETTINGS_ENABLE_CONNECT_PROTOCOL) Dial falls
	// back to the HTTP/1.1 Upgrade on a new connection. Without
	// HTTP2Pool each WebSocket has its own HTTP/2 connection, closed with
	// it. Ignored with Proxy. Default false.
	HTTP2 bool
	// HTTP2Pool, when set, implies HTTP2 and carries the WebSockets of
	// every Dial that shares it as streams of one HTTP/2 connection per
	// host (see HTTP2Pool). Closing a WebSocket ends its stream only.
	HTTP2Pool *HTTP2Pool

	// PerMessageDeflate configures permessage-deflate (RFC 7692); nil
	// leaves it off (offers are declined, none are made).
	PerMessageDeflate *DeflateOptions

	// Extensions are further per-message compression extensions
	// (SnappyExtension, BrotliExtension, DeflateExtension or an
	// application's own Extension), in order of preference, after
	// PerMessageDeflate when that is set. A client offers each one's offers
	// in this order; a server uses the first extension, in this order, that
	// accepts one of the client's offers of it (the server's preference, as
	// Autobahn's perMessageCompressionAccept decides). At most one is used
	// per connection.
	Extensions []Extension

	// Send queue (SendMessageAsync, SendPreparedAsync, Broadcast, Group;
	// see queue.go). Blocking sends do not use it.

	// SendQueueLimit bounds the bytes one connection may have queued and
	// not yet written (BufferedAmount), so a peer that stops reading costs
	// at most this much memory; a send that would pass it gets
	// SendQueueOverflow. 0 means DefaultSendQueueLimit (1 MiB).
	SendQueueLimit int
	// SendQueueHighWater is the BufferedAmount above which a
	// BackpressureHandler is told to pause (OnSendPause). 0 (or more than
	// the limit) means half of SendQueueLimit.
	SendQueueHighWater int
	// SendQueueLowWater is the BufferedAmount at or below which a paused
	// BackpressureHandler is told to resume (OnSendResume). 0 (or more
	// than the high-water mark) means a quarter of SendQueueHighWater.
	SendQueueLowWater int
	// SendQueueOverflow is what a queued send does when SendQueueLimit
	// would be passed: refuse with an error (OverflowError, the default),
	// drop the message (OverflowDrop) or close the connection with 1008
	// as a slow consumer (OverflowClose).
	SendQueueOverflow OverflowPolicy

	// MemoryBudget bounds the memory held by messages being received
	// (reassembled from frames or inflated) and by kept compressors,
	// across every connection that shares it; a message that would pass
	// it fails with 1013 (see MemoryBudget). nil: a Server creates one of
	// DefaultMemoryBudget for all its connections (a ConnectionAccept's
	// Options without one keep the server's), Accept shares one
	// package-wide budget of that size, Dial uses none. Copies of Options
	// share the budget.
	MemoryBudget *MemoryBudget

	// complete is set by DefaultOptions (and kept by copies): every field
	// means what it says. Without it zero fields take the defaults.
	complete bool
	// origins is AllowedOrigins parsed once by clone (the copy a Server,
	// Accept or Dial works with), so a handshake does not parse the
	// patterns again; nil on an Options that was not cloned.
	origins []originPattern
}

// DefaultOptions returns Autobahn's defaults (with a finite
// MaxMessagePayloadSize, and a WriteTimeout, which Autobahn does not
// have). Take a copy, change what you need, and pass it.
func DefaultOptions() *Options {
	return &Options{
		UTF8ValidateIncoming:        true,
		ApplyMask:                   true,
		MaxMessagePayloadSize:       DefaultMaxMessagePayloadSize,
		FailByDrop:                  true,
		OpenHandshakeTimeout:        5 * time.Second,
		CloseHandshakeTimeout:       1 * time.Second,
		WriteTimeout:                DefaultWriteTimeout,
		TCPNoDelay:                  true,
		AutoPingRestartOnAnyTraffic: true,
		AllowedOrigins:              []string{"*"},
		AllowNullOrigin:             true,
		RequireMaskedClientFrames:   true,
		WebStatus:                   true,
		MaxRequestLineSize:          8 << 10,
		MaxHeaderBytes:              64 << 10,
		MaskClientFrames:            true,
		ServerConnectionDropTimeout: 1 * time.Second,
		AutoPingSize:                defaultAutoPingSize,
		Server:                      DefaultServer,
		complete:                    true,
	}
}

// DefaultServer is the default Options.Server: the Server: header of a
// server's 101 response.
const DefaultServer = "autobahn-go"

// defaultAutoPingSize is Autobahn's auto-ping payload size: an 8-byte
// timestamp and a 4-byte sequence number.
const defaultAutoPingSize = 12

// fillZero sets every zero field of o that has a non-zero default to the
// default (for an Options literal; see Options).
func (o *Options) fillZero() {
	d := DefaultOptions()
	setBool := func(f *bool, v bool) { *f = *f || v }
	setBool(&o.UTF8ValidateIncoming, d.UTF8ValidateIncoming)
	setBool(&o.ApplyMask, d.ApplyMask)
	setBool(&o.FailByDrop, d.FailByDrop)
	setBool(&o.TCPNoDelay, d.TCPNoDelay)
	setBool(&o.AutoPingRestartOnAnyTraffic, d.AutoPingRestartOnAnyTraffic)
	setBool(&o.AllowNullOrigin, d.AllowNullOrigin)
	setBool(&o.RequireMaskedClientFrames, d.RequireMaskedClientFrames)
	setBool(&o.WebStatus, d.WebStatus)
	setBool(&o.MaskClientFrames, d.MaskClientFrames)
	if o.MaxMessagePayloadSize == 0 {
		o.MaxMessagePayloadSize = d.MaxMessagePayloadSize
	}
	if o.OpenHandshakeTimeout == 0 {
		o.OpenHandshakeTimeout = d.OpenHandshakeTimeout
	}
	if o.CloseHandshakeTimeout == 0 {
		o.CloseHandshakeTimeout = d.CloseHandshakeTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = d.WriteTimeout
	}
	if o.AutoPingSize == 0 {
		o.AutoPingSize = d.AutoPingSize
	}
	if o.AllowedOrigins == nil {
		o.AllowedOrigins = d.AllowedOrigins
	}
	if o.MaxRequestLineSize == 0 {
		o.MaxRequestLineSize = d.MaxRequestLineSize
	}
	if o.MaxHeaderBytes == 0 {
		o.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if o.Server == "" {
		o.Server = d.Server
	}
	if o.ServerConnectionDropTimeout == 0 {
		o.ServerConnectionDropTimeout = d.ServerConnectionDropTimeout
	}
	o.complete = true
}

// Validate reports settings that cannot work: a malformed AllowedOrigins
// pattern (see AllowedOrigins) or an AutoPingSize outside 12-125. It
// checks o as it will be used (zero fields of a literal filled in).
// NewServer keeps its error and reports it from Serve, ListenAndServe and
// ServeHTTP (500); Accept and Dial return it. Call it to fail early, for
// example at start-up.
func (o *Options) Validate() error {
	c := o.clone()
	var errs []error
	if _, err := parseOriginPatterns(c.AllowedOrigins); err != nil {
		errs = append(errs, fmt.Errorf("AllowedOrigins: %w", err))
	}
	if c.AutoPingSize < defaultAutoPingSize || c.AutoPingSize > maxControlPayload {
		errs = append(errs, fmt.Errorf("AutoPingSize %d is outside %d-%d", c.AutoPingSize, defaultAutoPingSize, maxControlPayload))
	}
	if !validHeaderValue(c.Server) {
		errs = append(errs, fmt.Errorf("Server %q is not a valid header value", c.Server))
	}
	if c.MaxOutgoingMessagePayloadSize < 0 {
		errs = append(errs, fmt.Errorf("MaxOutgoingMessagePayloadSize %d is negative", c.MaxOutgoingMessagePayloadSize))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ws: invalid options: %w", err)
	}
	return nil
}

// clone returns a deep-enough copy of o (nil gives the defaults), with the
// zero fields of a literal filled in (see Options).
func (o *Options) clone() *Options {
	if o == nil {
		return DefaultOptions()
	}
	c := *o
	if !c.complete {
		c.fillZero()
	}
	c.AllowedOrigins = append([]string(nil), c.AllowedOrigins...)
	c.origins, _ = parseOriginPatterns(c.AllowedOrigins) // the valid ones; Validate reports the rest
	c.Protocols = append([]string(nil), o.Protocols...)
	if o.Headers != nil {
		c.Headers = o.Headers.Clone()
	}
	if o.PerMessageDeflate != nil {
		d := *o.PerMessageDeflate
		c.PerMessageDeflate = &d
	}
	c.Extensions = append([]Extension(nil), o.Extensions...)
	return &c
}

// originPatterns returns the parsed AllowedOrigins: the ones clone parsed,
// or (an Options that was not cloned) parsed now. Malformed patterns are
// left out (Validate reports them): a bad rule never widens the policy.
func (o *Options) originPatterns() []originPattern {
	if o.origins != nil || len(o.AllowedOrigins) == 0 {
		return o.origins
	}
	p, _ := parseOriginPatterns(o.AllowedOrigins)
	return p
}
