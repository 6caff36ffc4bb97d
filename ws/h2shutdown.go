package ws

import (
	"context"
	"net"
	"time"
)

// awaitH2Closed waits until no WebSocket of s runs on an HTTP/2 stream
// (RFC 8441), or ctx ends. Shutdown calls it after sending every 1001 and
// before it closes the http.Servers of Serve: an HTTP/2 connection is
// net/http's, not hijacked, so closing the http.Server cuts it with every
// WebSocket on it (1006 for each, their 1001 perhaps never sent) where a
// WebSocket on HTTP/1.1 is left alone. It watches the slots rather than
// the connections Shutdown saw: one whose 200 went out just before is
// attached to its slot already, and gets its 1001 once the engine has it
// (see opened). Each ends within its close handshake (bounded by
// CloseHandshakeTimeout, after which the engine drops its stream), so the
// wait is bounded too.
func (s *Server) awaitH2Closed(ctx context.Context) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for s.h2Open() {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// h2Open reports whether a slot holds a WebSocket on an HTTP/2 stream.
func (s *Server) h2Open() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sl := range s.slots {
		if isH2Stream(sl.sock()) {
			return true
		}
	}
	return false
}

// isH2Stream reports whether nc is a WebSocket's HTTP/2 stream, also
// under the LogOctets wrapper.
func isH2Stream(nc net.Conn) bool {
	if o, ok := nc.(*octetConn); ok {
		nc = o.Conn
	}
	_, ok := nc.(*h2Conn)
	return ok
}
