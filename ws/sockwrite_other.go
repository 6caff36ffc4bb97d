//go:build !linux

package ws

// sockWriter is Linux-only: elsewhere every write goes through the
// net.Conn (see Conn.sockWrite).
type sockWriter struct{}

// rawSock returns nil: no raw writes on this platform.
func (c *Conn) rawSock() *sockWriter { return nil }

// sockWriteRaw is never called (rawSock returns nil).
func (c *Conn) sockWriteRaw(*sockWriter, []byte, []byte) error { return nil }

// selfTimed reports false: no socket here times its own waits.
func (c *Conn) selfTimed() bool { return false }
