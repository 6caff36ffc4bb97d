package ws

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
)

// TransportDetails describes the byte stream under a WebSocket connection,
// known before the opening handshake (Autobahn's TransportDetails).
type TransportDetails struct {
	// Peer is the remote address, "tcp4:127.0.0.1:5000" style as Autobahn
	// writes it (or the first trusted X-Forwarded-For hop on a server).
	Peer string
	// LocalAddr and RemoteAddr are the socket addresses as Go reports them.
	LocalAddr, RemoteAddr string
	// IsSecure is true for TLS (wss).
	IsSecure bool
	// IsServer is true on the accepting side.
	IsServer bool
	// HTTPVersion is the HTTP version that carried the opening handshake
	// and carries the connection: "HTTP/1.1" for an Upgrade, "HTTP/2.0"
	// for a WebSocket over an HTTP/2 stream (RFC 8441). A server's
	// ConnectionRequest.Transport has it during OnConnect.
	HTTPVersion string

	// The fields below are set for TLS connections (wss), on both sides;
	// they are empty otherwise.

	// TLS is the state of the finished TLS handshake (version, cipher
	// suite, ALPN, the whole certificate chains).
	TLS *tls.ConnectionState
	// PeerCert is the certificate the peer presented, the leaf of
	// TLS.PeerCertificates (Autobahn's peer_cert): the server's on a
	// client; on a server the client's, nil when it sent none (ask for
	// one with tls.Config.ClientAuth).
	PeerCert *x509.Certificate
	// ChannelID holds the TLS channel bindings (Autobahn's channel_id),
	// for binding an authentication to this TLS channel:
	// ChannelBindingTLSUnique (TLS 1.2) and ChannelBindingTLSExporter
	// (RFC 9266; TLS 1.3, or 1.2 with extended master secret), each 32
	// bytes and the same on both ends of one connection.
	ChannelID map[string][]byte
}

// ConnectingRequest is what a client's OnConnecting returns to override,
// for this one connection, what the opening handshake sends.
// Zero fields keep the values given to Dial.
type ConnectingRequest struct {
	Host      string      // Host header
	Port      int         // port in the Host header
	Resource  string      // request path and query
	Headers   http.Header // extra headers
	UserAgent string
	Origin    string
	Protocols []string // subprotocols offered, in order of preference
}

// ConnectionRequest is what a server's OnConnect sees of a client's opening
// handshake (Autobahn's ConnectionRequest).
type ConnectionRequest struct {
	Peer       string            // remote peer, see TransportDetails.Peer
	Headers    http.Header       // all request headers
	Host       string            // Host header
	Path       string            // request path, without query
	Params     url.Values        // query parameters
	Version    int               // WebSocket protocol version (13)
	Origin     string            // Origin header, "" when absent
	Protocols  []string          // subprotocols the client offered, in order
	Extensions []ExtensionOffer  // extensions the client offered, in order
	Request    *http.Request     // the underlying request, for Go users
	Transport  *TransportDetails // the byte stream
}

// String renders the request for logs.
func (r *ConnectionRequest) String() string {
	return fmt.Sprintf("ConnectionRequest(peer=%s host=%s path=%s origin=%q protocols=%v)",
		r.Peer, r.Host, r.Path, r.Origin, r.Protocols)
}

// ConnectionResponse is what a client's OnConnect sees of the server's
// answer to the opening handshake (Autobahn's ConnectionResponse).
type ConnectionResponse struct {
	Peer       string           // remote peer
	Headers    http.Header      // all response headers
	Version    int              // WebSocket protocol version (13)
	Protocol   string           // subprotocol the server chose, "" for none
	Extensions []ExtensionOffer // extensions the server accepted
}

// String renders the response for logs.
func (r *ConnectionResponse) String() string {
	return fmt.Sprintf("ConnectionResponse(peer=%s protocol=%q extensions=%v)", r.Peer, r.Protocol, r.Extensions)
}

// ConnectionAccept is what a server's OnConnect returns to accept a
// connection. If the client offered subprotocols, Subprotocol must be one of
// them ("" accepts without one). Headers are added to the 101 response,
// beside the server-wide Options.Headers and Options.Server: a name given
// here replaces the server-wide values of that name.
type ConnectionAccept struct {
	Subprotocol string
	Headers     http.Header
	// Options, when non-nil, replaces the server's options for this one
	// connection. Like any Options, a literal takes DefaultOptions (not
	// the server's options) for its zero fields; it must pass
	// Options.Validate, else the client gets 500.
	Options *Options
}

// HTTP status codes a ConnectionDeny can carry (Autobahn's names).
const (
	BadRequest          = 400
	Forbidden           = 403
	NotFound            = 404
	NotAcceptable       = 406
	RequestTimeout      = 408
	InternalServerError = 500
	NotImplemented      = 501
	ServiceUnavailable  = 503
)

// ConnectionDeny is returned as the error of a server's OnConnect to deny a
// connection with an HTTP status (Code) and a reason sent as the body.
// Returned by a client's OnConnect, it fails the connection.
type ConnectionDeny struct {
	Code   int
	Reason string
}

// Error implements error.
func (d *ConnectionDeny) Error() string {
	if d.Reason == "" {
		return fmt.Sprintf("ws: connection denied: %d %s", d.Code, http.StatusText(d.Code))
	}
	return fmt.Sprintf("ws: connection denied: %d %s", d.Code, d.Reason)
}

// ExtensionOffer is one extension from a Sec-WebSocket-Extensions header:
// its name and parameters in order (a parameter without value has Value "").
type ExtensionOffer struct {
	Name   string
	Params []ExtensionParam
}

// ExtensionParam is one name[=value] parameter of an extension.
type ExtensionParam struct {
	Name     string
	Value    string
	HasValue bool
}

// Message is a WebSocket message: IncomingMessage or OutgoingMessage.
type Message interface{ isMessage() }

// IncomingMessage is a received message.
type IncomingMessage struct {
	Payload  []byte
	IsBinary bool
}

// OutgoingMessage is a message to send. SkipCompress sends it uncompressed
// even when permessage-deflate is negotiated.
type OutgoingMessage struct {
	Payload      []byte
	IsBinary     bool
	SkipCompress bool
}

func (*IncomingMessage) isMessage() {}
func (*OutgoingMessage) isMessage() {}
