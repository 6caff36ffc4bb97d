//go:build !unix

package ws

import "net"

// rawWriter is unix-only: elsewhere broadcasts always go through the send
// queue's writer goroutines.
type rawWriter struct{}

// newRawWriter returns nil: no direct writes on this platform.
func newRawWriter(net.Conn) *rawWriter { return nil }

// tryWrite is never called (newRawWriter returns nil).
func (*rawWriter) tryWrite([]byte) (int, error) { return 0, nil }
