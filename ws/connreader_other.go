//go:build !unix

package ws

import "io"

// rawSource is the raw socket path of connReader, on Unix only; elsewhere
// connReader reads through the net.Conn.
type rawSource struct{}

func newRawSource(*connReader, io.Reader) *rawSource { return nil }
func (s *rawSource) ok() bool                        { return false }
func (s *rawSource) fill(*connReader)                {}
