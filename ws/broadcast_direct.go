package ws

import (
	"runtime"
	"sync"
)

// The direct path of broadcasts and SendPreparedAsync: when a connection
// has nothing queued and nobody is sending on it, its shared frame is
// written straight to the socket with one non-blocking write from the
// broadcasting goroutine, with no goroutine started, no channel handoff
// and no deadline (a non-blocking write needs none). Whatever the socket
// does not take at once goes the usual way:
//
//   - nothing written (a full socket buffer: a slow reader): the message is
//     queued as SendPreparedAsync would queue it, under the queue's limit
//     and overflow policy;
//   - part of the frame written: the rest must follow before any other
//     frame, so a goroutine takes over the write locks (msgSem and wmu, as
//     held) and writes the rest blocking, bounded by WriteTimeout; the
//     rest is counted in BufferedAmount meanwhile. The broadcaster goes on
//     at once.
//
// The direct path is taken only for unmasked frames (a server's) on plain
// TCP or Unix sockets (not TLS, not LogOctets) and only with msgSem and
// wmu free (TryLock: a sender blocked on this connection's socket never
// holds up the broadcaster). Order is kept: a connection with queued
// messages or a sender in progress gets the message queued behind them.

// sendPreparedDirect sends pm on c by the direct path where it can, else
// queues it (see above).
func (c *Conn) sendPreparedDirect(pm *PreparedMessage) queueOutcome {
	if c.masked || c.diag != nil || c.closing.Load() || c.flushDrop.Load() {
		return c.enqueuePrepared(pm)
	}
	q := c.queue()
	if q.noRaw.Load() {
		return c.enqueuePrepared(pm)
	}
	if !c.tryAcquireMsgSem() {
		return c.enqueuePrepared(pm)
	}
	q.mu.Lock()
	idle := q.head == len(q.items) && !q.closed
	q.mu.Unlock()
	if !idle || !c.wmu.TryLock() {
		c.releaseMsg()
		return c.enqueuePrepared(pm)
	}
	if c.closing.Load() {
		c.wmu.Unlock()
		c.releaseMsg()
		return queueClosed
	}
	if !q.rawTried {
		q.rawTried = true
		q.raw = newRawWriter(c.nc)
		if q.raw == nil {
			q.noRaw.Store(true)
		}
	}
	f, err := c.preparedFrame(pm)
	if q.raw == nil || err != nil {
		// The queue's writer reports a compression error as a write error.
		c.wmu.Unlock()
		c.releaseMsg()
		return c.enqueuePrepared(pm)
	}
	if d := c.opts.WriteTimeout; d > 0 && c.wdl != 0 {
		// A deadline armed by an earlier write stays on the socket and,
		// once past, fails every write at once, a non-blocking one too:
		// move it on (armWriteDeadline does nothing while it is fresh).
		c.armWriteDeadline(d)
	}
	n, err := q.raw.tryWrite(f.frame)
	switch {
	case err != nil:
		_ = c.writeFailed("write prepared message", err)
		c.wmu.Unlock()
		c.releaseMsg()
		return queueClosed
	case n == len(f.frame):
		c.wmu.Unlock()
		c.countSharedFrame(f.frame, f.hdr)
		c.sentPrepared(pm, f)
		c.releaseMsg()
		return queued
	case n == 0:
		c.wmu.Unlock()
		c.releaseMsg()
		return c.enqueuePrepared(pm)
	}
	rest := len(f.frame) - n
	q.mu.Lock()
	q.bytes += rest
	q.mu.Unlock()
	go c.finishDirect(q, pm, f, n)
	return queued
}

// finishDirect writes the rest of a frame the direct path wrote in part,
// holding msgSem and wmu as handed over by sendPreparedDirect, then
// releases them.
func (c *Conn) finishDirect(q *sendQueue, pm *PreparedMessage, f sharedFrame, done int) {
	err := c.sockWrite(nil, f.frame[done:])
	if err != nil {
		_ = c.writeFailed("write prepared message", err)
	}
	c.wmu.Unlock()
	q.mu.Lock()
	q.bytes -= len(f.frame) - done
	q.mu.Unlock()
	if err == nil {
		c.countSharedFrame(f.frame, f.hdr)
		c.sentPrepared(pm, f)
	}
	c.releaseMsg()
}

// broadcastParallelMin is the number of connections from which a broadcast
// is spread over several goroutines (one per P, each with a contiguous
// share of at least this many connections), so that the sockets of a large
// broadcast are written on every core.
const broadcastParallelMin = 1024

// broadcastAll sends pm to conns (nil entries skipped), filtered by keep
// when non-nil, and collects the connections found closed when gone is
// set. Without a filter, a large broadcast runs on up to GOMAXPROCS
// goroutines and returns when all are done (each step is non-blocking).
func broadcastAll(conns []*Conn, pm *PreparedMessage, keep func(*Conn) bool, gone bool) (BroadcastResult, []*Conn) {
	workers := min(runtime.GOMAXPROCS(0), len(conns)/broadcastParallelMin)
	if keep != nil || workers < 2 {
		return broadcastRange(conns, pm, keep, gone)
	}
	return broadcastSpread(conns, pm, workers, gone)
}

// broadcastSpread is broadcastAll on workers goroutines (the caller's
// included), each with a contiguous share of conns; it returns when all
// are done.
func broadcastSpread(conns []*Conn, pm *PreparedMessage, workers int, gone bool) (BroadcastResult, []*Conn) {
	type part struct {
		r    BroadcastResult
		gone []*Conn
	}
	parts := make([]part, workers)
	per := (len(conns) + workers - 1) / workers
	share := func(i int) []*Conn { return conns[min(i*per, len(conns)):min((i+1)*per, len(conns))] }
	var wg sync.WaitGroup
	for i := 1; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i].r, parts[i].gone = broadcastRange(share(i), pm, nil, gone)
		}()
	}
	parts[0].r, parts[0].gone = broadcastRange(share(0), pm, nil, gone)
	wg.Wait()
	var r BroadcastResult
	var closed []*Conn
	for _, p := range parts {
		r.Delivered += p.r.Delivered
		r.Dropped += p.r.Dropped
		r.Closed += p.r.Closed
		closed = append(closed, p.gone...)
	}
	return r, closed
}

// broadcastRange is broadcastAll's loop on one goroutine.
func broadcastRange(conns []*Conn, pm *PreparedMessage, keep func(*Conn) bool, gone bool) (BroadcastResult, []*Conn) {
	var r BroadcastResult
	var closed []*Conn
	for _, c := range conns {
		if c == nil || (keep != nil && !keep(c)) {
			continue
		}
		o := c.sendPreparedDirect(pm)
		r.add(o)
		if gone && o == queueClosed && c.isDone() {
			closed = append(closed, c)
		}
	}
	return r, closed
}
