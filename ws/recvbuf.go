package ws

import (
	"math/bits"
	"sync"
)

// Receive buffers: the buffers a message that is not delivered straight
// from the read buffer (deliverBuffered) is gathered in, in callback mode
// and for compressed messages (readMessageInto). They come in size
// classes, powers of two from recvClassMin to recvClassMax bytes, each
// with a pool of its own, so that a Get always finds a buffer of the size
// asked for, whatever other connections last used:
//
//   - a message grows by class (recvBufs.growTo): the bytes so far are
//     copied into a buffer of the next class and the outgrown one goes
//     back to its pool at once, so a large message is contiguous, is
//     copied about once in all (doubling) and leaves no garbage;
//   - growth follows the bytes that arrived (growBy): a buffer holds at
//     most about twice what arrived plus 128 KiB (a class of up to 64 KiB
//     past the bytes, rounded up), never the length a peer merely
//     announces; and never a class past MaxMessagePayloadSize + 1 (then
//     exactly that);
//   - with ReuseMessageBuffer the buffer is handed to OnMessage in place
//     and goes back to its pool when OnMessage returns: receiving a
//     message of any size allocates nothing in the steady state;
//   - without it, the payload is the application's: once the last
//     frame's remaining length is known and at most what arrived (or 64
//     KiB), the message moves into an exact buffer of its own, read into
//     directly from then on (one allocation per message, the pooled
//     buffer back to its pool), or is copied into one at the end.
//
// Buffers larger than recvClassMax (messages past the default
// MaxMessagePayloadSize) are plain allocations, left to the garbage
// collector. Each pooled buffer travels with its box (the *[]byte the
// pool holds), so that Get and Put allocate nothing.
const (
	recvClassMinBits = 12 // 4 KiB, the smallest class
	recvClassMaxBits = 24 // 16 MiB (DefaultMaxMessagePayloadSize), the largest
	recvClassMin     = 1 << recvClassMinBits
	recvClassMax     = 1 << recvClassMaxBits
	// recvChunk is the size of the chunks a large compressed message
	// goes on in (readMessageInto).
	recvChunk = 256 << 10
)

// recvClassPools are the size classes' pools (index: class bits minus
// recvClassMinBits).
var recvClassPools [recvClassMaxBits - recvClassMinBits + 1]sync.Pool

// recvClassBits is the class (bits of its size) that holds n bytes; n is
// at most recvClassMax.
func recvClassBits(n int) int {
	if n <= recvClassMin {
		return recvClassMinBits
	}
	return bits.Len(uint(n - 1))
}

// getRecvBuf returns an empty receive buffer of at least n bytes: of the
// class that holds n, from its pool; past the largest class, an exact
// allocation of its own.
func getRecvBuf(n int) *[]byte {
	if n > recvClassMax {
		b := make([]byte, 0, n)
		return &b
	}
	k := recvClassBits(n)
	if rb, ok := recvClassPools[k-recvClassMinBits].Get().(*[]byte); ok {
		*rb = (*rb)[:0]
		return rb
	}
	b := make([]byte, 0, 1<<k)
	return &b
}

// putRecvBuf gives a receive buffer back to its class's pool; one of no
// class (past the largest) is dropped. The caller keeps no reference to
// its bytes.
func putRecvBuf(rb *[]byte) {
	n := cap(*rb)
	if n < recvClassMin || n > recvClassMax || n&(n-1) != 0 {
		return
	}
	*rb = (*rb)[:0]
	recvClassPools[bits.Len(uint(n))-1-recvClassMinBits].Put(rb)
}

// recvBufs are the buffers one message is received into (see
// readMessageInto), given back by release once it was delivered or failed.
type recvBufs struct {
	rb     *[]byte   // box of the pooled buffer acc lives in (nil: acc is not pooled)
	acc    []byte    // the buffer the message is gathered in
	parked []*[]byte // full chunks of a large compressed message (boxes)
}

// start sets acc up as an empty pooled buffer of at least n bytes.
func (st *recvBufs) start(n int) {
	st.rb = getRecvBuf(n)
	st.acc = *st.rb
}

// growTo moves what acc holds into a pooled buffer of at least n bytes
// (n > cap(acc)); the outgrown buffer, if pooled, goes back to its pool.
func (st *recvBufs) growTo(n int) {
	nb := getRecvBuf(n)
	*nb = append(*nb, st.acc...)
	if st.rb != nil {
		putRecvBuf(st.rb)
	}
	st.rb, st.acc = nb, *nb
}

// ownExact moves what acc holds into a buffer of exactly n bytes that is
// not pooled (the application's, once delivered); the pooled one goes back
// to its pool.
func (st *recvBufs) ownExact(n int) {
	out := make([]byte, len(st.acc), n)
	copy(out, st.acc)
	if st.rb != nil {
		putRecvBuf(st.rb)
		st.rb = nil
	}
	st.acc = out
}

// park sets the full acc aside and starts a new chunk of chunk bytes.
func (st *recvBufs) park(chunk int) {
	*st.rb = st.acc
	st.parked = append(st.parked, st.rb)
	st.start(chunk)
}

// assemble copies the parked chunks and then acc, total bytes in all, into
// one right-sized buffer of its own (the pooled ones stay in st, for
// release).
func (st *recvBufs) assemble(total int64) []byte {
	out := make([]byte, 0, total)
	for _, p := range st.parked {
		out = append(out, *p...)
	}
	return append(out, st.acc...)
}

// release gives the pooled buffers back.
func (st *recvBufs) release() {
	if st.rb != nil {
		putRecvBuf(st.rb)
		st.rb = nil
	}
	for i, p := range st.parked {
		putRecvBuf(p)
		st.parked[i] = nil
	}
	st.parked = nil
	st.acc = nil
}

// readPayload is Read for a part of a frame's payload that the frame goes
// on past (the reader's caller, rawReader.Read, knows): with nothing
// buffered it reads straight into p whatever its size, since reading
// ahead into the read buffer could only bring more of the same payload,
// to be copied out again. (Read reads small requests through the buffer,
// for the frames that may follow.)
func (r *connReader) readPayload(p []byte) (int, error) {
	if r.r != r.w || r.err != nil || len(p) < connReaderSmall {
		return r.Read(p)
	}
	n, err := r.src.Read(p)
	if n < 0 {
		n, err = 0, errNegativeRead
	}
	return n, err
}

// afterBigFrame is called at the end of a frame at least readBufSize
// long, read straight into its message's buffer: the next frame (of the
// same message or the next) is likely large too, so unless bytes are
// buffered, the read that brings its header goes into the small array
// first (connReader), not into a pooled read buffer whose payload bytes
// would then be copied out again (18 KiB per frame; a peer that frames a
// 1 MiB message in 64 KiB frames costs 28% more copying otherwise).
func (r *connReader) afterBigFrame() {
	if r.r == r.w {
		r.hot, r.big = false, false
	}
}
