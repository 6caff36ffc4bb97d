package ws

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Accept upgrades an HTTP request to a WebSocket connection in blocking
// mode: no Handler, the caller reads with the Conn's blocking API. It runs
// every server-side check of the opening handshake (see Server) and, when
// one fails, answers with the matching HTTP status and returns a
// *HandshakeError. The subprotocol is the first of opts.Protocols the
// client offered (none when they share none). opts nil means
// DefaultOptions(); MaxConnections is not enforced (there is no Server to
// count connections). Without opts.MemoryBudget, the connections of every
// Accept share one budget of DefaultMemoryBudget. Options that fail
// Options.Validate are answered with 500 and their error returned. The
// caller must not use w after Accept returns.
//
// Over HTTP/2 (an RFC 8441 extended CONNECT, see the package docs) the
// WebSocket is the request's stream and lives only while the handler
// runs: the handler must not return before the Conn is done (after Close,
// or once a read failed, wait for <-c.Done()).
func Accept(w http.ResponseWriter, r *http.Request, opts *Options) (*Conn, error) {
	o := opts.clone()
	if o.MemoryBudget == nil {
		o.MemoryBudget = acceptBudget()
	}
	u := &upgrader{opts: o, logger: slog.Default()}
	if err := u.opts.Validate(); err != nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return nil, fmt.Errorf("ws: accept: %w", err)
	}
	return u.upgrade(w, r)
}

// clientHello is a validated client opening handshake.
type clientHello struct {
	key        string // "" on HTTP/2
	h2         bool   // an RFC 8441 extended CONNECT on HTTP/2
	protocols  []string
	protoSet   *tokenSet // set of protocols when the list is long (see indexTokens)
	extensions []ExtensionOffer
	origin     string
}

// rejection is the HTTP answer refusing an opening handshake.
type rejection struct {
	status     int
	header     http.Header // extra response headers
	reason     string      // plain-text body
	statusPage bool        // answer a plain GET with the status page (200)
}

func reject(status int, reason string) *rejection {
	return &rejection{status: status, reason: reason}
}

func (rj *rejection) with(key, value string) *rejection {
	if rj.header == nil {
		rj.header = http.Header{}
	}
	rj.header.Set(key, value)
	return rj
}

func (rj *rejection) err() error {
	return &HandshakeError{Status: rj.status, Body: rj.reason}
}

// write sends the rejection through w (before any hijack).
func (rj *rejection) write(w http.ResponseWriter) {
	for k, vs := range rj.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if rj.statusPage {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(statusPage))
		return
	}
	http.Error(w, rj.reason, rj.status)
}

// statusPage answers a plain GET on a WebSocket endpoint when
// Options.WebStatus is on.
const statusPage = `<!DOCTYPE html>
<html><head><title>autobahn-go</title></head>
<body><h1>autobahn-go</h1>
<p>This is a WebSocket (RFC 6455) endpoint. Connect with a WebSocket client.</p>
</body></html>
`

// requestHeaderSize approximates the size of a request's header block as
// it was on the wire: "Name: value\r\n" per value, Host included.
func requestHeaderSize(r *http.Request) int {
	n := len("Host: \r\n") + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// checkRequest runs the server's checks of a client's opening handshake
// (RFC 6455 4.2.1 and the size and origin policies of o), in the order a
// client is best told about them.
func checkRequest(r *http.Request, o *Options) (*clientHello, *rejection) {
	// RFC 8441: on HTTP/2 an extended CONNECT replaces GET + Upgrade, and
	// there is no Sec-WebSocket-Key; the other checks are the same.
	h2 := isH2Connect(r)
	if h2 {
		if rj := checkH2Connect(r); rj != nil {
			return nil, rj
		}
	}
	uri := r.RequestURI
	if uri == "" && r.URL != nil {
		uri = r.URL.RequestURI()
	}
	if o.MaxRequestLineSize > 0 && len(r.Method)+len(uri)+len(r.Proto)+4 > o.MaxRequestLineSize {
		return nil, reject(http.StatusRequestURITooLong, "request line too long")
	}
	if o.MaxHeaderBytes > 0 && requestHeaderSize(r) > o.MaxHeaderBytes {
		return nil, reject(http.StatusRequestHeaderFieldsTooLarge, "request headers too large")
	}
	if r.Method != http.MethodGet && !h2 {
		return nil, reject(http.StatusMethodNotAllowed, "WebSocket opening handshake must use GET").with("Allow", "GET")
	}
	if !h2 && (r.ProtoMajor != 1 || r.ProtoMinor < 1) {
		return nil, reject(http.StatusHTTPVersionNotSupported, "WebSocket opening handshake needs HTTP/1.1")
	}
	if r.Host == "" {
		return nil, reject(http.StatusBadRequest, "missing Host header")
	}
	if !h2 && !headerHasToken(r.Header, "Upgrade", "websocket") {
		if len(r.Header.Values("Upgrade")) == 0 && o.WebStatus {
			return nil, &rejection{status: http.StatusOK, statusPage: true}
		}
		return nil, reject(http.StatusUpgradeRequired, "this is a WebSocket endpoint: Upgrade: websocket required").
			with("Upgrade", "websocket").with("Connection", "Upgrade")
	}
	if !h2 && !headerHasToken(r.Header, "Connection", "upgrade") {
		return nil, reject(http.StatusBadRequest, "missing Connection: Upgrade")
	}

	versions := r.Header.Values("Sec-WebSocket-Version")
	if len(versions) != 1 {
		return nil, reject(http.StatusBadRequest, "missing or repeated Sec-WebSocket-Version header").
			with("Sec-WebSocket-Version", "13")
	}
	v := strings.Trim(versions[0], " \t")
	if v == "" || len(v) > 3 || strings.Trim(v, "0123456789") != "" {
		return nil, reject(http.StatusBadRequest, "malformed Sec-WebSocket-Version header").
			with("Sec-WebSocket-Version", "13")
	}
	if n, _ := strconv.Atoi(v); n != protocolVersion {
		return nil, reject(http.StatusUpgradeRequired, "unsupported WebSocket version "+v+" (want 13)").
			with("Sec-WebSocket-Version", "13")
	}

	var key string
	if !h2 {
		keys := r.Header.Values("Sec-WebSocket-Key")
		if len(keys) != 1 {
			return nil, reject(http.StatusBadRequest, "missing or repeated Sec-WebSocket-Key header")
		}
		key = strings.Trim(keys[0], " \t")
		if !validKey(key) {
			return nil, reject(http.StatusBadRequest, "Sec-WebSocket-Key is not base64 of 16 bytes")
		}
	}
	if announcesBody(r) {
		return nil, reject(http.StatusBadRequest, "WebSocket opening handshake must not have a body")
	}

	protocols, err := parseTokenList(r.Header.Values("Sec-WebSocket-Protocol"))
	if err != nil {
		return nil, reject(http.StatusBadRequest, "malformed Sec-WebSocket-Protocol header: "+err.Error())
	}
	protoSet, p, dup := indexTokens(protocols)
	if dup {
		return nil, reject(http.StatusBadRequest, "duplicate subprotocol "+quoteClip(p)+" in Sec-WebSocket-Protocol")
	}
	exts, err := parseExtensions(r.Header.Values("Sec-WebSocket-Extensions"))
	if err != nil {
		return nil, reject(http.StatusBadRequest, err.Error())
	}

	origins := r.Header.Values("Origin")
	if len(origins) > 1 {
		return nil, reject(http.StatusBadRequest, "repeated Origin header")
	}
	origin := ""
	if len(origins) == 1 {
		origin = strings.Trim(origins[0], " \t")
	}
	// Malformed patterns were reported by Options.Validate; the valid ones
	// still apply (a bad rule never widens the policy).
	patterns := o.originPatterns()
	allowed, err := originAllowed(origin, len(origins) == 1, patterns, o.AllowNullOrigin)
	if err != nil {
		return nil, reject(http.StatusBadRequest, "malformed Origin header "+quoteClip(origin))
	}
	if !allowed {
		return nil, reject(http.StatusForbidden, "origin "+quoteClip(origin)+" not allowed")
	}
	return &clientHello{key: key, h2: h2, protocols: protocols, protoSet: protoSet, extensions: exts, origin: origin}, nil
}

// selectProtocol returns the first of ours that the client offered, in
// time linear in both lists: a nested loop when one is short, else one
// pass over the offers against a tokenSet of ours.
func selectProtocol(ours, offered []string) string {
	if len(ours) <= 4 || len(offered) <= 16 {
		for _, p := range ours {
			if contains(offered, p) {
				return p
			}
		}
		return ""
	}
	set := newTokenSet(ours)
	for i := range ours {
		set.insert(i) // a repeat in ours keeps its first index
	}
	best := -1
	for _, p := range offered {
		if i := set.index(p); i >= 0 && (best < 0 || i < best) {
			if best = i; best == 0 {
				break
			}
		}
	}
	if best < 0 {
		return ""
	}
	return ours[best]
}

// chooseProtocol returns the first of ours that the client offered, like
// selectProtocol, through the set of the offers checkRequest built for a
// long list: O(len(ours)) then.
func (h *clientHello) chooseProtocol(ours []string) string {
	if h.protoSet == nil {
		return selectProtocol(ours, h.protocols)
	}
	for _, p := range ours {
		if h.protoSet.index(p) >= 0 {
			return p
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// upgrader runs the server side of one opening handshake.
type upgrader struct {
	opts       *Options // server options (shared, read-only)
	logger     *slog.Logger
	srv        *Server        // nil for Accept: no connection tracking
	newHandler func() Handler // nil: blocking mode
	ownHTTP    bool           // served by Serve's http.Server (see boundRequest)
}

// errHandshakeTimeout is OnConnect running past OpenHandshakeTimeout.
var errHandshakeTimeout = errors.New("ws: opening handshake timed out in OnConnect")

// upgrade validates r, consults the handler, hijacks and hands the
// connection to the engine. Refusals are answered on w.
func (u *upgrader) upgrade(w http.ResponseWriter, r *http.Request) (*Conn, error) {
	var deadline time.Time
	if u.opts.OpenHandshakeTimeout > 0 {
		deadline = time.Now().Add(u.opts.OpenHandshakeTimeout)
	}
	u.boundRequest(w, r, deadline)
	warnH2(u.logger, r)
	hello, rj := checkRequest(r, u.opts)
	if rj != nil {
		return nil, u.refuse(w, r, rj)
	}

	release := func() {}
	var slot *connSlot
	if u.srv != nil {
		var ok bool
		if slot, ok = u.srv.reserve(); !ok {
			return nil, u.refuse(w, r, reject(http.StatusServiceUnavailable, "server at connection limit or shutting down"))
		}
		release = slot.release
	}
	handedOver := false
	defer func() {
		if !handedOver {
			release()
		}
	}()

	var localAddr string
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		localAddr = a.String()
	}
	td := &TransportDetails{
		Peer:       forwardedPeer(requestPeer(r), r.Header.Values("X-Forwarded-For"), u.opts.TrustXForwardedFor),
		LocalAddr:  localAddr,
		RemoteAddr: r.RemoteAddr,
		IsSecure:   r.TLS != nil,
		IsServer:   true,
	}
	td.setTLS(r.TLS)
	td.HTTPVersion = r.Proto
	req := &ConnectionRequest{
		Peer:       td.Peer,
		Headers:    r.Header,
		Host:       r.Host,
		Path:       r.URL.Path,
		Params:     r.URL.Query(),
		Version:    protocolVersion,
		Origin:     hello.origin,
		Protocols:  hello.protocols,
		Extensions: hello.extensions,
		Request:    r,
		Transport:  td,
	}

	var h Handler
	if u.newHandler != nil {
		if h = u.newHandler(); h == nil {
			u.logger.Error("ws: handler factory returned nil", "peer", td.Peer)
			return nil, u.refuse(w, r, reject(http.StatusInternalServerError, "internal server error"))
		}
	}
	protocol := hello.chooseProtocol(u.opts.Protocols)
	connOpts := u.opts
	var extra http.Header
	if sch, ok := h.(ServerConnectHandler); ok {
		var onTimeout func()
		if th, ok := h.(OpenHandshakeTimeoutHandler); ok {
			onTimeout = func() { th.OnOpenHandshakeTimeout(td.Peer) }
		}
		acc, err := callOnConnect(sch, req, deadline, onTimeout)
		if err != nil {
			var deny *ConnectionDeny
			switch {
			case errors.As(err, &deny) && deny.Code >= 400 && deny.Code <= 599:
				reason := deny.Reason
				if reason == "" {
					reason = http.StatusText(deny.Code)
				}
				return nil, u.refuse(w, r, reject(deny.Code, reason))
			case r.Context().Err() != nil:
				u.logger.Debug("ws: client went away during OnConnect", "peer", td.Peer)
				return nil, u.refuse(w, r, reject(http.StatusServiceUnavailable, "client went away"))
			case errors.Is(err, errHandshakeTimeout):
				u.logger.Warn("ws: OnConnect exceeded the opening handshake timeout", "peer", td.Peer)
				return nil, u.refuse(w, r, reject(http.StatusServiceUnavailable, "opening handshake timed out"))
			default:
				u.logger.Error("ws: OnConnect failed", "peer", td.Peer, "err", err)
				return nil, u.refuse(w, r, reject(http.StatusInternalServerError, "internal server error"))
			}
		}
		if acc != nil {
			if acc.Subprotocol != "" && !contains(hello.protocols, acc.Subprotocol) {
				u.logger.Error("ws: OnConnect accepted a subprotocol the client did not offer",
					"peer", td.Peer, "subprotocol", acc.Subprotocol, "offered", hello.protocols)
				return nil, u.refuse(w, r, reject(http.StatusInternalServerError, "internal server error"))
			}
			protocol = acc.Subprotocol
			extra = acc.Headers
			if acc.Options != nil {
				if err := acc.Options.Validate(); err != nil {
					u.logger.Error("ws: OnConnect accepted with invalid options", "peer", td.Peer, "err", err)
					return nil, u.refuse(w, r, reject(http.StatusInternalServerError, "internal server error"))
				}
				connOpts = acc.Options
			}
		}
	}
	if connOpts != u.opts {
		// OnConnect's own options: the connection gets a private copy.
		// Otherwise every connection shares the server's copy, which
		// nothing writes to (one Options less per idle connection).
		connOpts = connOpts.clone()
		if connOpts.MemoryBudget == nil {
			connOpts.MemoryBudget = u.opts.MemoryBudget // the server's
		}
	}

	extResp, pmd, err := serverNegotiate(connOpts, hello.extensions)
	if err != nil {
		return nil, u.refuse(w, r, reject(http.StatusBadRequest, err.Error()))
	}
	closePMD := func() {
		if pmd != nil {
			pmd.close()
		}
	}
	if hello.h2 {
		return u.startH2(w, r, h2Start{protocol: protocol, extensions: extResp, extra: responseHeaders(connOpts, extra), opts: connOpts,
			handler: h, pmd: pmd, req: req, td: td, slot: slot, release: release}, &handedOver)
	}
	resp := buildUpgradeResponse(hello.key, protocol, extResp, responseHeaders(connOpts, extra))

	netConn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		closePMD()
		u.logger.Error("ws: cannot hijack the connection", "peer", td.Peer, "err", err)
		return nil, u.refuse(w, r, reject(http.StatusInternalServerError, "cannot take over the connection"))
	}
	if slot != nil {
		// From here the connection is not net/http's: a Shutdown whose ctx
		// ends must find it to close it.
		slot.attach(netConn)
	}
	setNoDelay(netConn, connOpts.TCPNoDelay)
	td.LocalAddr = netConn.LocalAddr().String()
	// Bytes the client sent past its request are copied out of net/http's
	// hijack buffers, which are then dropped (an idle connection keeps
	// neither their 4 KiB reader nor their writer).
	pending, _ := brw.Reader.Peek(brw.Reader.Buffered())
	br := newConnReader(netConn, pending)
	cfg := connConfig{
		netConn:   netConn,
		br:        br,
		isServer:  true,
		opts:      connOpts,
		handler:   h,
		protocol:  protocol,
		pmd:       pmd,
		request:   req,
		transport: td,
		logger:    u.logger,
		onDone:    release,
	}
	cfg.preopenIn, cfg.preopenOut = uint64(requestWireSize(r)), uint64(len(resp))
	runTestHook(&cfg)
	// The http.Server may have set deadlines; bound the 101's write by what
	// is left of the handshake time, then clear them for the engine.
	_ = netConn.SetDeadline(deadline)
	if _, err := netConn.Write(resp); err != nil {
		closePMD()
		_ = netConn.Close()
		return nil, fmt.Errorf("ws: writing 101 response to %s: %w", td.Peer, err)
	}
	_ = netConn.SetDeadline(time.Time{})

	handedOver = true
	c := startConn(cfg)
	if slot != nil {
		u.srv.opened(slot, c)
	}
	return c, nil
}

// refuse answers r with rj and returns the matching error.
func (u *upgrader) refuse(w http.ResponseWriter, r *http.Request, rj *rejection) error {
	u.refuseNow(w, r, rj)
	rj.write(w)
	if !rj.statusPage {
		u.logger.Debug("ws: opening handshake refused", "remote", r.RemoteAddr, "status", rj.status, "reason", rj.reason)
	}
	return rj.err()
}

// callOnConnect runs OnConnect, bounded by deadline when set: past it the
// handshake is refused (the callback's late answer is dropped). A panic in
// OnConnect becomes an error. onTimeout (if not nil) runs when the deadline
// passed first, on OnConnect's goroutine once OnConnect has returned, so
// the Handler's callbacks never run at the same time.
func callOnConnect(h ServerConnectHandler, req *ConnectionRequest, deadline time.Time, onTimeout func()) (*ConnectionAccept, error) {
	type result struct {
		acc *ConnectionAccept
		err error
	}
	run := func() (res result) {
		defer func() {
			if p := recover(); p != nil {
				res = result{err: fmt.Errorf("ws: OnConnect panicked: %v", p)}
			}
		}()
		acc, err := h.OnConnect(req)
		return result{acc, err}
	}
	if deadline.IsZero() {
		res := run()
		return res.acc, res.err
	}
	ch := make(chan result, 1)
	var (
		mu       sync.Mutex
		returned bool // OnConnect returned
		timedOut bool // the deadline passed first
	)
	go func() {
		res := run()
		mu.Lock()
		returned = true
		late := timedOut
		mu.Unlock()
		ch <- res
		if late && onTimeout != nil {
			onTimeout()
		}
	}()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case res := <-ch:
		return res.acc, res.err
	case <-t.C:
		mu.Lock()
		done := returned
		timedOut = !done
		mu.Unlock()
		if done { // OnConnect returned as the timer fired: take its answer
			res := <-ch
			return res.acc, res.err
		}
		return nil, errHandshakeTimeout
	case <-req.Request.Context().Done():
		return nil, fmt.Errorf("ws: client went away during OnConnect: %w", req.Request.Context().Err())
	}
}

// reservedResponseHeaders are set by the handshake itself; a
// ConnectionAccept may not override them.
var reservedResponseHeaders = map[string]bool{
	"Upgrade": true, "Connection": true, "Sec-Websocket-Accept": true,
	"Sec-Websocket-Protocol": true, "Sec-Websocket-Extensions": true,
	"Content-Length": true, "Transfer-Encoding": true,
}

// responseHeaders merges the extra headers of a 101 response: the Server:
// header and Headers of o (server-wide, or the connection's options), then
// a ConnectionAccept's headers, each name replacing what came before.
func responseHeaders(o *Options, perConn http.Header) http.Header {
	h := http.Header{}
	if o.Server != "" {
		h.Set("Server", o.Server)
	}
	for _, src := range []http.Header{o.Headers, perConn} {
		for k, vs := range src {
			h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
	}
	return h
}

// buildUpgradeResponse renders the 101 Switching Protocols answer.
func buildUpgradeResponse(key, protocol, extensions string, extra http.Header) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ")
	b.WriteString(computeAcceptKey(key))
	b.WriteString("\r\n")
	if protocol != "" {
		b.WriteString("Sec-WebSocket-Protocol: " + protocol + "\r\n")
	}
	if extensions != "" {
		b.WriteString("Sec-WebSocket-Extensions: " + extensions + "\r\n")
	}
	for k, vs := range extra {
		ck := http.CanonicalHeaderKey(k)
		if reservedResponseHeaders[ck] || !isToken(k) {
			continue
		}
		for _, v := range vs {
			if validHeaderValue(v) {
				b.WriteString(ck + ": " + v + "\r\n")
			}
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// setNoDelay sets TCP_NODELAY on the TCP socket under c, if there is one.
func setNoDelay(c net.Conn, on bool) {
	for {
		switch t := c.(type) {
		case *net.TCPConn:
			_ = t.SetNoDelay(on)
			return
		case interface{ NetConn() net.Conn }: // *tls.Conn
			c = t.NetConn()
		default:
			return
		}
	}
}
