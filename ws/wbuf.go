package ws

import "sync"

// Write scratch buffers: a frame that is copied before it is written (a
// small frame with its header in front, or a masked frame's chunks) is
// assembled in a buffer taken from a pool for that one frame and given
// back right after, so that a connection holds no write buffer between
// frames (an idle connection costs no write memory), and busy connections
// share a few.
var (
	// writeBufSmall holds buffers for frames of up to smallWrite bytes.
	writeBufSmall = sync.Pool{New: func() any {
		b := make([]byte, 0, maxHeaderSize+smallWrite)
		return &b
	}}
	// writeBufChunk holds buffers for masked frames written in chunks of
	// up to maskChunk bytes.
	writeBufChunk = sync.Pool{New: func() any {
		b := make([]byte, 0, maxHeaderSize+maskChunk)
		return &b
	}}
)

// getWriteBuf returns an empty scratch buffer with room for a header and
// min(n, maskChunk) payload bytes.
func getWriteBuf(n int) *[]byte {
	if n <= smallWrite {
		return writeBufSmall.Get().(*[]byte)
	}
	return writeBufChunk.Get().(*[]byte)
}

// putWriteBuf gives a scratch buffer back to its pool; b is the buffer as
// it was last used (an append may have replaced it).
func putWriteBuf(wb *[]byte, b []byte) {
	switch cap(b) {
	case maxHeaderSize + smallWrite:
		*wb = b[:0]
		writeBufSmall.Put(wb)
	case maxHeaderSize + maskChunk:
		*wb = b[:0]
		writeBufChunk.Put(wb)
	}
}

// compressBufPool holds the buffers messages are compressed into
// (writeMessageLocked); buffers past compressBufMax are left to the
// garbage collector rather than pinned in the pool.
var compressBufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 4<<10)
	return &b
}}

const compressBufMax = 1 << 20

// getCompressBuf returns an empty compression buffer.
func getCompressBuf() *[]byte { return compressBufPool.Get().(*[]byte) }

// putCompressBuf gives a compression buffer back; b is the output as the
// codec left it (it may have grown), nil to give back cb as it was.
func putCompressBuf(cb *[]byte, b []byte) {
	if b == nil {
		b = *cb
	}
	if cap(b) > compressBufMax {
		return
	}
	*cb = b[:0]
	compressBufPool.Put(cb)
}
