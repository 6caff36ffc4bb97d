package ws

import (
	"bytes"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// autoPing is the state of automatic pings (Options.AutoPingInterval).
// (A connection has one only when AutoPingInterval is set: Conn.ping is
// nil otherwise.)
type autoPing struct {
	mu       sync.Mutex
	enabled  bool
	stopped  bool
	timer    *time.Timer // next ping
	timeout  *time.Timer // pong deadline of the pending ping
	pending  []byte      // payload of the ping awaiting its pong
	sentAt   time.Duration
	sentWall time.Time    // wall-clock send time of the pending ping
	seq      uint32       // sequence number of the last ping sent
	lastRx   atomic.Int64 // time of the last received frame, since c.epoch
}

// now is the connection's monotonic clock.
func (c *Conn) now() time.Duration { return time.Since(connEpoch) - c.epoch }

// autoHandlers are the auto-ping callbacks a handler implements (most
// implement none: the connection then holds a nil pointer).
type autoHandlers struct {
	rtt  AutoPingHandler
	pong AutoPongHandler
}

// connEpoch is the process's time origin for connections: a Conn keeps
// its creation time as an offset from it (8 bytes, not a time.Time's 24).
var connEpoch = time.Now()

// startAutoPing arms the ping timer when AutoPingInterval is set.
func (c *Conn) startAutoPing() {
	if c.opts.AutoPingInterval <= 0 {
		return
	}
	p := &autoPing{} // made only when enabled: most connections never ping
	c.ping = p
	p.mu.Lock()
	defer p.mu.Unlock()
	p.enabled = true
	p.lastRx.Store(int64(c.now()))
	p.timer = time.AfterFunc(c.opts.AutoPingInterval, c.autoPingFire)
}

// stopAutoPing stops the timers for good.
func (c *Conn) stopAutoPing() {
	p := c.ping
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	if p.timer != nil {
		p.timer.Stop()
	}
	if p.timeout != nil {
		p.timeout.Stop()
	}
}

// noteTraffic records that a frame arrived (for AutoPingRestartOnAnyTraffic).
func (c *Conn) noteTraffic() {
	if p := c.ping; p != nil && p.enabled {
		p.lastRx.Store(int64(c.now()))
	}
}

// autoPingFire sends an automatic ping, unless traffic arrived within the
// interval and AutoPingRestartOnAnyTraffic is set.
func (c *Conn) autoPingFire() {
	p := c.ping // non-nil: its timers exist
	interval := c.opts.AutoPingInterval
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	now := c.now()
	if c.opts.AutoPingRestartOnAnyTraffic {
		if since := now - time.Duration(p.lastRx.Load()); since < interval {
			p.timer.Reset(interval - since)
			p.mu.Unlock()
			return
		}
	}
	if p.pending != nil && c.opts.AutoPingTimeout > 0 {
		// Still waiting for the last pong: the timeout decides; the next
		// ping is scheduled when the pong arrives.
		p.mu.Unlock()
		return
	}
	size := min(max(c.opts.AutoPingSize, defaultAutoPingSize), maxControlPayload)
	wall := time.Now()
	p.seq++
	payload := autoPingPayload(size, wall, p.seq)
	p.pending, p.sentAt, p.sentWall = payload, now, wall
	if t := c.opts.AutoPingTimeout; t > 0 {
		if p.timeout != nil {
			p.timeout.Stop()
		}
		p.timeout = time.AfterFunc(t, c.autoPingTimedOut)
	}
	if c.opts.AutoPingTimeout <= 0 {
		p.timer.Reset(interval)
	}
	p.mu.Unlock()
	if err := c.SendPing(payload); err != nil {
		c.log.Debug("ws: auto-ping not sent", "error", err)
	}
}

// autoPingTimedOut drops the connection when the pending ping got no pong
// (and, with AutoPingRestartOnAnyTraffic, nothing else arrived either).
func (c *Conn) autoPingTimedOut() {
	p := c.ping // non-nil: its timers exist
	p.mu.Lock()
	if p.stopped || p.pending == nil {
		p.mu.Unlock()
		return
	}
	if c.opts.AutoPingRestartOnAnyTraffic && time.Duration(p.lastRx.Load()) > p.sentAt {
		p.pending = nil
		p.timer.Reset(c.opts.AutoPingInterval)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	c.log.Debug("ws: auto-ping timeout", "timeout", c.opts.AutoPingTimeout)
	c.dropTimeout(timeoutAutoPing, fmt.Sprintf("auto-ping timeout: no pong within %v", c.opts.AutoPingTimeout))
}

// gotPong matches a pong against the pending automatic ping and reports
// the round-trip time to an AutoPingHandler (on the read goroutine).
func (c *Conn) gotPong(payload []byte) {
	p := c.ping
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	if p.pending == nil || !bytes.Equal(p.pending, payload) {
		p.mu.Unlock()
		return
	}
	rtt := c.now() - p.sentAt
	pong := AutoPong{PingSent: p.sentWall, Seq: p.seq, PongReceived: time.Now(), RTT: rtt, Payload: p.pending}
	p.pending = nil
	if p.timeout != nil {
		p.timeout.Stop()
	}
	if c.opts.AutoPingTimeout > 0 {
		p.timer.Reset(c.opts.AutoPingInterval)
	}
	p.mu.Unlock()
	ah := c.autoH
	if ah != nil && ah.pong != nil {
		c.inCB.Add(1)
		ah.pong.OnAutoPong(c, pong)
		c.inCB.Add(-1)
	}
	if ah != nil && ah.rtt != nil {
		c.inCB.Add(1)
		ah.rtt.OnAutoPingRTT(c, rtt)
		c.inCB.Add(-1)
	}
}

// autoPingPayload builds an automatic ping's payload in Autobahn's format:
// the send time as 8 bytes big-endian Unix nanoseconds, the sequence
// number as 4 bytes big-endian, then random bytes up to size (at least 12).
func autoPingPayload(size int, sent time.Time, seq uint32) []byte {
	payload := make([]byte, size)
	binary.BigEndian.PutUint64(payload, uint64(sent.UnixNano()))
	binary.BigEndian.PutUint32(payload[8:], seq)
	_, _ = crand.Read(payload[12:])
	return payload
}
