package ws

import (
	"bufio"
	"io"
)

// evReader is the engine's reader over an event-mode connection's feed
// (evloop.go).
func evReader(src io.Reader) *bufio.Reader { return bufio.NewReaderSize(src, 4<<10) }
