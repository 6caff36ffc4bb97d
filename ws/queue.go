package ws

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// The send queue: SendMessageAsync and SendPreparedAsync (and Broadcast,
// Group) queue a message and return at once; a writer goroutine writes the
// queue out through the same engine as the blocking sends.
//
// Ordering: every data message, queued or not, is written holding msgSem,
// and whoever takes msgSem writes what is queued before its own message
// (acquireMsg), so messages leave in the order their send calls happened,
// whole, never interleaved with a blocking or streamed message. Control
// frames (ping, pong) may go out between two messages, as RFC 6455 allows.
// A close frame goes after what was queued before it (closeWith flushes the
// queue first); nothing is queued after it.
//
// Cost: a connection that never queues holds only a nil pointer. The queue
// state (sendQueue, a few words) is allocated on first use; the writer
// goroutine exists only while the queue is non-empty.

// OverflowPolicy is what a queued send does when the message would take
// the connection's queue past Options.SendQueueLimit.
type OverflowPolicy int

const (
	// OverflowError refuses the message: the send returns an error
	// wrapping ErrSendQueueFull; the connection is unaffected. The default.
	OverflowError OverflowPolicy = iota
	// OverflowDrop drops the message silently: the send returns nil and
	// DroppedMessages counts it (the uWebSockets DROPPED outcome).
	OverflowDrop
	// OverflowClose treats the peer as a slow consumer: what is queued is
	// discarded, the connection is closed with 1008 (policy violation) and
	// the send returns an error wrapping ErrSendQueueFull.
	OverflowClose
)

// String names the policy.
func (p OverflowPolicy) String() string {
	switch p {
	case OverflowError:
		return "error"
	case OverflowDrop:
		return "drop"
	case OverflowClose:
		return "close"
	}
	return fmt.Sprintf("OverflowPolicy(%d)", int(p))
}

// DefaultSendQueueLimit is the default Options.SendQueueLimit: 1 MiB
// queued per connection.
const DefaultSendQueueLimit = 1 << 20

// ErrSendQueueFull is wrapped by the error of a queued send that would take
// the send queue past Options.SendQueueLimit (policies OverflowError and
// OverflowClose).
var ErrSendQueueFull = errors.New("ws: send queue full")

// BackpressureHandler is implemented by handlers that want to pause and
// resume their producing as the send queue fills and drains (Autobahn's
// producer pauseProducing / resumeProducing, uWebSockets' drain event).
//
// OnSendPause runs when a queued send takes BufferedAmount above
// Options.SendQueueHighWater; OnSendResume when the queue has drained to
// Options.SendQueueLowWater or below. They alternate (pause first), never
// run concurrently for one connection, and the last call always matches
// the queue's state. OnSendPause runs on the goroutine whose send crossed
// the mark, OnSendResume on the connection's queue writer goroutine (or on
// a blocking sender that wrote the queue out); neither is the read
// goroutine, so they may run beside the other Handler callbacks. Both may
// call any send method; keep them short: OnSendResume holds up the queue.
// Neither runs once the connection is closing.
type BackpressureHandler interface {
	OnSendPause(c *Conn)
	OnSendResume(c *Conn)
}

// sendItem is one queued message.
type sendItem struct {
	pm           *PreparedMessage // a prepared message, or:
	payload      []byte           // a copied payload
	isBinary     bool
	skipCompress bool
	size         int // bytes charged to the queue
}

// sendQueue is one connection's queue (allocated on first use).
type sendQueue struct {
	mu        sync.Mutex
	items     []sendItem
	head      int  // items[head:] are queued
	bytes     int  // charged bytes of items[head:] (the one being written included)
	running   bool // a writer goroutine is active
	closed    bool // no more items: the connection is closing
	discarded bool // items were thrown away (OverflowClose, a failed write)
	paused    bool // above the high-water mark (not yet back at the low one)
	told      bool // the state last told to the BackpressureHandler
	dropped   atomic.Uint64
	nmu       sync.Mutex // held while telling the BackpressureHandler

	// direct writes of broadcasts (broadcast_direct.go)
	raw      *rawWriter  // under wmu; nil until tried, or when not a raw socket
	rawTried bool        // under wmu
	noRaw    atomic.Bool // the socket cannot be written directly
}

// queueOutcome is what enqueue did.
type queueOutcome int

const (
	queued         queueOutcome = iota
	queueDropped                // OverflowDrop, or OverflowError refused it
	queueFullClose              // OverflowClose: the connection is being closed
	queueClosed                 // the connection is closing or closed
)

// queue returns the connection's send queue, allocating it on first use.
func (c *Conn) queue() *sendQueue {
	if q := c.sq.Load(); q != nil {
		return q
	}
	c.sq.CompareAndSwap(nil, &sendQueue{})
	return c.sq.Load()
}

// queueLimits returns the limit, high- and low-water marks in effect.
func (o *Options) queueLimits() (limit, high, low int) {
	limit = o.SendQueueLimit
	if limit <= 0 {
		limit = DefaultSendQueueLimit
	}
	high = o.SendQueueHighWater
	if high <= 0 || high > limit {
		high = limit / 2
	}
	low = o.SendQueueLowWater
	if low <= 0 || low > high {
		low = high / 4
	}
	return limit, high, low
}

// SendMessageAsync queues one message and returns at once; the message is
// sent like SendMessage (compressed, fragmented) by the connection's queue
// writer. The payload is copied. Queued and blocking sends keep one order:
// a message goes out after every message whose send call (queued or not)
// returned before this one was called.
//
// It returns nil when the message was queued (or dropped under
// OverflowDrop), ErrClosed once the connection is closing, and an error
// wrapping ErrSendQueueFull when the queue would pass
// Options.SendQueueLimit under OverflowError or OverflowClose. A write
// error later drops the connection, as for SendMessage (OnClose tells).
func (c *Conn) SendMessageAsync(payload []byte, isBinary bool) error {
	if err := c.checkOutgoingSize(len(payload)); err != nil {
		return err
	}
	p := append(make([]byte, 0, len(payload)), payload...)
	return c.queueErr(c.enqueue(sendItem{payload: p, isBinary: isBinary, size: len(p) + frameHeaderSize(len(p))}))
}

// SendPreparedAsync queues a prepared message (shared, not copied) and
// returns at once; see SendMessageAsync for order and errors and
// PreparedMessage for compression. When nothing is queued or being sent
// on the connection, the frame is written at once with one non-blocking
// write, and only what the socket does not take is left to the queue
// (see Broadcast).
func (c *Conn) SendPreparedAsync(pm *PreparedMessage) error {
	if pm == nil {
		return errors.New("ws: nil PreparedMessage")
	}
	return c.queueErr(c.sendPreparedDirect(pm))
}

// BufferedAmount is the number of bytes queued by the async sends and not
// yet written to the socket (the WebSocket API's bufferedAmount): frame
// headers and payloads before compression, the message being written
// included. Blocking sends are never counted: they return once written.
func (c *Conn) BufferedAmount() int {
	q := c.sq.Load()
	if q == nil {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// DroppedMessages counts the messages the send queue dropped under
// OverflowDrop.
func (c *Conn) DroppedMessages() uint64 {
	if q := c.sq.Load(); q != nil {
		return q.dropped.Load()
	}
	return 0
}

// frameHeaderSize is the unmasked header size of a frame of n bytes.
func frameHeaderSize(n int) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xFFFF:
		return 4
	}
	return 10
}

func (c *Conn) enqueuePrepared(pm *PreparedMessage) queueOutcome {
	return c.enqueue(sendItem{pm: pm, size: len(pm.frame)})
}

// queueErr turns an outcome into SendMessageAsync's error.
func (c *Conn) queueErr(o queueOutcome) error {
	switch o {
	case queueClosed:
		return ErrClosed
	case queueDropped:
		if c.opts.SendQueueOverflow == OverflowDrop {
			return nil
		}
		limit, _, _ := c.opts.queueLimits()
		return fmt.Errorf("ws: queue message: over the limit of %d bytes (Options.SendQueueLimit): %w", limit, ErrSendQueueFull)
	case queueFullClose:
		return fmt.Errorf("ws: queue message: %w: closing the connection with 1008 (slow consumer)", ErrSendQueueFull)
	}
	return nil
}

// enqueue adds one item, starting the writer goroutine when none runs.
func (c *Conn) enqueue(it sendItem) queueOutcome {
	if c.closing.Load() || c.flushDrop.Load() {
		return queueClosed
	}
	q := c.queue()
	limit, high, _ := c.opts.queueLimits()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return queueClosed
	}
	if q.bytes+it.size > limit {
		switch c.opts.SendQueueOverflow {
		case OverflowClose:
			q.discardLocked()
			q.mu.Unlock()
			go func() { _ = c.closeWith(ClosePolicyViolation, "slow consumer: send queue limit exceeded") }()
			return queueFullClose
		case OverflowDrop:
			q.dropped.Add(1)
		}
		q.mu.Unlock()
		return queueDropped
	}
	q.items = append(q.items, it)
	q.bytes += it.size
	pause := !q.paused && q.bytes > high
	if pause {
		q.paused = true
	}
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if start {
		go c.runQueue(q)
	}
	if pause {
		c.tellBackpressure(q)
	}
	return queued
}

// discardLocked throws the queue away and refuses more. Call with q.mu
// held.
func (q *sendQueue) discardLocked() {
	clear(q.items)
	q.items, q.head, q.bytes = nil, 0, 0
	q.closed, q.discarded = true, true
}

// runQueue is the writer goroutine: it writes the queue out, then ends.
// It tells a BackpressureHandler to resume without holding msgSem, so that
// OnSendResume may send, blocking or not.
func (c *Conn) runQueue(q *sendQueue) {
	for {
		if err := c.acquireMsgSem(); err != nil {
			q.mu.Lock()
			q.discardLocked()
			q.running = false
			q.mu.Unlock()
			return
		}
		_, resumed, _ := c.writeQueueLocked(q, -1)
		c.releaseMsg()
		if resumed {
			c.tellBackpressure(q)
		}
		q.mu.Lock()
		if q.head == len(q.items) || q.discarded {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
	}
}

// flushQueueLocked writes what is queued now (not what is queued while it
// writes). Call with msgSem held.
func (c *Conn) flushQueueLocked() error {
	q := c.sq.Load()
	if q == nil {
		return nil
	}
	q.mu.Lock()
	n := len(q.items) - q.head
	q.mu.Unlock()
	for n > 0 {
		w, resumed, err := c.writeQueueLocked(q, n)
		if resumed {
			// msgSem stays held for the caller's own message: tell from
			// elsewhere, so that OnSendResume may send.
			go c.tellBackpressure(q)
		}
		if err != nil || w == 0 {
			return err
		}
		n -= w
	}
	return nil
}

// writeQueueLocked writes up to max queued items (all, max < 0), each
// through the engine's message path, and reports how many it wrote. It
// returns early, with resumed set, when the queue drained to the low-water
// mark of a paused BackpressureHandler (the caller tells it once msgSem is
// released). A write error throws the rest away (the connection is
// dropped). Call with msgSem held.
func (c *Conn) writeQueueLocked(q *sendQueue, max int) (written int, resumed bool, err error) {
	_, _, low := c.opts.queueLimits()
	for ; max != 0; max-- {
		q.mu.Lock()
		if q.head == len(q.items) {
			// Empty: start again at the front, keeping a small backing array.
			if cap(q.items) > 64 {
				q.items = nil
			} else {
				q.items = q.items[:0]
			}
			q.head = 0
			q.mu.Unlock()
			return written, false, nil
		}
		it := q.items[q.head]
		q.mu.Unlock()

		if it.pm != nil {
			err = c.writePreparedLocked(it.pm)
		} else {
			err = c.writeMessageLocked(it.payload, it.isBinary, SendOptions{SkipCompress: it.skipCompress})
		}

		q.mu.Lock()
		if q.discarded {
			q.mu.Unlock()
			return written, false, ErrClosed
		}
		q.items[q.head] = sendItem{}
		q.head++
		q.bytes -= it.size
		written++
		resume := q.paused && q.bytes <= low
		if resume {
			q.paused = false
		}
		if err != nil {
			q.discardLocked()
		}
		q.mu.Unlock()
		if err != nil {
			return written, false, err
		}
		if resume {
			return written, true, nil
		}
	}
	return written, false, nil
}

// flushQueueForClose writes what is queued before the close frame and
// refuses more. It gives up when the connection is dropped (the close
// handshake timeout bounds it; each write is bounded by WriteTimeout).
func (c *Conn) flushQueueForClose() {
	q := c.sq.Load()
	if q == nil {
		return
	}
	q.mu.Lock()
	q.closed = true
	empty := q.head == len(q.items)
	q.mu.Unlock()
	if empty {
		return
	}
	if c.acquireMsgSem() != nil {
		return
	}
	for {
		// (A resume is not told: the connection is closing.)
		if w, _, err := c.writeQueueLocked(q, -1); err != nil || w == 0 {
			break
		}
	}
	c.releaseMsg()
}

// tellBackpressure tells the BackpressureHandler the queue's state until
// what it was told matches the state. One goroutine tells at a time;
// another finding the lock taken leaves the news to the holder, which
// looks again after each call and after unlocking.
func (c *Conn) tellBackpressure(q *sendQueue) {
	h, ok := c.cfg.handler.(BackpressureHandler)
	if !ok {
		return
	}
	for q.nmu.TryLock() {
		for {
			q.mu.Lock()
			want, told, gone := q.paused, q.told, q.discarded
			q.told = want
			q.mu.Unlock()
			if gone || want == told || c.closing.Load() {
				break
			}
			if want {
				h.OnSendPause(c)
			} else {
				h.OnSendResume(c)
			}
		}
		q.nmu.Unlock()
		q.mu.Lock()
		settled := q.paused == q.told || q.discarded
		q.mu.Unlock()
		if settled {
			return
		}
	}
}
