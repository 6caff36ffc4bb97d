package ws

import "context"

// awaitH2Closed waits until those of conns that run on HTTP/2 streams
// (RFC 8441) are closed, or ctx ends. Shutdown calls it after sending
// every 1001 and before it closes the http.Servers of Serve: an HTTP/2
// connection is net/http's, not hijacked, so closing the http.Server cuts
// it with every WebSocket on it (1006 for each, their 1001 perhaps never
// sent) where a WebSocket on HTTP/1.1 is left alone. Each of them ends
// within its close handshake (bounded by CloseHandshakeTimeout, after
// which the engine drops its stream), so the wait is bounded too.
func awaitH2Closed(ctx context.Context, conns []*Conn) {
	for _, c := range conns {
		if _, ok := c.nc.(*h2Conn); !ok {
			continue
		}
		select {
		case <-c.Done():
		case <-ctx.Done():
			return
		}
	}
}
