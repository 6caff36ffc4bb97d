package ws

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// WebSockets over HTTP/2 (RFC 8441), client side, on the HTTP/2 client of
// golang.org/x/net/http2 (net/http's bundled client cannot send an
// extended CONNECT).

// HTTP2Pool shares HTTP/2 connections between the WebSockets that Dial
// opens with it (Options.HTTP2Pool): every WebSocket to the same host and
// port (and TLS server name) is a stream on one connection, opened once.
// Closing a WebSocket ends its stream only; the connection stays for the
// next Dial until Close, or until the server closes it (a new one is then
// opened). A host whose server does not offer RFC 8441 is remembered and
// dialed over HTTP/1.1 from then on. An HTTP2Pool is safe for concurrent
// use; its zero value is not usable, use NewHTTP2Pool.
type HTTP2Pool struct {
	t *http2.Transport

	mu     sync.Mutex
	conns  map[string]*http2.ClientConn
	dials  map[string]*h2DialCall // dials in progress, by key
	noH2   map[string]bool        // hosts that do not offer RFC 8441
	closed bool
}

// h2DialCall is one connection being opened for a pool key; concurrent
// Dials to the same key wait for it instead of opening their own.
type h2DialCall struct {
	done chan struct{}
	cc   *http2.ClientConn
	err  error
}

// NewHTTP2Pool returns an empty pool.
func NewHTTP2Pool() *HTTP2Pool {
	return &HTTP2Pool{
		t:     newH2Transport(),
		conns: map[string]*http2.ClientConn{},
		dials: map[string]*h2DialCall{},
		noH2:  map[string]bool{},
	}
}

// Close closes every connection of the pool (their WebSockets end
// abnormally, 1006); a Dial with the pool afterwards fails.
func (p *HTTP2Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	conns := p.conns
	p.conns = map[string]*http2.ClientConn{}
	p.mu.Unlock()
	var errs []error
	for _, cc := range conns {
		errs = append(errs, cc.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ws: closing HTTP/2 pool: %w", err)
	}
	return nil
}

// ConnCount returns how many HTTP/2 connections the pool holds open.
func (p *HTTP2Pool) ConnCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, cc := range p.conns {
		if cc.State().Closed || cc.State().Closing {
			continue
		}
		n++
	}
	return n
}

// newH2Transport is the HTTP/2 client configuration of both pooled and
// one-off connections (the Transport only holds settings here: Dial
// opens the connections and hands them to NewClientConn).
func newH2Transport() *http2.Transport {
	return &http2.Transport{AllowHTTP: true}
}

// errNoH2 means the server does not take WebSockets over HTTP/2: Dial
// falls back to HTTP/1.1.
var errNoH2 = errors.New("ws: server does not offer WebSockets over HTTP/2 (RFC 8441)")

// h2Target is where and how a WebSocket over HTTP/2 is dialed.
type h2Target struct {
	secure     bool
	network    string // "tcp", or "unix" for a ws+unix:// URL
	target     string // host:port (or the socket path) to connect to
	serverName string // TLS server name
	tls        *tls.Config
	// dial opens the byte stream (Options.NetDialContext); nil: a net.Dialer.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (t h2Target) key() string {
	if t.secure {
		return "h2|" + t.network + "|" + t.target + "|" + t.serverName
	}
	return "h2c|" + t.network + "|" + t.target
}

// dialH2Conn opens a TCP connection (TLS with ALPN h2, or h2c with prior
// knowledge) and starts HTTP/2 on it. A TLS server that does not pick h2
// gives errNoH2.
func dialH2Conn(ctx context.Context, tr *http2.Transport, t h2Target, noDelay bool) (*http2.ClientConn, error) {
	dial := t.dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	conn, err := dial(ctx, t.network, t.target)
	if err == nil && conn == nil {
		err = errors.New("NetDialContext returned no connection")
	}
	if err != nil {
		return nil, fmt.Errorf("ws: dial %s: %w", t.target, err)
	}
	setNoDelay(conn, noDelay)
	if t.secure {
		cfg := t.tls.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = t.serverName
		}
		cfg.NextProtos = []string{http2.NextProtoTLS, "http/1.1"}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("ws: dial %s: TLS handshake: %w", t.target, err)
		}
		if tc.ConnectionState().NegotiatedProtocol != http2.NextProtoTLS {
			_ = tc.Close()
			return nil, errNoH2
		}
		conn = tc
	}
	cc, err := tr.NewClientConn(conn)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("ws: dial %s: starting HTTP/2: %w", t.target, err)
	}
	return cc, nil
}

// conn returns the pool's open connection for t, opening it if needed
// (one dial per key at a time).
func (p *HTTP2Pool) conn(ctx context.Context, t h2Target, noDelay bool) (*http2.ClientConn, error) {
	k := t.key()
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, errors.New("ws: dial: HTTP2Pool is closed")
		}
		if p.noH2[k] {
			p.mu.Unlock()
			return nil, errNoH2
		}
		if cc := p.conns[k]; cc != nil {
			if cc.CanTakeNewRequest() {
				p.mu.Unlock()
				return cc, nil
			}
			delete(p.conns, k)
		}
		if call := p.dials[k]; call != nil {
			p.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return nil, fmt.Errorf("ws: dial %s: %w", t.target, ctx.Err())
			}
			if call.err != nil {
				return nil, call.err
			}
			continue
		}
		call := &h2DialCall{done: make(chan struct{})}
		p.dials[k] = call
		p.mu.Unlock()

		call.cc, call.err = dialH2Conn(ctx, p.t, t, noDelay)
		p.mu.Lock()
		delete(p.dials, k)
		switch {
		case errors.Is(call.err, errNoH2):
			p.noH2[k] = true
		case call.err == nil && p.closed:
			_ = call.cc.Close()
			call.cc, call.err = nil, errors.New("ws: dial: HTTP2Pool is closed")
		case call.err == nil:
			p.conns[k] = call.cc
		}
		p.mu.Unlock()
		close(call.done)
		return call.cc, call.err
	}
}

// forget records that the server behind t refused RFC 8441.
func (p *HTTP2Pool) forget(t h2Target) {
	p.mu.Lock()
	p.noH2[t.key()] = true
	p.mu.Unlock()
}

// isNoExtendedConnect reports whether err is the HTTP/2 client's refusal
// to send an extended CONNECT to a server that did not advertise
// SETTINGS_ENABLE_CONNECT_PROTOCOL (x/net has no exported error for it).
func isNoExtendedConnect(err error) bool {
	return err != nil && strings.Contains(err.Error(), "extended connect not supported")
}

// dialH2 runs the client's opening handshake over HTTP/2 (RFC 8441 4):
// an extended CONNECT with :protocol websocket, answered by 200. It
// returns errNoH2 (nothing sent) when the server does not offer it.
func dialH2(ctx context.Context, d h2Target, hs clientRequest, secure bool, h Handler, o *Options, host, port, defaultPort string) (*Conn, error) {
	pool := o.HTTP2Pool
	var cc *http2.ClientConn
	var err error
	if pool != nil {
		cc, err = pool.conn(ctx, d, o.TCPNoDelay)
	} else {
		cc, err = dialH2Conn(ctx, newH2Transport(), d, o.TCPNoDelay)
	}
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return nil, err
	}
	// A one-off connection ends with its WebSocket (or its failure).
	ownCC := func() {
		if pool == nil {
			_ = cc.Close()
		}
	}
	// The HTTP/2 client does not tell the net.Conn it runs on; the stream's
	// addresses are those of the TCP connection to d.target.
	remote := h2Addr(d.target)
	td := &TransportDetails{
		Peer:        peerFromHostPort(d.target),
		RemoteAddr:  d.target,
		IsSecure:    secure,
		HTTPVersion: "HTTP/2.0",
	}
	if ch, ok := h.(ConnectingHandler); ok {
		cr, err := ch.OnConnecting(td)
		if err != nil {
			ownCC()
			return nil, fmt.Errorf("ws: dial %s: OnConnecting: %w", d.target, err)
		}
		hs.override(cr, host, port, defaultPort)
	}
	extOffer, err := clientOffer(o)
	if err != nil {
		ownCC()
		return nil, fmt.Errorf("ws: dial %s: %w", d.target, err)
	}
	header, err := hs.h2Header(extOffer)
	if err != nil {
		ownCC()
		return nil, fmt.Errorf("ws: dial %s: %w", d.target, err)
	}
	reqURL, err := url.ParseRequestURI(hs.resource)
	if err != nil {
		ownCC()
		return nil, fmt.Errorf("ws: dial %s: invalid request resource %q: %w", d.target, hs.resource, err)
	}
	reqURL.Scheme = "http"
	if secure {
		reqURL.Scheme = "https"
	}
	reqURL.Host = hs.hostHeader

	// The stream outlives ctx, which bounds the handshake only.
	streamCtx, cancelStream := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancelStream)
	pr, pw := io.Pipe()
	body := &eofSignal{r: pr, eof: make(chan struct{})}
	req := (&http.Request{
		Method:     http.MethodConnect,
		URL:        reqURL,
		Host:       hs.hostHeader,
		Header:     header,
		Body:       body,
		Proto:      "HTTP/2.0",
		ProtoMajor: 2,
	}).WithContext(streamCtx)
	fail := func(err error) (*Conn, error) {
		stop()
		cancelStream()
		_ = pw.Close()
		ownCC()
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return nil, err
	}
	resp, err := cc.RoundTrip(req)
	if err != nil {
		// A cleartext server that does not speak HTTP/2 answers the h2c
		// preface with HTTP/1.1 (a broken connection to the HTTP/2 client).
		noH2c := !secure && ctx.Err() == nil
		if isNoExtendedConnect(err) || noH2c {
			if pool != nil {
				pool.forget(d)
			}
			_, _ = fail(err)
			return nil, errNoH2
		}
		return fail(fmt.Errorf("ws: dial %s: HTTP/2 extended CONNECT: %w", d.target, err))
	}
	closeResp := func() { _ = resp.Body.Close() }
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		closeResp()
		return fail(&HandshakeError{Status: resp.StatusCode, Header: resp.Header, Body: string(body)})
	}
	protocol, exts, err := checkNegotiated(resp.Header, hs.protocols)
	if err != nil {
		closeResp()
		return fail(fmt.Errorf("ws: dial %s: %w", d.target, err))
	}
	pmd, err := clientAccept(o, exts)
	if err != nil {
		closeResp()
		return fail(fmt.Errorf("ws: dial %s: %w: %w", d.target, ErrBadHandshake, err))
	}
	cresp, err := clientOpened(ctx, h, stop, td, resp.Header, protocol, exts, pmd, d.target)
	if err != nil {
		closeResp()
		return fail(err)
	}
	nc := newH2Conn(resp.Body, pw, h2Addr(""), remote)
	nc.endWrite = func() error {
		// END_STREAM goes after what was written: wait (a little) until
		// the HTTP/2 client has sent it, so that closing the response
		// body (a reset when the server has not ended its side) cannot
		// discard the last frames, such as the echo before a failure.
		err := pw.Close()
		t := time.NewTimer(h2EndStreamWait)
		defer t.Stop()
		select {
		case <-body.eof:
		case <-t.C:
		}
		return err
	}
	cfg := connConfig{
		netConn:   nc,
		isServer:  false,
		opts:      o,
		handler:   h,
		protocol:  protocol,
		pmd:       pmd,
		response:  cresp,
		transport: td,
		logger:    slog.Default(),
		onDone: func() {
			cancelStream()
			ownCC()
		},
	}
	runTestHook(&cfg)
	return startConn(cfg), nil
}

// h2Header renders the request headers of an extended CONNECT: those of
// an HTTP/1.1 upgrade less Upgrade, Connection and Sec-WebSocket-Key (RFC
// 8441 5), with the same refusals of bad values as build.
func (c *clientRequest) h2Header(extensions string) (http.Header, error) {
	if _, err := c.build("", extensions); err != nil {
		return nil, err
	}
	h := http.Header{}
	for k, vs := range c.headers {
		ck := http.CanonicalHeaderKey(k)
		if reservedRequestHeaders[ck] {
			continue
		}
		h[ck] = append([]string(nil), vs...)
	}
	h.Set(":protocol", "websocket")
	h.Set("Sec-WebSocket-Version", "13")
	if c.origin != "" {
		h.Set("Origin", c.origin)
	}
	if len(c.protocols) > 0 {
		h.Set("Sec-WebSocket-Protocol", strings.Join(c.protocols, ", "))
	}
	if extensions != "" {
		h.Set("Sec-WebSocket-Extensions", extensions)
	}
	if c.userAgent != "" {
		h.Set("User-Agent", c.userAgent)
	}
	return h, nil
}

// h2EndStreamWait bounds how long closing a client stream waits for its
// last bytes to be sent (longer when the server does not read them).
const h2EndStreamWait = 250 * time.Millisecond

// eofSignal is a request body that tells when the HTTP/2 client read its
// end: by then the client sent every byte before it (it reads the next
// chunk only after writing the previous one).
type eofSignal struct {
	r    io.ReadCloser
	eof  chan struct{}
	once sync.Once
}

func (b *eofSignal) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil {
		b.once.Do(func() { close(b.eof) })
	}
	return n, err
}

func (b *eofSignal) Close() error {
	b.once.Do(func() { close(b.eof) })
	return b.r.Close()
}
