package ws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
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
// Sec-WebSocket-Protocol or -Extensions, a request body), 426 (no Upgrade:
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
type Server struct {
	// Logger receives the server's diagnostics; nil means slog.Default().
	// Set it before serving.
	Logger *slog.Logger

	newHandler func() Handler
	opts       *Options

	mu       sync.Mutex
	slots    map[*connSlot]struct{}
	closing  bool
	httpSrvs []*http.Server
}

// connSlot is one connection counted against MaxConnections, from the
// passed checks of its opening handshake until the engine reports it done.
type connSlot struct {
	srv     *Server
	once    sync.Once
	netConn net.Conn // set once hijacked
	conn    *Conn    // set once handed to the engine
}

// NewServer returns a Server that calls newHandler once per connection for
// its Handler, with options opts (nil: DefaultOptions()). opts is copied;
// when it has no MemoryBudget the server gets one of DefaultMemoryBudget.
func NewServer(newHandler func() Handler, opts *Options) *Server {
	o := opts.clone()
	if o.MemoryBudget == nil {
		o.MemoryBudget = NewMemoryBudget(DefaultMemoryBudget)
	}
	return &Server{newHandler: newHandler, opts: o, slots: map[*connSlot]struct{}{}}
}

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
	if s.newHandler == nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		s.logger().Error("ws: Server has no handler factory (use NewServer)")
		return
	}
	u := &upgrader{opts: s.opts, logger: s.logger(), srv: s, newHandler: s.newHandler}
	_, _ = u.upgrade(w, r)
}

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
	sl.once.Do(func() {
		sl.srv.mu.Lock()
		delete(sl.srv.slots, sl)
		sl.srv.mu.Unlock()
	})
}

func (sl *connSlot) attach(c net.Conn) {
	sl.srv.mu.Lock()
	sl.netConn = c
	sl.srv.mu.Unlock()
}

// opened records the running connection; when a shutdown began meanwhile
// it is told to go away at once.
func (s *Server) opened(sl *connSlot, c *Conn) {
	s.mu.Lock()
	sl.conn = c
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
// s's options at the HTTP layer: ReadHeaderTimeout and IdleTimeout from
// OpenHandshakeTimeout, MaxHeaderBytes from MaxRequestLineSize +
// MaxHeaderBytes.
func (s *Server) httpServer() *http.Server {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.OpenHandshakeTimeout,
		IdleTimeout:       s.opts.OpenHandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger().Handler(), slog.LevelDebug),
	}
	if s.opts.MaxHeaderBytes > 0 {
		hs.MaxHeaderBytes = s.opts.MaxHeaderBytes + s.opts.MaxRequestLineSize
	}
	return hs
}

// Serve accepts connections on ln and serves WebSocket opening handshakes
// on them until Shutdown, when it returns http.ErrServerClosed. It closes
// ln when it returns. For wss, pass a listener from tls.NewListener (the
// handshake then reports TransportDetails.IsSecure). Serve may be called
// for several listeners.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ln.Close()
		return http.ErrServerClosed
	}
	hs := s.httpServer()
	s.httpSrvs = append(s.httpSrvs, hs)
	s.mu.Unlock()
	return hs.Serve(ln)
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ws: listen on %s: %w", addr, err)
	}
	return s.Serve(ln)
}

// Shutdown stops the server gracefully: it stops accepting (listeners of
// Serve are closed, new handshakes through ServeHTTP get 503), starts the
// closing handshake with 1001 (going away) on every open connection and
// waits until they are all closed. When ctx ends first, it drops the
// remaining connections and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	hss := s.httpSrvs
	s.httpSrvs = nil
	var conns []*Conn
	for sl := range s.slots {
		if sl.conn != nil {
			conns = append(conns, sl.conn)
		}
	}
	s.mu.Unlock()

	var errs []error
	for _, hs := range hss {
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("ws: shutting down HTTP server: %w", err))
		}
	}
	// Each 1001 is sent on its own goroutine: a connection whose writer is
	// stuck behind a peer that stopped reading must not keep Shutdown from
	// watching ctx (when ctx ends, every socket is closed, which unblocks
	// such writers too).
	for _, c := range conns {
		go goingAway(c)
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.ConnectionCount() > 0 {
		select {
		case <-ctx.Done():
			s.mu.Lock()
			for sl := range s.slots {
				if sl.netConn != nil {
					_ = sl.netConn.Close()
				}
			}
			s.mu.Unlock()
			return fmt.Errorf("ws: shutdown: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return errors.Join(errs...)
}
