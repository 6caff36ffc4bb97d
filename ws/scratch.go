package ws

import "sync"

// Scratch arrays that used to live in every Conn and are needed only
// while a frame is handled: borrowed from a pool for that time, so that an
// idle connection does not carry them.

// ctrlBufPool holds the arrays a control frame's payload is read into
// (at most 125 bytes; readControl).
var ctrlBufPool = sync.Pool{New: func() any { return new([maxControlPayload]byte) }}

// getCtrlBuf borrows a control frame payload array.
func getCtrlBuf() *[maxControlPayload]byte { return ctrlBufPool.Get().(*[maxControlPayload]byte) }

// putCtrlBuf gives it back; the payload was not kept (callbacks get copies).
func putCtrlBuf(b *[maxControlPayload]byte) { ctrlBufPool.Put(b) }
