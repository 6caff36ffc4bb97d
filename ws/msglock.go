package ws

import "sync/atomic"

// msgLock is the right to send a data message (held for a whole message,
// so that the frames of two messages never interleave; see acquireMsg).
// Taking and giving it back when nobody else wants it costs one
// compare-and-swap and two atomic stores and loads, where the channel it
// replaces took the channel's lock twice per message. A sender that finds
// it held waits on Conn.msgSem, which carries wake-up tokens, together
// with dropSig, so that a dropped connection wakes it with ErrClosed.
//
// While anyone waits, newcomers queue behind them instead of taking a
// free lock first, so that a goroutine sending in a loop cannot starve
// one that waits. (Comments elsewhere call holding it "holding msgSem".)
type msgLock struct {
	held    atomic.Int32 // 1 while held
	waiters atomic.Int32 // senders waiting for it
}

// tryLockMsg takes the right to send a data message if it is free and
// nobody waits for it; it does not wait.
func (c *Conn) tryLockMsg() bool {
	return c.ml.waiters.Load() == 0 && c.ml.held.CompareAndSwap(0, 1)
}

// acquireMsgSem takes the right to send a data message without flushing
// the send queue; it gives up when the connection is dropped.
func (c *Conn) acquireMsgSem() error {
	if c.tryLockMsg() {
		return nil
	}
	c.ml.waiters.Add(1)
	defer c.ml.waiters.Add(-1)
	for {
		// Counted among the waiters before this attempt: an unlock after
		// it sees the count and leaves a token (see unlockMsg).
		if c.ml.held.CompareAndSwap(0, 1) {
			return nil
		}
		select {
		case <-c.msgSem:
		case <-c.dropSig:
			return ErrClosed
		}
	}
}

// unlockMsg gives the right to send back and wakes a waiter, if any. A
// token nobody takes stays in msgSem (capacity 1) and at worst wakes a
// later waiter for nothing.
func (c *Conn) unlockMsg() {
	c.ml.held.Store(0)
	if c.ml.waiters.Load() > 0 {
		select {
		case c.msgSem <- struct{}{}:
		default:
		}
	}
}
