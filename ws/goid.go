package ws

import (
	"bytes"
	"runtime"
	"strconv"
)

// goroutineID returns the id of the calling goroutine, parsed from the
// first line of its stack trace ("goroutine 42 [running]:"); 0 if that
// ever fails. Go deliberately offers no API for this; the engine needs it
// only to tell whether Close is called from the connection's own read
// goroutine (inside a callback, where waiting for the close handshake would
// deadlock) and pays for it only while a callback is running.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b, ok := bytes.CutPrefix(b, []byte("goroutine "))
	if !ok {
		return 0
	}
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0
	}
	return id
}
