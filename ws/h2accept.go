package ws

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// WebSockets over HTTP/2 (RFC 8441), server side.
//
// A client opens a WebSocket on an HTTP/2 connection with an extended
// CONNECT request: method CONNECT, the pseudo-header :protocol set to
// "websocket", :path the resource, and the WebSocket headers of RFC 6455
// except Upgrade, Connection and Sec-WebSocket-Key. The server answers 200
// (with Sec-WebSocket-Protocol and -Extensions as in a 101) and the
// stream's DATA carry the WebSocket frames both ways.
//
// Go's net/http presents such a request to a handler as r.Method ==
// "CONNECT", r.ProtoMajor == 2 and r.Header[":protocol"] ==
// []string{"websocket"}, r.URL.Path the :path; r.Body is the stream's
// inbound half, the ResponseWriter its outbound half. net/http (Go 1.24 to
// at least 1.26) advertises SETTINGS_ENABLE_CONNECT_PROTOCOL, without
// which no client sends one, only when the process started with
// http2xconnect=1 in its GODEBUG environment variable (read once, at
// start). h2ExtendedConnect records whether it did.
var h2ExtendedConnect = godebugHas(os.Getenv("GODEBUG"), "http2xconnect", "1")

// HTTP2ExtendedConnect reports whether net/http in this process takes
// WebSockets over HTTP/2 (RFC 8441): true when the process started with
// http2xconnect=1 in GODEBUG. Without it a Server still serves HTTP/2
// requests, but clients open their WebSockets over HTTP/1.1. A program
// can check it at start and tell its user to set the variable (it cannot
// be set from inside the process: net/http reads it once, at start).
func HTTP2ExtendedConnect() bool { return h2ExtendedConnect }

// godebugHas reports whether the GODEBUG value list sets key=value (the
// last setting of key wins, as in the runtime).
func godebugHas(list, key, value string) bool {
	found := false
	for _, kv := range strings.Split(list, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok && k == key {
			found = v == value
		}
	}
	return found
}

// h2WarnOnce makes the warning about a missing GODEBUG setting appear
// once per process.
var h2WarnOnce sync.Once

// warnH2 logs, once, that HTTP/2 is served without extended CONNECT:
// clients on HTTP/2 (browsers included) then open their WebSockets on a
// separate HTTP/1.1 connection, or fail where only HTTP/2 gets through.
func warnH2(logger *slog.Logger, r *http.Request) {
	warnH2If(h2ExtendedConnect, &h2WarnOnce, logger, r)
}

// warnH2If is warnH2 with its state given (for tests).
func warnH2If(enabled bool, once *sync.Once, logger *slog.Logger, r *http.Request) {
	if enabled || r.ProtoMajor != 2 {
		return
	}
	once.Do(func() {
		logger.Warn("ws: serving HTTP/2 without WebSockets over HTTP/2 (RFC 8441): " +
			"net/http advertises SETTINGS_ENABLE_CONNECT_PROTOCOL only when the process " +
			"starts with GODEBUG=http2xconnect=1; clients will use HTTP/1.1 for WebSockets")
	})
}

// warnH2AtStart logs the same warning as warnH2 (sharing its once) when a
// Server starts serving with HTTP/2 enabled in protocols and extended
// CONNECT is off, so the operator sees it at start rather than at the
// first HTTP/2 request. Over a TLS listener Serve cannot see whether ALPN
// offers h2; there the warning comes with the first HTTP/2 request.
func warnH2AtStart(enabled bool, once *sync.Once, logger *slog.Logger, protocols *http.Protocols) {
	if enabled || protocols == nil || !(protocols.HTTP2() || protocols.UnencryptedHTTP2()) {
		return
	}
	warnH2If(false, once, logger, &http.Request{ProtoMajor: 2})
}

// isH2Connect reports whether r is an RFC 8441 extended CONNECT, of any
// :protocol.
func isH2Connect(r *http.Request) bool {
	return r.ProtoMajor == 2 && r.Method == http.MethodConnect && len(r.Header.Values(":protocol")) > 0
}

// checkH2Connect runs the HTTP/2-only checks of an extended CONNECT (RFC
// 8441 4 and 5): the protocol is websocket and there is a path. The
// checks of RFC 6455 that HTTP/2 keeps (version, subprotocols,
// extensions, origin, sizes) follow in checkRequest as for HTTP/1.1.
func checkH2Connect(r *http.Request) *rejection {
	ps := r.Header.Values(":protocol")
	if len(ps) != 1 || !strings.EqualFold(ps[0], "websocket") {
		return reject(http.StatusBadRequest, "extended CONNECT for protocol "+strings.Join(ps, ",")+": only websocket is served here")
	}
	if r.URL == nil || r.URL.Path == "" {
		return reject(http.StatusBadRequest, "extended CONNECT without :path")
	}
	return nil
}

// h2Accept answers an accepted RFC 8441 request with 200 and returns the
// stream as a net.Conn for the engine. protocol and extensions are the
// negotiated subprotocol and Sec-WebSocket-Extensions value, extra the
// headers of a ConnectionAccept.
func h2Accept(w http.ResponseWriter, r *http.Request, protocol, extensions string, extra http.Header) (*h2Conn, error) {
	hdr := w.Header()
	for k, vs := range extra {
		ck := http.CanonicalHeaderKey(k)
		if reservedResponseHeaders[ck] || !isToken(k) {
			continue
		}
		for _, v := range vs {
			if validHeaderValue(v) {
				hdr.Add(ck, v)
			}
		}
	}
	if protocol != "" {
		hdr.Set("Sec-WebSocket-Protocol", protocol)
	}
	if extensions != "" {
		hdr.Set("Sec-WebSocket-Extensions", extensions)
	}
	rc := http.NewResponseController(w)
	var local net.Addr = h2Addr("")
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		local = a
	}
	c := newH2Conn(r.Body, w, local, h2Addr(r.RemoteAddr))
	c.flush = rc.Flush
	c.setRead = rc.SetReadDeadline
	c.setWrite = rc.SetWriteDeadline
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return nil, err
	}
	// Frames are written while the request body is still being read.
	_ = rc.EnableFullDuplex()
	return c, nil
}

// h2Start is what upgrade hands startH2 once every check passed.
type h2Start struct {
	protocol, extensions string
	extra                http.Header
	opts                 *Options
	handler              Handler
	pmd                  pmdCodec
	req                  *ConnectionRequest
	td                   *TransportDetails
	slot                 *connSlot
	release              func()
}

// startH2 finishes an accepted RFC 8441 handshake: the 200 instead of a
// hijack and a 101, then the same engine over the stream. It sets
// *handedOver once the engine owns the connection.
func (u *upgrader) startH2(w http.ResponseWriter, r *http.Request, s h2Start, handedOver *bool) (*Conn, error) {
	// The stream lives as long as the WebSocket: no deadline from the
	// handshake (or from the http.Server) may cut it.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	nc, err := h2Accept(w, r, s.protocol, s.extensions, s.extra)
	if err != nil {
		if s.pmd != nil {
			s.pmd.close()
		}
		return nil, fmt.Errorf("ws: writing the HTTP/2 200 response to %s: %w", s.td.Peer, err)
	}
	if s.slot != nil {
		s.slot.attach(nc)
	}
	s.td.LocalAddr = nc.LocalAddr().String()
	cfg := connConfig{
		netConn:   nc,
		isServer:  true,
		opts:      s.opts,
		handler:   s.handler,
		protocol:  s.protocol,
		pmd:       s.pmd,
		request:   s.req,
		transport: s.td,
		logger:    u.logger,
		onDone:    s.release,
	}
	runTestHook(&cfg)
	*handedOver = true
	c := startConn(cfg)
	if s.slot != nil {
		u.srv.opened(s.slot, c)
	}
	return c, nil
}

// awaitH2 keeps a handler running while the WebSocket on its HTTP/2
// stream is open: the stream ends when the handler returns.
func awaitH2(c *Conn) {
	if c == nil {
		return
	}
	if nc, ok := c.nc.(*h2Conn); ok {
		<-c.Done()
		nc.wait()
	}
}

// HTTP/2 receive windows of Serve's http.Server. net/http returns a
// connection's flow-control credit only when a handler reads, and by
// default lets one stream take the whole connection window (1 MiB each):
// one WebSocket whose handler stops reading (a slow OnMessage, a blocking
// reader that does not read) would stall every other WebSocket on that
// HTTP/2 connection. With a stream window far below the connection's,
// h2StallStreams such WebSockets are needed to stall it. Mounted on a
// foreign http.Server, set its HTTP2 field the same way.
//
// The largest DATA frame the server reads is also kept at HTTP/2's
// default of 16 KiB (net/http advertises 1 MiB): a client built on
// golang.org/x/net/http2 (ours included) holds a request-body buffer of
// min(that size, 512 KiB) for the life of each stream, that is of each
// WebSocket; 16 KiB instead of 512 KiB per WebSocket on such a client.
const (
	h2StreamWindow = 256 << 10
	h2StallStreams = 64
	h2MaxReadFrame = 16 << 10
)

func h2ServerConfig() *http.HTTP2Config {
	return &http.HTTP2Config{
		MaxReceiveBufferPerStream:     h2StreamWindow,
		MaxReceiveBufferPerConnection: h2StreamWindow * h2StallStreams,
		MaxReadFrameSize:              h2MaxReadFrame,
	}
}
