package ws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server accepts WebSocket connections, Autobahn's protocol-factory model
// in Go: each accepted connection gets its own Handler from the factory
// given to NewServer.
//
// A Server is an http.Handler: mount it on any mux, or let it serve a
// listener itself (Serve, ListenAndServe), which also applies the opening
// handshake timeout and header size limit at the HTTP layer.
//
// Each opening handshake is checked strictly (RFC 6455 4.2.1); a failed
// check is answered with an HTTP status and a plain-text reason:
// 405 (not GET, with Allow: GET), 505 (not HTTP/1.1), 400 (no Host, no
// Connection: upgrade, bad or missing Sec-WebSocket-Key or -Version, bad
// Sec-WebSocket-Protocol, a Sec-WebSocket-Extensions header that does not
// parse, a request body; a permessage-deflate offer with an unknown,
// repeated or invalid parameter is only declined, RFC 7692 §5.1, and a
// later offer may be accepted), 426 (no Upgrade:
// websocket, or a version other than 13, with Sec-WebSocket-Version: 13),
// 403 (Origin not allowed), 414/431 (request line or headers too large),
// 503 (MaxConnections reached, or shutting down). A plain GET without
// Upgrade gets a small status page (200) when Options.WebStatus is on.
//
// A Handler implementing ServerConnectHandler decides in OnConnect: a
// *ConnectionDeny is answered with its code and reason, any other error
// with 500. The subprotocol defaults to the first of Options.Protocols the
// client offered; a non-nil ConnectionAccept replaces it (its Subprotocol
// must be one the client offered, else 500) and may add headers to the 101
// (except those the handshake sets itself) and replace the options for
// that one connection, permessage-deflate included. OnConnect runs within
// Options.OpenHandshakeTimeout; past it the client gets 503.
//
// # Timeouts before the upgrade
//
// On the port of Serve or ListenAndServe every request must send its
// headers and its body within Options.OpenHandshakeTimeout (T) of its
// first byte (http.Server ReadHeaderTimeout and ReadTimeout); one that
// does not is answered, if it got as far as the handler, and its
// connection is closed. net/http reads a body before it answers, so a
// request whose body never comes (a status-page GET with Content-Length,
// an endless chunked body, a body trickling in) gets its answer and the
// close at T. An answer other than 101 is written within T (2T when a
// body was waited for first). After such an answer the connection is
// kept alive for another request for at most T (IdleTimeout) and then
// closed; this holds for a refused upgrade too, as RFC 6455 4.1 lets the
// client go on with HTTP (authenticate, say). An upgrade request that
// announces a body (Content-Length above 0, or Transfer-Encoding) is
// malformed: it gets 400 with Connection: close and its connection is
// closed at once, the body unread. Connections before the upgrade are not
// counted against MaxConnections; these bounds are what limits them.
//
// Mounted on a foreign http.Server (ServeHTTP), the Server gives a
// request body the same bound T from the start of the handler (through
// http.ResponseController), and the write of a refusal too unless that
// server has a WriteTimeout of its own. The time for the headers and the
// idle keep-alive time are the foreign server's: set its
// ReadHeaderTimeout and IdleTimeout (with IdleTimeout and ReadTimeout
// both 0 an idle connection stays open for ever), and shut it down after
// Server.Shutdown.
type Server struct {
	// Logger receives the server's diagnostics; nil means slog.Default().
	// Set it before serving.
	Logger *slog.Logger
	// Protocols, when set, are the HTTP protocols the http.Server of Serve
	// accepts; nil is net/http's default: HTTP/1.1, and HTTP/2 over a TLS
	// listener whose config offers "h2" by ALPN. Set UnencryptedHTTP2 for
	// h2c. WebSockets over HTTP/2 need GODEBUG=http2xconnect=1 (see
	// HTTP2ExtendedConnect). Set it before serving.
	Protocols *http.Protocols

	newHandler func() Handler
	opts       *Options
	optsErr    error // opts failed Options.Validate

	mu       sync.Mutex
	slots    map[*connSlot]struct{}
	closing  bool
	httpSrvs []*http.Server
}

// connSlot is one connection counted against MaxConnections, from the
// passed checks of its opening handshake until the engine reports it done.
type connSlot struct {
	srv      *Server
	h        any // under srv.mu: the hijacked net.Conn, then the *Conn once handed to the engine
	released atomic.Bool
}

// sock returns the socket the slot holds (the engine's, once it runs:
// in event mode the poller's), nil before the hijack. Call with srv.mu
// held.
func (sl *connSlot) sock() net.Conn {
	switch h := sl.h.(type) {
	case *Conn:
		return h.nc
	case net.Conn:
		return h
	}
	return nil
}

// conn returns the running connection, nil before. Call with srv.mu held.
func (sl *connSlot) conn() *Conn {
	c, _ := sl.h.(*Conn)
	return c
}

// NewServer returns a Server that calls newHandler once per connection for
// its Handler, with options opts (nil: DefaultOptions()). opts is copied;
// when it has no MemoryBudget the server gets one of DefaultMemoryBudget.
//
// Options that fail Options.Validate (a malformed AllowedOrigins pattern,
// say) make a Server that serves nothing: Err returns the error, Serve and
// ListenAndServe return it at once, and ServeHTTP answers every request
// with 500 and logs it. Check Err (or call Options.Validate) at start-up
// when the Server is mounted on a mux of your own.
func NewServer(newHandler func() Handler, opts *Options) *Server {
	o := opts.clone()
	if o.MemoryBudget == nil {
		o.MemoryBudget = NewMemoryBudget(DefaultMemoryBudget)
	}
	return &Server{newHandler: newHandler, opts: o, optsErr: o.Validate(), slots: map[*connSlot]struct{}{}}
}

// Err reports why the Server cannot serve: the error of Options.Validate
// for the options given to NewServer, or nil.
func (s *Server) Err() error { return s.optsErr }

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// ServeHTTP runs the opening handshake on r and, when it succeeds, takes
// over the connection (hijacks it) and hands it to the engine, which calls
// the Handler's OnOpen. Failed handshakes are answered with an HTTP status
// (see Server).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, false)
}

// serve runs one request; ownHTTP tells that it came through the
// http.Server of Serve, whose ReadTimeout already bounds the request body.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, ownHTTP bool) {
	if s.newHandler == nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		s.logger().Error("ws: Server has no handler factory (use NewServer)")
		return
	}
	if s.optsErr != nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		s.logger().Error("ws: Server cannot serve: bad options", "err", s.optsErr)
		return
	}
	u := &upgrader{opts: s.opts, logger: s.logger(), srv: s, newHandler: s.newHandler, ownHTTP: ownHTTP}
	c, _ := u.upgrade(w, r)
	awaitH2(c) // on HTTP/2 the WebSocket is this handler's stream
}

// ownHandler is the Handler of the http.Servers that Serve runs.
type ownHandler struct{ s *Server }

func (h ownHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.s.serve(w, r, true) }

// reserve takes a connection slot, or reports false when MaxConnections
// is reached or the server is shutting down.
func (s *Server) reserve() (*connSlot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || (s.opts.MaxConnections > 0 && len(s.slots) >= s.opts.MaxConnections) {
		return nil, false
	}
	if s.slots == nil {
		s.slots = map[*connSlot]struct{}{}
	}
	slot := &connSlot{srv: s}
	s.slots[slot] = struct{}{}
	return slot, true
}

// release frees the slot; safe to call more than once.
func (sl *connSlot) release() {
	if sl.released.Swap(true) {
		return
	}
	sl.srv.mu.Lock()
	delete(sl.srv.slots, sl)
	sl.srv.mu.Unlock()
}

func (sl *connSlot) attach(c net.Conn) {
	sl.srv.mu.Lock()
	sl.h = c
	sl.srv.mu.Unlock()
}

// opened records the running connection; when a shutdown began meanwhile
// it is told to go away at once.
func (s *Server) opened(sl *connSlot, c *Conn) {
	s.mu.Lock()
	sl.h = c // its socket as the engine holds it (event mode: the poller's)
	_, live := s.slots[sl]
	closing := s.closing
	s.mu.Unlock()
	if live && closing {
		goingAway(c)
	}
}

// goingAway starts the closing handshake with 1001 (going away) and the
// reason "server shutting down".
func goingAway(c *Conn) {
	_ = c.closeWith(CloseGoingAway, "server shutting down")
}

// ConnectionCount returns the number of WebSocket connections open (or
// past the checks of their opening handshake) on this server.
func (s *Server) ConnectionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.slots)
}

// httpServer returns an http.Server serving s with the handshake limits of
// s's options at the HTTP layer: ReadHeaderTimeout, ReadTimeout (headers
// and body of each request) and IdleTimeout from OpenHandshakeTimeout,
// MaxHeaderBytes from MaxRequestLineSize + MaxHeaderBytes.
func (s *Server) httpServer() *http.Server {
	hs := &http.Server{
		Handler:           ownHandler{s},
		ReadHeaderTimeout: s.opts.OpenHandshakeTimeout,
		ReadTimeout:       s.opts.OpenHandshakeTimeout,
		IdleTimeout:       s.opts.OpenHandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger().Handler(), slog.LevelDebug),
	}
	hs.Protocols = s.Protocols
	hs.HTTP2 = h2ServerConfig()
	if s.opts.MaxHeaderBytes > 0 {
		hs.MaxHeaderBytes = s.opts.MaxHeaderBytes + s.opts.MaxRequestLineSize
	}
	return hs
}

// Serve accepts connections on ln and serves WebSocket opening handshakes
// on them until Shutdown, when it returns http.ErrServerClosed. It closes
// ln when it returns. For wss, pass a listener from tls.NewListener (the
// handshake then reports TransportDetails.IsSecure). Serve may be called
// for several listeners. When Protocols enables HTTP/2 but the process
// did not start with GODEBUG=http2xconnect=1, Serve logs a warning at
// start (over a TLS listener, at the first HTTP/2 request).
func (s *Server) Serve(ln net.Listener) error {
	if s.optsErr != nil {
		_ = ln.Close()
		return fmt.Errorf("ws: serve: %w", s.optsErr)
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ln.Close()
		return http.ErrServerClosed
	}
	hs := s.httpServer()
	s.httpSrvs = append(s.httpSrvs, hs)
	s.mu.Unlock()
	warnH2AtStart(h2ExtendedConnect, &h2WarnOnce, s.logger(), s.Protocols)
	return hs.Serve(ln)
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (s *Server) ListenAndServe(addr string) error {
	if s.optsErr != nil {
		return fmt.Errorf("ws: serve: %w", s.optsErr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ws: listen on %s: %w", addr, err)
	}
	return s.Serve(ln)
}

// Shutdown stops the server gracefully. At once it starts the closing
// handshake with 1001 (going away) on every open WebSocket, each on its
// own goroutine, and cuts everything still in its HTTP phase: the
// listeners of Serve are closed, and so is every connection of theirs not
// yet upgraded (one that never sent a byte, such as a browser's
// preconnect, a request whose body never comes, one in OnConnect, an idle
// keep-alive connection); none of them is waited for. New handshakes
// through ServeHTTP get 503; one already past its checks completes if its
// connection survives (under Serve, only one already taken over from
// net/http does) and is then sent its 1001 at once. Shutdown then waits
// until every WebSocket is closed. When ctx ends first, it drops the
// remaining connections (TCP closed, a 101 still being written included)
// and returns ctx's error.
//
// Under a foreign http.Server (ServeHTTP) only the WebSockets are the
// Server's: call Shutdown first, so their 1001s go out at once, then shut
// down the foreign server (its Shutdown waits for connections that never
// sent a byte for up to 5 s; its Close does not).
//
// WebSockets on HTTP/2 streams (RFC 8441) share their TCP connection with
// net/http: under Serve, Shutdown lets their close handshakes finish
// (each bounded by CloseHandshakeTimeout) before it closes the
// http.Servers, so they get their 1001 rather than a cut connection; what
// is still in its HTTP phase is cut after that wait.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	hss := s.httpSrvs
	s.httpSrvs = nil
	var conns []*Conn
	for sl := range s.slots {
		if c := sl.conn(); c != nil {
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()

	// The 1001s go first, each on its own goroutine: a connection whose
	// writer is stuck behind a peer that stopped reading must neither delay
	// the others nor keep Shutdown from watching ctx (when ctx ends, every
	// socket is closed, which unblocks such writers too).
	for _, c := range conns {
		go goingAway(c)
	}
	// WebSockets on HTTP/2 streams ride connections that net/http still
	// owns: they close first (see awaitH2Closed).
	if len(hss) > 0 {
		s.awaitH2Closed(ctx)
	}
	// Then the HTTP side is cut rather than waited for: http.Server.Shutdown
	// would wait for connections still in their HTTP phase (5 s for one that
	// never sent a byte, for ever for a body that never comes), Close closes
	// them and the listeners now. Hijacked connections are no longer
	// net/http's (Close leaves them alone): those handed to the engine got
	// their 1001 above or get it in opened, one between hijack and engine
	// is attached to its slot and closed below when ctx ends.
	var errs []error
	for _, hs := range hss {
		if err := hs.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("ws: closing HTTP server: %w", err))
		}
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.ConnectionCount() > 0 {
		select {
		case <-ctx.Done():
			s.mu.Lock()
			for sl := range s.slots {
				if nc := sl.sock(); nc != nil {
					_ = nc.Close()
				}
			}
			s.mu.Unlock()
			return fmt.Errorf("ws: shutdown: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return errors.Join(errs...)
}
