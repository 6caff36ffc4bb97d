//go:build !unix

package ws

import "io"

// rawSource is the raw socket path of connReader, on Unix only; elsewhere
// connReader reads through the net.Conn.
type rawSource struct{}

func (s *rawSource) init(*connReader, io.Reader) {}
func (s *rawSource) ok() bool                    { return false }
func (s *rawSource) fill(*connReader)            {}
