package ws

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultUserAgent is the User-Agent a client sends when Options.UserAgent
// is empty.
const DefaultUserAgent = "autobahn-go"

// reservedRequestHeaders are written by Dial itself; Options.Headers and
// ConnectingRequest.Headers cannot override them.
var reservedRequestHeaders = map[string]bool{
	"Host": true, "Upgrade": true, "Connection": true, "Sec-Websocket-Key": true,
	"Sec-Websocket-Version": true, "Sec-Websocket-Protocol": true, "Sec-Websocket-Extensions": true,
	"Origin": true, "User-Agent": true, "Content-Length": true, "Transfer-Encoding": true,
}

// Dial opens a WebSocket connection to rawURL (ws://, wss://, or a
// Unix-domain socket as ws+unix:///path/to.sock:/resource or
// wss+unix://..., see ParseURL) and runs the client's opening handshake. With a Handler h the connection runs in
// callback mode (OnOpen follows); with h nil it is in blocking mode.
//
// ctx bounds the whole handshake (TCP connect, proxy, TLS, HTTP upgrade),
// and so does opts.OpenHandshakeTimeout; ctx does not affect the
// connection once Dial has returned. opts nil means DefaultOptions().
// wss:// uses opts.TLSConfig (nil: crypto/tls defaults), with ServerName
// taken from the URL's host when unset. With opts.Proxy the connection
// goes through that http:// proxy with CONNECT (basic auth from the proxy
// URL's user info). With opts.NetDialContext, that function opens the
// byte stream (TCP, Unix socket or anything else) instead of a
// net.Dialer. A Unix-socket URL sends Host: localhost (and, for
// wss+unix, verifies the server's certificate for "localhost" unless
// opts.TLSConfig.ServerName says otherwise).
//
// The request carries Host, Upgrade, Connection, Sec-WebSocket-Key,
// Sec-WebSocket-Version: 13, Origin (opts.Origin), Sec-WebSocket-Protocol
// (opts.Protocols), Sec-WebSocket-Extensions, User-Agent and opts.Headers.
// Headers the handshake sets itself (Host, Upgrade, Connection,
// Sec-WebSocket-*, Origin, User-Agent) are not taken from opts.Headers;
// values with CR or LF are refused. If h implements ConnectingHandler,
// OnConnecting may override these for this connection once the byte
// stream is up.
//
// The answer is checked strictly: anything but 101 is a *HandshakeError
// with the status and body; a missing Upgrade: websocket or Connection:
// upgrade, a wrong Sec-WebSocket-Accept, a subprotocol or extension that
// was not offered fail with an error wrapping ErrBadHandshake. If h
// implements ClientConnectHandler, an error from OnConnect fails the
// connection too and is returned wrapped.
func Dial(ctx context.Context, rawURL string, h Handler, opts *Options) (*Conn, error) {
	o := opts.clone()
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("ws: dial: %w", err)
	}
	pu, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("ws: dial: %w", err)
	}
	secure := pu.IsSecure
	host, port, defaultPort := pu.Host, strconv.Itoa(pu.Port), "80"
	if secure {
		defaultPort = "443"
	}
	network, target := "tcp", net.JoinHostPort(host, port)
	if pu.SocketPath != "" {
		// Unix socket: Host: localhost, no port.
		network, target = "unix", pu.SocketPath
		host, port, defaultPort = "localhost", "", ""
		if o.Proxy != nil {
			return nil, fmt.Errorf("ws: dial %s: a Unix-socket URL cannot go through a proxy", target)
		}
	}

	if o.OpenHandshakeTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.OpenHandshakeTimeout, errOpenHandshakeTimeout)
		defer cancel()
	}

	if (o.HTTP2 || o.HTTP2Pool != nil) && o.Proxy == nil {
		ua := o.UserAgent
		if ua == "" {
			ua = DefaultUserAgent
		}
		hs := clientRequest{hostHeader: hostHeader(host, port, defaultPort), resource: pu.Resource,
			origin: o.Origin, protocols: o.Protocols, userAgent: ua, headers: o.Headers}
		d := h2Target{secure: secure, network: network, target: target, serverName: host, tls: o.TLSConfig, dial: o.NetDialContext}
		c, err := dialH2(ctx, d, hs, secure, h, o, host, port, defaultPort)
		if !errors.Is(err, errNoH2) {
			return c, err
		}
		// The server does not offer RFC 8441: HTTP/1.1 Upgrade below.
	}

	dialAddr := target
	if o.Proxy != nil {
		if dialAddr, err = proxyAddr(o.Proxy); err != nil {
			return nil, err
		}
	}
	dialContext := o.NetDialContext
	if dialContext == nil {
		var d net.Dialer
		dialContext = d.DialContext
	}
	conn, err := dialContext(ctx, network, dialAddr)
	if err == nil && conn == nil {
		err = errors.New("NetDialContext returned no connection")
	}
	if err != nil {
		openTimeoutHook(ctx, h, network+":"+dialAddr)
		return nil, fmt.Errorf("ws: dial %s: %w", dialAddr, err)
	}
	// From here on, ctx ending (deadline or cancel) unblocks any I/O; by
	// then ctx.Err() is set, so failures report the context's error.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*Conn, error) {
		stop()
		_ = conn.Close()
		openTimeoutHook(ctx, h, peerFromAddr(conn.RemoteAddr()))
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return nil, err
	}
	setNoDelay(conn, o.TCPNoDelay)

	ua := o.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	if o.Proxy != nil {
		if err := proxyConnect(conn, o.Proxy, target, ua); err != nil {
			return fail(err)
		}
	}
	if secure {
		cfg := o.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		// The upgrade is HTTP/1.1: never let ALPN pick h2.
		var alpn []string
		for _, p := range cfg.NextProtos {
			if p != "h2" {
				alpn = append(alpn, p)
			}
		}
		cfg.NextProtos = alpn
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(fmt.Errorf("ws: dial %s: TLS handshake: %w", target, err))
		}
		conn = tc
	}

	td := &TransportDetails{
		Peer:       peerFromAddr(conn.RemoteAddr()),
		LocalAddr:  conn.LocalAddr().String(),
		RemoteAddr: conn.RemoteAddr().String(),
		IsSecure:   secure,
	}
	if tc, ok := conn.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		td.setTLS(&cs)
	}
	td.HTTPVersion = "HTTP/1.1"
	hs := clientRequest{
		hostHeader: hostHeader(host, port, defaultPort),
		resource:   pu.Resource,
		origin:     o.Origin,
		protocols:  o.Protocols,
		userAgent:  ua,
		headers:    o.Headers,
	}
	if ch, ok := h.(ConnectingHandler); ok {
		cr, err := ch.OnConnecting(td)
		if err != nil {
			return fail(fmt.Errorf("ws: dial %s: OnConnecting: %w", target, err))
		}
		hs.override(cr, host, port, defaultPort)
	}
	key, err := generateKey()
	if err != nil {
		return fail(err)
	}
	extOffer, err := clientOffer(o)
	if err != nil {
		return fail(fmt.Errorf("ws: dial %s: %w", target, err))
	}
	reqBytes, err := hs.build(key, extOffer)
	if err != nil {
		return fail(fmt.Errorf("ws: dial %s: %w", target, err))
	}
	if _, err := conn.Write(reqBytes); err != nil {
		return fail(fmt.Errorf("ws: dial %s: writing opening handshake: %w", target, err))
	}

	limit := int64(o.MaxHeaderBytes)
	if limit <= 0 {
		limit = 1 << 20
	}
	lr := &handshakeReader{r: conn, left: limit + 4096}
	br := bufio.NewReaderSize(lr, 4096)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		return fail(fmt.Errorf("ws: dial %s: reading the opening handshake response: %w: %w", target, ErrBadHandshake, err))
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		_ = resp.Body.Close()
		return fail(&HandshakeError{Status: resp.StatusCode, Header: resp.Header, Body: string(body)})
	}
	protocol, exts, err := checkResponse(resp, key, hs.protocols)
	if err != nil {
		return fail(fmt.Errorf("ws: dial %s: %w", target, err))
	}
	pmd, err := clientAccept(o, exts)
	if err != nil {
		return fail(fmt.Errorf("ws: dial %s: %w: %w", target, ErrBadHandshake, err))
	}
	cresp, err := clientOpened(ctx, h, stop, td, resp.Header, protocol, exts, pmd, target)
	if err != nil {
		return fail(err)
	}
	_ = conn.SetDeadline(time.Time{})
	// What the handshake consumed of the stream: read, less what br holds
	// past the response's end.
	preopenIn := uint64(limit+4096-lr.left) - uint64(br.Buffered())
	lr.unlimit()

	// The 4 KiB handshake buffer is dropped: what it holds past the
	// response goes into the connection's own reader.
	pending, _ := br.Peek(br.Buffered())
	cfg := connConfig{
		netConn:   conn,
		br:        newConnReader(conn, pending),
		isServer:  false,
		opts:      o,
		handler:   h,
		protocol:  protocol,
		pmd:       pmd,
		response:  cresp,
		transport: td,
		logger:    slog.Default(),
		onDone:    func() {},
	}
	cfg.preopenIn, cfg.preopenOut = preopenIn, uint64(len(reqBytes))
	runTestHook(&cfg)
	return startConn(cfg), nil
}

// checkResponse runs the client's checks of a 101 answer (RFC 6455
// 4.2.2 / 4.1) and returns the chosen subprotocol and the extensions.
func checkResponse(resp *http.Response, key string, offered []string) (string, []ExtensionOffer, error) {
	if !headerHasToken(resp.Header, "Upgrade", "websocket") {
		return "", nil, fmt.Errorf("%w: response lacks Upgrade: websocket", ErrBadHandshake)
	}
	if !headerHasToken(resp.Header, "Connection", "upgrade") {
		return "", nil, fmt.Errorf("%w: response lacks Connection: Upgrade", ErrBadHandshake)
	}
	accepts := resp.Header.Values("Sec-WebSocket-Accept")
	if len(accepts) != 1 || strings.Trim(accepts[0], " \t") != computeAcceptKey(key) {
		return "", nil, fmt.Errorf("%w: wrong or missing Sec-WebSocket-Accept", ErrBadHandshake)
	}
	return checkNegotiated(resp.Header, offered)
}

// clientOpened finishes a client's opening handshake once the server's
// answer checked out (HTTP/1.1 and HTTP/2 alike): it builds the
// ConnectionResponse, runs the handler's OnConnect and stops the dial's
// context watch (stop reports whether ctx was still live). On an error it
// closes pmd; the caller drops the connection.
func clientOpened(ctx context.Context, h Handler, stop func() bool, td *TransportDetails, header http.Header, protocol string, exts []ExtensionOffer, pmd pmdCodec, target string) (*ConnectionResponse, error) {
	closePMD := func() {
		if pmd != nil {
			pmd.close()
		}
	}
	cresp := &ConnectionResponse{
		Peer:       td.Peer,
		Headers:    header,
		Version:    protocolVersion,
		Protocol:   protocol,
		Extensions: exts,
	}
	if cc, ok := h.(ClientConnectHandler); ok {
		if err := cc.OnConnect(cresp); err != nil {
			closePMD()
			return nil, fmt.Errorf("ws: dial %s: OnConnect: %w", target, err)
		}
	}
	if !stop() {
		closePMD()
		return nil, fmt.Errorf("ws: dial %s: %w", target, ctx.Err())
	}
	return cresp, nil
}

// checkNegotiated checks the subprotocol and extensions a server chose
// (in a 101, or in the 200 of RFC 8441 on HTTP/2).
func checkNegotiated(header http.Header, offered []string) (string, []ExtensionOffer, error) {
	var protocol string
	if ps := header.Values("Sec-WebSocket-Protocol"); len(ps) > 0 {
		if len(ps) > 1 {
			return "", nil, fmt.Errorf("%w: more than one Sec-WebSocket-Protocol in response", ErrBadHandshake)
		}
		protocol = strings.Trim(ps[0], " \t")
		if !contains(offered, protocol) {
			return "", nil, fmt.Errorf("%w: server chose subprotocol %q, which was not offered", ErrBadHandshake, protocol)
		}
	}
	exts, err := parseExtensions(header.Values("Sec-WebSocket-Extensions"))
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrBadHandshake, err)
	}
	return protocol, exts, nil
}

// clientRequest is what the client's opening handshake sends.
type clientRequest struct {
	hostHeader string
	resource   string
	origin     string
	protocols  []string
	userAgent  string
	headers    http.Header
}

// hostHeader renders host[:port] for the Host header; the port is left out
// when it is the scheme's default, as browsers do.
func hostHeader(host, port, defaultPort string) string {
	if port == defaultPort {
		if strings.IndexByte(host, ':') >= 0 {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, port)
}

// override applies an OnConnecting answer.
func (c *clientRequest) override(cr *ConnectingRequest, host, port, defaultPort string) {
	if cr == nil {
		return
	}
	if cr.Host != "" || cr.Port != 0 {
		if cr.Host != "" {
			host = cr.Host
		}
		if cr.Port != 0 {
			port = strconv.Itoa(cr.Port)
		}
		c.hostHeader = hostHeader(host, port, defaultPort)
	}
	if cr.Resource != "" {
		c.resource = cr.Resource
	}
	if cr.Headers != nil {
		h := c.headers.Clone()
		if h == nil {
			h = http.Header{}
		}
		for k, vs := range cr.Headers {
			h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
		c.headers = h
	}
	if cr.UserAgent != "" {
		c.userAgent = cr.UserAgent
	}
	if cr.Origin != "" {
		c.origin = cr.Origin
	}
	if cr.Protocols != nil {
		c.protocols = cr.Protocols
	}
}

// build renders the request, refusing values that would break the framing.
func (c *clientRequest) build(key, extensions string) ([]byte, error) {
	if c.resource == "" || c.resource[0] != '/' && c.resource != "*" || strings.IndexFunc(c.resource, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return nil, fmt.Errorf("invalid request resource %q", c.resource)
	}
	for _, v := range []string{c.hostHeader, c.origin, c.userAgent} {
		if !validHeaderValue(v) {
			return nil, fmt.Errorf("invalid header value %q", v)
		}
	}
	for _, p := range c.protocols {
		if !isToken(p) {
			return nil, fmt.Errorf("subprotocol %q is not a token", p)
		}
	}
	var b strings.Builder
	b.WriteString("GET " + c.resource + " HTTP/1.1\r\n")
	b.WriteString("Host: " + c.hostHeader + "\r\n")
	b.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Key: " + key + "\r\n")
	b.WriteString("Sec-WebSocket-Version: 13\r\n")
	if c.origin != "" {
		b.WriteString("Origin: " + c.origin + "\r\n")
	}
	if len(c.protocols) > 0 {
		b.WriteString("Sec-WebSocket-Protocol: " + strings.Join(c.protocols, ", ") + "\r\n")
	}
	if extensions != "" {
		b.WriteString("Sec-WebSocket-Extensions: " + extensions + "\r\n")
	}
	if c.userAgent != "" {
		b.WriteString("User-Agent: " + c.userAgent + "\r\n")
	}
	for k, vs := range c.headers {
		ck := http.CanonicalHeaderKey(k)
		if reservedRequestHeaders[ck] {
			continue
		}
		if !isToken(k) {
			return nil, fmt.Errorf("invalid header name %q", k)
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return nil, fmt.Errorf("invalid value %q for header %s", v, ck)
			}
			b.WriteString(ck + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return []byte(b.String()), nil
}

// handshakeReader caps how much a server may send before the opening
// handshake is done (a bounded header block); unlimit lifts the cap for
// the engine.
type handshakeReader struct {
	r    io.Reader
	left int64 // < 0: unlimited
}

func (h *handshakeReader) Read(p []byte) (int, error) {
	if h.left < 0 {
		return h.r.Read(p)
	}
	if h.left == 0 {
		return 0, errors.New("ws: opening handshake response too large")
	}
	if int64(len(p)) > h.left {
		p = p[:h.left]
	}
	n, err := h.r.Read(p)
	h.left -= int64(n)
	return n, err
}

func (h *handshakeReader) unlimit() { h.left = -1 }
