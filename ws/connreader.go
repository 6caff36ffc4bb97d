package ws

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// connReader is the engine's byte source: a read buffer over the socket
// that holds no buffer of its own while it is empty, so that an idle
// connection costs only this struct.
//
//   - A read that finds the buffer empty reads into small, the array
//     inside the struct (frame headers are at most 14 bytes; a small
//     message fits whole), unless the caller's buffer is large enough to
//     read into directly (a payload: no extra copy).
//   - When such a read fills small completely, more bytes are likely
//     waiting in the socket: the next reads borrow a pooled buffer of
//     readBufSize bytes (read ahead: fewer system calls for a stream of
//     small frames) until a read no longer fills its buffer.
//   - On a TCP or Unix socket (connreader_unix.go), a read that would
//     wait waits for the socket to become readable holding no buffer, so
//     a connection waiting holds nothing. While messages are small (the
//     last read took less than small holds) the attempts before and after
//     the wait go into small: no pooled buffer is borrowed and given back
//     per message. Once a read took at least what small holds (messages
//     larger than small, or several at once), every attempt goes into a
//     pooled buffer (given back at once if nothing is there), so that a
//     message of up to readBufSize costs one read however large it is.
//   - The pooled buffer goes back to its pool as soon as everything in it
//     is consumed; release, at a message boundary, also makes the next
//     wait read into small, so a connection blocked waiting for its next
//     message never holds a pooled buffer.
//
// The event loop's reader (newFeedReader) has no small array: what it
// reads comes from the poller's pooled chunks, which it takes over as its
// buffer (evConn.take, tookChunk) and gives back once consumed (an idle
// connection holds the struct alone).
//
// It is used by the read goroutine only (or, in event-loop mode, by
// whoever serves the connection at the time); it is not safe for
// concurrent use.
type connReader struct {
	src    io.Reader
	buf    []byte  // the buffer in use: small[:], *pooled, or nil
	pooled *[]byte // the borrowed buffer, nil when none
	r, w   int32   // unread bytes are buf[r:w] (at most 16 KiB, or the handshake's rest)
	err    error   // the source's error, returned once the bytes before it are consumed
	hot    bool    // the last fill filled its buffer: more bytes are likely waiting
	big    bool    // the last raw fill took at least len(small): the next one starts in a pooled buffer
	// raw is the socket path (connreader_unix.go), nil for other sources;
	// small is the small array (connReaderWithSmall), nil for a feed reader.
	raw   *rawSource
	small *[connReaderSmall]byte
}

// connReaderWithSmall is a connReader allocated with its small array.
type connReaderWithSmall struct {
	r     connReader
	small [connReaderSmall]byte
}

const (
	// connReaderSmall is the size of the array inside connReader: large
	// enough for a frame header and a small message with its header,
	// small enough not to weigh on an idle connection. On sockets it only
	// takes what is already there when a read starts (see connReader).
	connReaderSmall = 192
	// readBufSize is the size of a pooled read buffer; reads at least this
	// large go straight into the caller's buffer. A 16 KiB message fits
	// whole with its header (so it is delivered from the buffer, see
	// deliverBuffered, instead of being copied out and finished with a
	// second read); the allocation rounds up to the 18 KiB size class.
	readBufSize = 18 << 10
)

// readBufPool holds the read buffers connReaders borrow.
var readBufPool = sync.Pool{New: func() any {
	b := make([]byte, readBufSize)
	return &b
}}

// readBufsOut counts the pooled read buffers borrowed and not yet given
// back (by every connReader of the process); tests watch it.
var readBufsOut atomic.Int64

// errNegativeRead is the error for a source that reports a negative count.
var errNegativeRead = errors.New("ws: read returned a negative count")

// newConnReader returns a connReader over src. pending are bytes already
// read from the stream (past the opening handshake); they are copied, so
// the caller's buffer is not kept.
func newConnReader(src io.Reader, pending []byte) *connReader {
	x := &connReaderWithSmall{}
	x.r.small = &x.small
	return x.r.start(src, pending)
}

// newFeedReader is newConnReader for the event loop's feed (evloop.go),
// which holds what the poller read in pooled chunks: no small array (an
// idle connection holds 192 bytes less). The poller's chunks become its
// buffer in turn (evConn.take), each given back once consumed.
func newFeedReader(src io.Reader, pending []byte) *connReader {
	return (&connReader{}).start(src, pending)
}

func (r *connReader) start(src io.Reader, pending []byte) *connReader {
	r.src = src
	r.raw = newRawSource(r, src)
	if len(pending) > 0 {
		if r.small != nil && len(pending) <= len(r.small) {
			r.buf = r.small[:]
		} else {
			// More than small holds: a buffer of its own (exactly that
			// big, not pooled), dropped once consumed.
			r.buf = make([]byte, len(pending))
		}
		r.w = int32(copy(r.buf, pending))
	}
	return r
}

// Buffered returns how many bytes can be read without reading the source.
func (r *connReader) Buffered() int { return int(r.w - r.r) }

// unread returns the buffered bytes without consuming them. The slice is
// valid until the next Read.
func (r *connReader) unread() []byte { return r.buf[r.r:r.w] }

// readFull is io.ReadFull(r, p), copying straight from the buffer when it
// holds all of p (a frame header: no call through io.Reader per piece).
func (r *connReader) readFull(p []byte) error {
	if int(r.w-r.r) >= len(p) {
		advance(&r.r, copy(p, r.buf[r.r:r.w]))
		if r.r == r.w {
			r.drained()
		}
		return nil
	}
	// io.ReadFull's loop, with direct calls.
	n := 0
	for n < len(p) {
		k, err := r.Read(p[n:])
		n += k
		if err != nil {
			switch {
			case n == len(p):
				return nil
			case n > 0 && err == io.EOF:
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// consume drops the first n buffered bytes (n <= Buffered()), which the
// caller used in place (see unread); a pooled buffer emptied by it goes
// back to its pool.
func (r *connReader) consume(n int) {
	advance(&r.r, n)
	if r.r == r.w {
		r.drained()
	}
}

// advance moves a read cursor on by n bytes (a cursor of either integer
// type the reader's fields may have).
func advance[T ~int | ~int32](cur *T, n int) { *cur += T(n) }

// setSource replaces the source the reader reads from once its buffer is
// consumed (LogOctets wraps the socket).
func (r *connReader) setSource(src io.Reader) {
	r.src = src
	r.raw = newRawSource(r, src)
}

// Read implements io.Reader: it returns buffered bytes if there are any,
// else reads the source once (see connReader for where into).
func (r *connReader) Read(p []byte) (int, error) {
	if r.r == r.w {
		if len(p) == 0 || r.err != nil {
			return 0, r.takeErr()
		}
		if len(p) >= readBufSize || (!r.hot && len(p) >= len(r.small)) {
			// Large read: straight into p, no copy.
			n, err := r.src.Read(p)
			if n < 0 {
				n, err = 0, errNegativeRead
			}
			return n, err
		}
		r.fill()
		if r.r == r.w {
			return 0, r.takeErr()
		}
	}
	n := copy(p, r.buf[r.r:r.w])
	r.r += int32(n)
	if r.r == r.w {
		r.drained()
	}
	return n, nil
}

// fill reads the source once into an empty buffer: small, or a pooled
// buffer when the last read filled its buffer (on a socket: when the last
// read took at least what small holds, see rawRead).
func (r *connReader) fill() {
	if r.raw.ok() {
		r.raw.fill(r)
		return
	}
	if r.small == nil && r.pooled == nil {
		// The event loop's feed: its first chunk becomes the buffer.
		if p, b, err, ok := takeFeed(r.src); ok {
			r.tookChunk(p, b, err)
			return
		}
	}
	if r.hot || r.small == nil {
		r.buf = r.borrow()
	} else {
		r.buf = r.small[:]
	}
	n, err := r.src.Read(r.buf)
	if n < 0 {
		n, err = 0, errNegativeRead
	}
	r.r, r.w, r.err = 0, int32(n), err
	r.hot = n == len(r.buf)
	if n == 0 {
		r.drained()
	}
}

// tookChunk makes p, a chunk of the event loop's feed (a readBufPool
// buffer) with the unread bytes b at its end, the reader's pooled buffer
// (fill); err is the feed's error when it had no chunk.
func (r *connReader) tookChunk(p *[]byte, b []byte, err error) {
	if p == nil {
		r.r, r.w, r.err = 0, 0, err
		r.drained()
		return
	}
	r.pooled = p
	readBufsOut.Add(1)
	r.buf = (*p)[:cap(*p)]
	r.w = int32(cap(*p) - (cap(b) - len(b))) // b ends at r.w (b is (*p)[k:n])
	r.r = r.w - int32(len(b))
	r.err, r.hot = nil, false
}

// borrow takes a pooled buffer, if the reader has none yet.
func (r *connReader) borrow() []byte {
	if r.pooled == nil {
		r.pooled = readBufPool.Get().(*[]byte)
		readBufsOut.Add(1)
	}
	return *r.pooled
}

// drained drops the buffer once everything in it was consumed: a pooled
// buffer goes back to its pool.
func (r *connReader) drained() {
	r.r, r.w = 0, 0
	r.buf = nil
	if r.pooled != nil {
		readBufPool.Put(r.pooled)
		r.pooled = nil
		readBufsOut.Add(-1)
	}
}

// release is called at a message boundary: if nothing is buffered, the
// next read (the wait for the next message) goes into small, so the
// connection holds no pooled buffer while it waits. It reports whether
// the reader now holds no buffer besides small.
func (r *connReader) release() bool {
	if r.r != r.w {
		return r.pooled == nil
	}
	r.hot = false
	r.drained()
	return true
}

// takeErr returns the source's pending error and forgets it (as bufio
// does: a source may recover, e.g. after a deadline is moved).
func (r *connReader) takeErr() error {
	err := r.err
	r.err = nil
	return err
}
