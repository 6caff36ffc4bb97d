package ws

import (
	"net"
	"sync"
)

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

// writeScratch is what a frame write needs besides the payload (write.go,
// under wmu): room for a small frame whole (header and up to 125 bytes)
// or a header, and the writev vector (a field, so it does not escape per
// write).
type writeScratch struct {
	small [maxHeaderSize + maxControlPayload]byte
	vec   [2][]byte
	bufs  net.Buffers
}

var writeScratchPool = sync.Pool{New: func() any { return new(writeScratch) }}

// getWriteScratch borrows a writeScratch for one write.
func getWriteScratch() *writeScratch { return writeScratchPool.Get().(*writeScratch) }

// putWriteScratch gives it back (its vector cleared by the writer).
func putWriteScratch(ws *writeScratch) { writeScratchPool.Put(ws) }
