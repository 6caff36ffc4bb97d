package ws

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// DefaultMemoryBudget is the limit of the MemoryBudget a Server creates
// for its connections when Options.MemoryBudget is nil, and of the one that
// every Accept without a budget of its own shares: 64 MiB, four messages
// at DefaultMaxMessagePayloadSize at once. Measured with 20 clients sending
// at once a compressed message that inflates to 1 GiB (BenchmarkInflateBomb
// in bench/, default options otherwise): before budgets the server's peak
// RSS was 534 MiB; with this one 80-83 MiB (peak heap 68-70 MiB), the
// bombs that reached the message limit first getting 1009, the others
// 1013; with NewMemoryBudget(0), which only counts, 134-160 MiB, depending
// on how many bombs are in flight at once. A server's peak RSS from
// messages being received stays near the budget plus about 20 MiB.
const DefaultMemoryBudget = 64 << 20

// recvFreeAllowance is how many bytes a message being received may hold
// before its connection charges the budget: small messages, the common
// case, never touch the shared counter.
const recvFreeAllowance = 64 << 10

// Fixed costs charged for permessage-deflate codec state (measured with
// klauspost/compress v1.18: heap per instance after use, 2,000 inflaters,
// 200 compressors of each level).
const (
	// inflaterCost: one pooled inflater (decompressor, 32 KiB window and
	// Huffman tables, 4 KiB input buffer), held while a compressed message
	// is being received.
	inflaterCost = 42 << 10
	// windowDeflaterCost: a compressor with a window below 15 bits.
	windowDeflaterCost = 1090 << 10
)

// deflaterCost is a compressor's heap by level (index 1..9).
var deflaterCost = [10]int64{0, 809 << 10, 1193 << 10, 1193 << 10, 937 << 10, 1065 << 10, 1065 << 10, 1001 << 10, 1001 << 10, 1398 << 10}

// ErrMemoryBudget is wrapped by the error a blocking ReadMessage returns
// when gathering a message would take its connection's MemoryBudget past
// its limit (the connection is then closed with 1013, try again later).
var ErrMemoryBudget = errors.New("ws: memory budget exhausted")

// MemoryBudget bounds the memory that messages being received hold across
// all the connections that share it, so that many peers sending large
// messages at once (decompression bombs above all) cannot take a server's
// memory, whatever MaxMessagePayloadSize allows each one.
//
// What is charged: the buffer in which a message is reassembled from its
// frames or inflated, by capacity, from its first byte until it is
// delivered (OnMessage returned, the blocking reader took the piece, or
// ReadMessage returned it) or the connection failed; during a buffer's
// growth both the old and the new buffer, and for a message handed out
// as a right-sized copy (compressed, or without ReuseMessageBuffer one
// whose size was not known in time) also that copy; the inflater a compressed
// message uses (a fixed measured cost); and, while a connection keeps one,
// the compressor of full context takeover (a fixed measured cost by level,
// about 0.8-1.4 MiB). The first 64 KiB a message holds are free, so small
// messages never touch the shared counter; per-connection costs that do
// not depend on what peers send (socket buffers, the context takeover
// history of at most 40 KiB, FrameHandler's 32 KiB scratch) are not
// charged: bound them with MaxConnections.
//
// When a message's next growth would pass the limit, its connection is
// failed with 1013 (try again later; 1009 when that message alone needs
// more than the whole limit, so a message that can never fit gets the same
// answer every time). Waiting for room instead is not offered: a waiting
// message keeps what it holds, so messages waiting on one another could
// wait for ever. Compressors are charged only while the budget is less
// than half used: past that, a connection compresses each message with a
// pooled compressor, as without context takeover (a sender may always do
// so under RFC 7692), so that compression state never crowds out messages
// being received.
//
// A Server uses its own budget of DefaultMemoryBudget when
// Options.MemoryBudget is nil, connections from Accept share one
// package-wide budget of the same size, and Dial uses none unless one is
// given. Set the same *MemoryBudget in the Options of several Servers,
// Accept or Dial calls to share it. Its methods are safe for concurrent
// use.
type MemoryBudget struct {
	limit   int64
	used    atomic.Int64
	peak    atomic.Int64
	refused atomic.Int64
}

// NewMemoryBudget returns a budget of limit bytes; limit <= 0 means no
// limit (the budget only counts, as InUse and Peak show).
func NewMemoryBudget(limit int64) *MemoryBudget {
	return &MemoryBudget{limit: max(limit, 0)}
}

// Limit is the budget's limit in bytes (0: none).
func (b *MemoryBudget) Limit() int64 { return b.limit }

// InUse is how many bytes are charged now; with every connection closed
// it is 0.
func (b *MemoryBudget) InUse() int64 { return b.used.Load() }

// Peak is the most bytes ever charged at once (never more than a Limit
// above 0).
func (b *MemoryBudget) Peak() int64 { return b.peak.Load() }

// Refused counts the charges the budget refused (each one failed a
// message with 1013 or 1009, or left a connection without its kept
// compressor for one message).
func (b *MemoryBudget) Refused() int64 { return b.refused.Load() }

// reserve charges n bytes when the bytes in use stay within ceil (0: no
// limit), and reports whether it did.
func (b *MemoryBudget) reserve(n, ceil int64) bool {
	for {
		u := b.used.Load()
		if ceil > 0 && u+n > ceil {
			b.refused.Add(1)
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			u += n
			for p := b.peak.Load(); u > p && !b.peak.CompareAndSwap(p, u); p = b.peak.Load() {
			}
			return true
		}
	}
}

// free gives n charged bytes back.
func (b *MemoryBudget) free(n int64) { b.used.Add(-n) }

// acceptBudget is the budget Accept connections share when their options
// name none.
var acceptBudget = sync.OnceValue(func() *MemoryBudget { return NewMemoryBudget(DefaultMemoryBudget) })

// initBudget attaches the connection's budget to its codec (newConn).
func (c *Conn) initBudget() {
	if d, ok := c.pmd.(*deflateCodec); ok {
		d.budget = c.opts.MemoryBudget
	}
}

// holdRecv records that the message being received now holds n bytes
// (buffers by capacity, inflater) and charges the budget for what is
// beyond the free allowance. Read goroutine only. When the budget refuses,
// the message fails: 1009 when it alone would need more than the whole
// limit, else 1013.
func (c *Conn) holdRecv(n int64) error {
	need := max(n-recvFreeAllowance, 0)
	delta := need - c.recvCharged
	b := c.opts.MemoryBudget
	if delta == 0 || b == nil {
		return nil
	}
	if delta < 0 {
		b.free(-delta)
	} else if !b.reserve(delta, b.limit) {
		if need > b.limit {
			return protoErr(CloseMessageTooBig, "message would hold %d bytes, more than the memory budget of %d", n, b.limit+recvFreeAllowance)
		}
		return protoErr(CloseTryAgainLater, "memory budget of %d bytes in use by other messages (this one would hold %d)", b.limit, n)
	}
	c.recvCharged = need
	return nil
}

// releaseRecv gives back everything the message being received charged
// (delivered, failed or abandoned).
func (c *Conn) releaseRecv() {
	if c.recvCharged != 0 {
		c.opts.MemoryBudget.free(c.recvCharged)
		c.recvCharged = 0
	}
}

// holdUser charges what ReadMessage gathers (n bytes held in all) on the
// reader's goroutine; an error means the budget refused (ErrMemoryBudget).
// Once the connection is done its charge is given back (see
// releaseUser), so a charge made concurrently with the end is not kept.
func (c *Conn) holdUser(n int64) error {
	b := c.opts.MemoryBudget
	if b == nil {
		return nil
	}
	need := max(n-recvFreeAllowance, 0)
	delta := need - c.userCharged.Load()
	switch {
	case delta < 0:
		c.userCharged.Add(delta)
		b.free(-delta)
	case delta > 0:
		if !b.reserve(delta, b.limit) {
			return fmt.Errorf("ws: read: gathering a message of at least %d bytes: %w (limit %d bytes)", n, ErrMemoryBudget, b.limit)
		}
		c.userCharged.Add(delta)
	}
	if c.isDone() {
		c.releaseUser()
	}
	return nil
}

// releaseUser gives back what ReadMessage charged.
func (c *Conn) releaseUser() {
	if n := c.userCharged.Swap(0); n != 0 {
		c.opts.MemoryBudget.free(n)
	}
}

// keepCompressor charges the budget for a context takeover compressor the
// codec is about to keep; false: the budget is half used or more, compress
// this message with a pooled one instead.
func (c *deflateCodec) keepCompressor() bool {
	b := c.budget
	if b == nil {
		return true
	}
	cost := int64(windowDeflaterCost)
	if c.p.sendWindowBits >= MaxDeflateWindowBits {
		cost = deflaterCost[c.p.level]
	}
	if !b.reserve(cost, b.limit/2) {
		return false
	}
	c.fwCharged = cost
	return true
}

// dropCompressor gives back the kept compressor's charge.
func (c *deflateCodec) dropCompressor() {
	if c.fwCharged != 0 {
		c.budget.free(c.fwCharged)
		c.fwCharged = 0
	}
}

// hold is holdRecv with the common case inlined: a message within the free
// allowance that has charged nothing.
func (c *Conn) hold(n int64) error {
	if n <= recvFreeAllowance && c.recvCharged == 0 {
		return nil
	}
	return c.holdRecv(n)
}

// gather appends a piece of a message to what ReadMessage gathered,
// charging the memory budget as the buffer grows (doubling, like append).
// When the budget refuses, the message is abandoned and the connection is
// closed with 1013.
func (c *Conn) gather(m *messageReader, p []byte) error {
	if need := len(m.acc) + len(p); need > cap(m.acc) {
		nc := max(need, 2*cap(m.acc))
		err := c.holdUser(int64(cap(m.acc) + nc))
		if err == nil {
			m.acc = grown(m.acc, nc-len(m.acc))
			err = c.holdUser(int64(nc))
		}
		if err != nil {
			// Abandoned: the next read call discards what still comes of
			// it (until the close ends the connection).
			m.acc, m.partial = nil, false
			c.releaseUser()
			_ = c.closeWith(CloseTryAgainLater, "memory budget exhausted")
			return err
		}
	}
	m.acc = append(m.acc, p...)
	return nil
}
