package ws

// vecWriter is a socket that writes two buffers (a frame header and its
// payload) with one system call itself. net.Buffers does that only for
// the net package's own sockets and otherwise makes one write per buffer:
// the event loop's evConn (evloop_linux.go) would send every large frame
// as two writes, its header in a packet of its own. sockWrite uses it
// where the socket has it.
type vecWriter interface {
	// writeVec writes a then b, whole, or fails as Write does.
	writeVec(a, b []byte) error
}
