package ws

import (
	"crypto/tls"
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
// Sizes of 0 mean "no limit" / "off". Durations of 0 mean "no timeout".
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
	// AutoFragmentSize splits sent messages into frames of at most this
	// payload size. Default 0 (one frame per message).
	AutoFragmentSize int
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
	// WriteTimeout bounds each write to the socket: a write gets a deadline
	// of now+WriteTimeout, and a large frame is written in slices of at
	// most 256 KiB, each with its own deadline, so what is bounded is a
	// peer that stops reading, not a slow link. On timeout the connection
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
	// AutoPingInterval sends a ping this often. Default 0 (off).
	AutoPingInterval time.Duration
	// AutoPingTimeout fails the connection when the pong to an automatic
	// ping does not come within this time. Default 0 (off).
	AutoPingTimeout time.Duration
	// AutoPingSize is the size of an automatic ping's payload (4 to 125).
	// Default 4.
	AutoPingSize int
	// AutoPingRestartOnAnyTraffic restarts the ping interval timer on any
	// received traffic. Default true.
	AutoPingRestartOnAnyTraffic bool

	// Server-only options.

	// AllowedOrigins lists accepted Origin values; "*" matches any run of
	// characters ("https://*.example.com"). Default ["*"].
	AllowedOrigins []string
	// AllowNullOrigin accepts "Origin: null". Default true.
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
	// Origin, Protocols, Headers and UserAgent are sent in the opening
	// handshake.
	Origin    string
	Protocols []string
	Headers   http.Header
	UserAgent string
	// TLSConfig is used for wss:// URLs (nil: crypto/tls defaults).
	TLSConfig *tls.Config
	// Proxy, when set, is an http:// proxy reached with CONNECT.
	Proxy *url.URL
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
		AutoPingSize:                4,
		AutoPingRestartOnAnyTraffic: true,
		AllowedOrigins:              []string{"*"},
		AllowNullOrigin:             true,
		RequireMaskedClientFrames:   true,
		WebStatus:                   true,
		MaxRequestLineSize:          8 << 10,
		MaxHeaderBytes:              64 << 10,
		MaskClientFrames:            true,
		ServerConnectionDropTimeout: 1 * time.Second,
	}
}

// clone returns a deep-enough copy of o (nil gives the defaults).
func (o *Options) clone() *Options {
	if o == nil {
		return DefaultOptions()
	}
	c := *o
	c.AllowedOrigins = append([]string(nil), o.AllowedOrigins...)
	c.Protocols = append([]string(nil), o.Protocols...)
	if o.Headers != nil {
		c.Headers = o.Headers.Clone()
	}
	if o.PerMessageDeflate != nil {
		d := *o.PerMessageDeflate
		c.PerMessageDeflate = &d
	}
	return &c
}
