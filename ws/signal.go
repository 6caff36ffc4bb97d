package ws

import (
	"sync"
	"sync/atomic"
)

// lazySignal is a channel closed once (Conn.Done, the end of a blocking
// reader's wait), made only when something waits on it: an idle
// connection nobody waits on holds a nil pointer instead of a channel,
// and once it fired it points at one closed channel shared by every
// connection.
type lazySignal struct {
	p atomic.Pointer[signalChan]
}

type signalChan struct{ ch chan struct{} }

// firedSignal is the closed channel of every fired lazySignal.
var firedSignal = func() *signalChan {
	s := &signalChan{ch: make(chan struct{})}
	close(s.ch)
	return s
}()

// wait returns the channel, closed once fire ran.
func (s *lazySignal) wait() <-chan struct{} {
	if p := s.p.Load(); p != nil {
		return p.ch
	}
	n := &signalChan{ch: make(chan struct{})}
	if s.p.CompareAndSwap(nil, n) {
		return n.ch
	}
	return s.p.Load().ch // made by another waiter, or fired meanwhile
}

// fire closes the channel; later calls do nothing.
func (s *lazySignal) fire() {
	if old := s.p.Swap(firedSignal); old != nil && old != firedSignal {
		close(old.ch)
	}
}

// fired reports whether fire ran.
func (s *lazySignal) fired() bool { return s.p.Load() == firedSignal }

// msgLock is the right to send a data message (held for a whole message,
// so frames of two messages never interleave). A free lock costs one
// compare-and-swap; contended senders wait on a sync.Cond over the
// connection's mu, made on first contention, and give up when the
// connection is dropped (Conn.dropIf broadcasts). It replaces a channel
// of capacity one (96 bytes per connection).
type msgLock struct {
	held    atomic.Bool
	waiters atomic.Int32
	cond    *sync.Cond // on Conn.mu; nil until a sender had to wait
}

// acquireMsgSem takes the right to send a data message without flushing
// the send queue; it gives up when the connection is dropped.
func (c *Conn) acquireMsgSem() error {
	if c.msgSem.held.CompareAndSwap(false, true) {
		return nil
	}
	l := &c.msgSem
	c.mu.Lock()
	defer c.mu.Unlock()
	if l.cond == nil {
		l.cond = sync.NewCond(&c.mu)
	}
	// Counted before the retry: a release that sees no waiter happened
	// before it, so the retry finds the lock free.
	l.waiters.Add(1)
	defer l.waiters.Add(-1)
	for {
		if c.dropped {
			return ErrClosed
		}
		if l.held.CompareAndSwap(false, true) {
			return nil
		}
		l.cond.Wait()
	}
}

// tryAcquireMsgSem takes the right to send if it is free, without waiting.
func (c *Conn) tryAcquireMsgSem() bool { return c.msgSem.held.CompareAndSwap(false, true) }

// releaseMsgSem gives the right to send back and wakes a waiting sender.
func (c *Conn) releaseMsgSem() {
	c.msgSem.held.Store(false)
	if c.msgSem.waiters.Load() > 0 {
		c.mu.Lock()
		if c.msgSem.cond != nil {
			c.msgSem.cond.Signal()
		}
		c.mu.Unlock()
	}
}

// wakeMsgWaitersLocked wakes every waiting sender (the connection was
// dropped). Call with mu held.
func (c *Conn) wakeMsgWaitersLocked() {
	if c.msgSem.cond != nil {
		c.msgSem.cond.Broadcast()
	}
}
