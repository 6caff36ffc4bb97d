package ws

import (
	"bytes"
	"errors"
	"io"
	"math"

	"github.com/autobahn-go/autobahn/nvx"
)

// readEvent hands a piece of a message from the read goroutine to a
// blocking reader. data is owned by the receiver.
type readEvent struct {
	first    bool
	last     bool
	isBinary bool
	data     []byte
}

// readLoop is the connection's read goroutine: it reads frames, answers
// control frames, delivers messages and, when reading ends, finishes the
// connection (OnClose, Done).
func (c *Conn) readLoop() {
	defer c.finish()
	c.readGID.Store(goroutineID())
	c.runOnOpen()
	for c.readStep() {
	}
}

// runOnOpen calls OnOpen (callback mode); the read side's first step, in
// either mode (readLoop, or the event loop's first burst, evloop.go).
func (c *Conn) runOnOpen() {
	if c.diag != nil {
		c.diag.track(TimingOnOpen)
	}
	if h := c.cfg.handler; h != nil {
		c.inCB.Add(1)
		h.OnOpen(c)
		c.inCB.Add(-1)
	}
	c.compactRequest()
}

// readStep reads up to the end of the next message (or frame) and
// reports whether reading goes on; when it returns false the caller
// finishes the connection.
func (c *Conn) readStep() bool {
	err := c.readNext()
	if err == nil || errors.Is(err, errCloseReceived) {
		return true
	}
	return c.handleReadError(err)
}

// readNext reads up to the end of the next data message (or frame, when
// draining after a failure).
func (c *Conn) readNext() error {
	if c.gotClose || c.blind {
		// Close handshake done: the server drops at once; the client waits
		// for the server to drop. Anything the peer still sends is ignored.
		// (blind: failed on an unparseable frame, waiting for the end.)
		_, err := io.Copy(io.Discard, c.br)
		if err == nil {
			err = io.EOF
		}
		return err
	}
	// A message boundary: with nothing buffered, the wait for the next
	// message holds no pooled read buffer.
	c.br.release()
	h, err := c.nextFrame()
	if err != nil {
		return err
	}
	if c.inDrain || c.localFail.Load() {
		return c.skipPayload()
	}
	if h.opcode == OpContinuation {
		return protoErr(CloseProtocolError, "continuation frame without a message to continue")
	}
	return c.readMessage(h)
}

// handleReadError fails the connection on a protocol error and reports
// whether reading goes on (failing without drop: wait for the peer's close).
func (c *Conn) handleReadError(err error) bool {
	var pe *protocolError
	if !errors.As(err, &pe) {
		c.mu.Lock()
		if !c.unclean && !(c.sentClose && c.recvClose) {
			c.unclean = true
			if c.sentClose {
				cs := c.closeStLocked()
				cs.uncleanReason = "connection lost before the peer answered our close: " + err.Error()
				if cs.failMsg != "" {
					cs.uncleanReason = "failed the connection (" + cs.failMsg + "), then " + cs.uncleanReason
				}
			} else {
				c.closeStLocked().uncleanReason = "connection lost without a close handshake: " + err.Error()
			}
		}
		c.mu.Unlock()
		return false
	}
	return c.fail(pe.code, pe.msg)
}

// fail fails the WebSocket connection with a close code (RFC 6455 7.1.7),
// as Autobahn's _fail_connection does. With FailByDrop, or when a close was
// already sent, it drops the TCP connection at once (the connection is not
// clean). When the fault is in the peer's close frame, the peer has closed
// its side already: failPeerClose answers it and ends TCP without waiting.
// Otherwise it sends a close frame with the code and goes on reading,
// skipping data, until the peer's close (the closing handshake then
// completes as usual and may well be clean) or the close handshake
// timeout. It reports whether reading goes on.
func (c *Conn) fail(code int, msg string) bool {
	c.log.Debug("ws: failing connection", "server", c.cfg.isServer, "code", code, "error", msg)
	c.mu.Lock()
	sent := c.sentClose
	c.mu.Unlock()
	if c.opts.FailByDrop || sent || c.inDrain {
		c.drop(true, "failed the connection by dropping it: "+msg)
		return false
	}
	if c.gotClose {
		return c.failPeerClose(code, msg)
	}
	c.inDrain = true
	c.mu.Lock()
	c.closeStLocked().failMsg = msg
	c.mu.Unlock()
	if len(msg) > maxCloseReason {
		msg = msg[:maxCloseReason]
	}
	c.afterFunc(c.opts.CloseHandshakeTimeout, c.onCloseTimeout)
	if !c.writeClose(code, msg) {
		c.drop(true, msg)
		return false
	}
	if c.skipLeft < 0 {
		// The frame's length is unusable, so is the rest of the stream:
		// ignore it until the peer drops or the close handshake times out.
		c.blind = true
		return true
	}
	if err := c.skipPayload(); err != nil {
		return c.handleReadError(err)
	}
	return true
}

// skipPayload discards the rest of the current frame's payload.
func (c *Conn) skipPayload() error {
	if c.skipLeft <= 0 {
		return nil
	}
	n, err := io.CopyN(io.Discard, c.br, c.skipLeft)
	c.skipLeft -= n
	c.stats.wireIn.Add(uint64(n))
	c.stats.wsIn.Add(uint64(n))
	return noEOF(err)
}

// nextFrame reads frame headers, handling control frames, up to the next
// data frame (whose payload is left to read).
func (c *Conn) nextFrame() (frameHeader, error) {
	for {
		h, err := readFrameHeader(c.br, &c.rules, &c.hbuf)
		c.skipLeft = h.length
		if err != nil {
			var pe *protocolError
			if h.opcode == OpClose && errors.As(err, &pe) {
				// A broken close frame (too long, fragmented, bad bits)
				// still closes the peer's side: fail answers it and ends.
				c.gotClose = true
			}
			return h, err
		}
		c.stats.framesIn.Add(1)
		c.stats.wireIn.Add(uint64(h.hdrSize))
		c.noteTraffic()
		if !isControl(h.opcode) {
			return h, nil
		}
		if err := c.readControl(h); err != nil {
			return h, err
		}
	}
}

// readControl reads a control frame's payload and acts on it.
func (c *Conn) readControl(h frameHeader) error {
	cb := getCtrlBuf() // scratch.go
	defer putCtrlBuf(cb)
	p := cb[:h.length]
	if _, err := io.ReadFull(c.br, p); err != nil {
		return noEOF(err)
	}
	c.skipLeft = 0
	c.stats.controlIn.Add(1)
	c.stats.wireIn.Add(uint64(len(p)))
	c.stats.wsIn.Add(uint64(len(p)))
	if h.masked && c.opts.ApplyMask {
		nvx.XorMask(p, h.key, 0)
	}
	if c.diag != nil {
		c.diag.rxControl(h, p)
	}
	switch h.opcode {
	case OpPing:
		if c.inDrain || c.closing.Load() {
			return nil
		}
		if hd := c.cfg.handler; hd != nil {
			c.inCB.Add(1)
			hd.OnPing(c, append([]byte{}, p...))
			c.inCB.Add(-1)
		} else {
			_ = c.SendPong(p)
		}
	case OpPong:
		c.gotPong(p)
		if hd := c.cfg.handler; hd != nil && !c.inDrain {
			c.inCB.Add(1)
			hd.OnPong(c, append([]byte{}, p...))
			c.inCB.Add(-1)
		}
	case OpClose:
		return c.onCloseFrame(p)
	}
	return nil
}

// rawReader yields the wire payload of the current message, unmasked,
// across its frames (control frames between them are handled), then
// io.EOF. Uncompressed text is UTF-8 checked in the same pass.
type rawReader struct {
	c          *Conn
	key        [4]byte
	unmask     bool
	pos        int
	fin        bool
	validate   bool  // fused UTF-8 check (uncompressed text)
	endsCP     bool  // the validated bytes end on a code point
	compressed bool  // the message is compressed (limit counted after inflation)
	wire       int64 // payload bytes of the message announced so far
	frames     int   // data frames of the message begun so far
	frameOpen  bool
	bigFrame   bool        // the frame is at least readBufSize long (see readPayload)
	err        error       // last error other than io.EOF
	logFirst   bool        // LogFrames: log the frame with its first bytes
	logHdr     frameHeader // the frame to log
}

// startFrame begins a data frame of the current message.
func (r *rawReader) startFrame(h frameHeader) error {
	c := r.c
	r.key, r.pos, r.fin = h.key, 0, h.fin
	r.bigFrame = h.length >= readBufSize
	r.unmask = h.masked && c.opts.ApplyMask
	r.wire += h.length
	r.frames++
	if max := c.opts.MaxMessagePayloadSize; !r.compressed && max > 0 && r.wire > max {
		return protoErr(CloseMessageTooBig, "message payload of at least %d bytes exceeds the limit of %d", r.wire, max)
	}
	if c.diag != nil {
		c.diag.rxFrameBegin(r, h)
	}
	if c.hooks != nil {
		c.hookFrameBegin(h.length)
	}
	r.frameOpen = true
	return nil
}

// Read implements io.Reader.
func (r *rawReader) Read(p []byte) (int, error) {
	c := r.c
	if r.err != nil {
		return 0, r.err
	}
	for c.skipLeft == 0 {
		if r.fin {
			// The last frame is ended by readMessage, once the inflater
			// handed out everything.
			return 0, io.EOF
		}
		if r.frameOpen {
			r.frameOpen = false
			if c.hooks != nil {
				c.hookFrameEnd()
			}
		}
		h, err := c.nextFrame()
		if err == nil && h.opcode != OpContinuation {
			err = protoErr(CloseProtocolError, "new data message (opcode %d) inside a fragmented message", h.opcode)
		}
		if err == nil {
			err = r.startFrame(h)
		}
		if err != nil {
			r.err = err
			return 0, err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > c.skipLeft {
		p = p[:c.skipLeft]
	}
	var n int
	var err error
	if int64(len(p)) < c.skipLeft && !r.compressed {
		// The frame goes on past p, which is the message buffer itself:
		// nothing to read ahead (recvbuf.go). (The inflater asks for 4 KiB
		// at a time: its reads go through the read buffer.)
		n, err = c.br.readPayload(p)
	} else {
		n, err = c.br.Read(p)
	}
	if n > 0 {
		if err := r.took(p[:n]); err != nil {
			return 0, err
		}
		if c.skipLeft == 0 && r.bigFrame {
			c.br.afterBigFrame()
		}
	}
	if err != nil {
		r.err = noEOF(err)
		return n, r.err
	}
	return n, nil
}

// took accounts for b, the next payload bytes of the current frame just
// taken from the read buffer: it unmasks them in place and checks UTF-8
// (uncompressed text), in one pass.
func (r *rawReader) took(b []byte) error {
	c := r.c
	n := len(b)
	c.skipLeft -= int64(n)
	c.stats.wireIn.Add(uint64(n))
	c.stats.wsIn.Add(uint64(n))
	if r.validate {
		var valid bool
		var idx int
		if r.unmask {
			r.pos, valid, r.endsCP, idx, _ = nvx.XorMaskValidate(b, r.key, r.pos, c.utf8)
		} else {
			valid, r.endsCP, idx, _ = c.utf8.Validate(b)
		}
		if !valid {
			r.err = protoErr(CloseInvalidPayload, "invalid UTF-8 in text message at byte %d of a frame read", idx)
			return r.err
		}
	} else if r.unmask {
		r.pos = nvx.XorMask(b, r.key, r.pos)
	}
	if r.logFirst {
		c.diag.rxFrameData(r, b)
	}
	return nil
}

// readMessage reads one data message whose first frame header is h and
// delivers it: to OnMessage (whole), to the frame-level callbacks
// (streamed, see recvHooks) or to the blocking reader (in chunks).
func (c *Conn) readMessage(h frameHeader) error {
	// The clean-up runs here rather than deferred inside readMessageInto:
	// with its many returns those defers cannot be open-coded, and the
	// runtime's defer records cost more than the rest of a small message.
	// (A panicking Handler ends the program, so nothing is left to clean.)
	var st recvBufs
	err := c.readMessageInto(h, &st)
	st.release()
	c.releaseRecv()
	return err
}

// readMessageInto is readMessage, gathering into st.
func (c *Conn) readMessageInto(h frameHeader, st *recvBufs) error {
	isBinary := h.opcode == OpBinary
	compressed := h.rsv&rsv1 != 0
	validate := !isBinary && c.opts.UTF8ValidateIncoming
	r := &c.raw
	*r = rawReader{c: c, compressed: compressed, validate: validate && !compressed, endsCP: true}
	if validate {
		c.utf8.Reset()
	}
	endsCP := true
	if c.diag != nil {
		c.diag.track(TimingOnMessageBegin)
	}
	if c.hooks != nil {
		c.hookMessageBegin(isBinary)
	}
	if err := r.startFrame(h); err != nil {
		return err
	}
	var src io.Reader = r
	if compressed {
		src = c.pmd.decompressReader(r)
	}
	max := c.opts.MaxMessagePayloadSize
	fl := frameInflateLimit{max: c.opts.MaxFramePayloadSize}
	if !compressed {
		fl.max = 0
	}
	blocking := c.events != nil
	streaming := c.hooks != nil && c.hooks.takesData
	var total int64
	// What the message holds is charged to the memory budget (budget.go)
	// as it grows, and given back when it is delivered or fails; base is
	// the inflater's fixed cost.
	var base int64
	if compressed {
		base = inflaterCost
	}
	// Receive buffers (recvbuf.go): a message that is not delivered from
	// the read buffer is gathered in pooled, size-classed buffers, growing
	// by class with the bytes that arrive (the outgrown buffer back to its
	// pool), contiguous. With ReuseMessageBuffer it is handed to OnMessage
	// in place and the buffer goes back to its pool when OnMessage
	// returns, so receiving allocates nothing per message. Without it the
	// payload must be a buffer of its own: once the last frame's remaining
	// length is known and at most what grow would add, the message moves
	// into an exact buffer (own) that the rest is read into; otherwise it
	// is copied into one at the end.
	//
	// A compressed message, whose size is not known in advance, grows the
	// same way up to recvChunk; past that it goes on in pooled chunks of
	// that size (parked): no more copying, and a message holds at most one
	// chunk more than its bytes, which for many large messages at once
	// (bombs) keeps the heap near what they inflate to. It is handed out
	// as one right-sized copy (in place with reuse, when nothing was
	// parked).
	reuse := c.opts.ReuseMessageBuffer && !streaming && !blocking
	if !compressed && h.fin && !blocking && c.hooks == nil && c.diag == nil && int64(c.br.Buffered()) >= h.length {
		return c.deliverBuffered(r, isBinary, validate, reuse)
	}
	// pooled: gathered in receive buffers; own: delivered in a buffer of
	// its own, exactly sized (callback mode without reuse).
	pooled := !streaming && (compressed || !blocking)
	own := !compressed && !reuse && !blocking && !streaming
	var parkedCap int64
	if pooled {
		if want := min(h.length, 64<<10); own && h.fin && h.length == want {
			// One frame of up to 64 KiB (as grow gives): read straight
			// into the application's buffer.
			st.acc = make([]byte, 0, want)
		} else if compressed {
			st.start(recvClassMin)
		} else {
			// Room for the first frame (up to 64 KiB), so that it is not
			// read into a small buffer and then copied.
			st.start(int(want))
		}
		if err := c.hold(base + int64(cap(st.acc))); err != nil {
			return err
		}
	}
	first := true
	for {
		var buf []byte
		if streaming {
			if c.scratch == nil {
				c.scratch = make([]byte, readChunk)
			}
			buf = c.scratch
		} else {
			// Grow only for bytes known to come: at a frame boundary an
			// empty read lets the raw reader move to the next frame (or
			// report the end of the message) first.
			if compressed && !blocking && len(st.acc) == cap(st.acc) && cap(st.acc) >= recvChunk {
				if err := c.hold(base + parkedCap + int64(cap(st.acc)) + recvChunk); err != nil {
					return err
				}
				parkedCap += int64(cap(st.acc))
				st.park(recvChunk)
			} else if len(st.acc) == cap(st.acc) && (compressed || c.skipLeft > 0) {
				add := c.growBy(st.acc, compressed, blocking)
				n := len(st.acc) + add
				exact := own && r.fin && c.skipLeft <= int64(add)
				switch {
				case exact:
					n = len(st.acc) + int(c.skipLeft)
				case pooled && n <= recvClassMax:
					// The next class, unless it is larger than any message
					// may get (the limit plus the byte that shows it
					// crossed): then exactly that, not pooled, so that a
					// message near the limit is not charged for a buffer
					// of twice the limit.
					useful := int64(math.MaxInt64)
					if lim := c.opts.MaxMessagePayloadSize; lim > 0 && lim < useful-1 {
						useful = lim + 1
					}
					if cl := int64(1) << recvClassBits(n); cl <= useful {
						n = int(cl)
					} else {
						exact, n = true, int(min(int64(n), useful))
					}
				}
				// Old and new buffer both live while it is copied.
				if err := c.hold(base + int64(cap(st.acc)) + int64(n)); err != nil {
					return err
				}
				switch {
				case exact:
					st.ownExact(n)
				case pooled:
					st.growTo(n)
				default:
					st.acc = grown(st.acc, n-len(st.acc))
				}
				if err := c.hold(base + int64(cap(st.acc))); err != nil {
					return err
				}
			}
			buf = st.acc[len(st.acc):cap(st.acc)]
		}
		if compressed && max > 0 && int64(len(buf)) > max-total+1 {
			buf = buf[:max-total+1] // cross the message limit by one byte at most
		}
		buf = fl.capRead(buf)
		n, err := src.Read(buf)
		if err := fl.count(r.frames, n); err != nil {
			return err
		}
		if n > 0 {
			b := buf[:n]
			total += int64(n)
			if compressed {
				if max > 0 && total > max {
					return protoErr(CloseMessageTooBig, "inflated message payload exceeds the limit of %d bytes", max)
				}
				if validate {
					valid, ends, idx, _ := c.utf8.Validate(b)
					if !valid {
						return protoErr(CloseInvalidPayload, "invalid UTF-8 in compressed text message at byte %d of an inflated chunk", idx)
					}
					endsCP = ends
				}
			}
			if streaming {
				c.hookFrameData(b)
			} else {
				st.acc = st.acc[:len(st.acc)+n]
				if blocking && len(st.acc) >= readChunk {
					if pooled {
						if err := c.hold(base + int64(cap(st.acc)+len(st.acc))); err != nil {
							return err
						}
						c.deliver(readEvent{first: first, isBinary: isBinary, data: bytes.Clone(st.acc)})
						first, st.acc = false, st.acc[:0]
					} else {
						c.deliver(readEvent{first: first, isBinary: isBinary, data: st.acc})
						first, st.acc = false, nil
					}
					if err := c.hold(base + int64(cap(st.acc))); err != nil {
						return err
					}
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if r.err != nil {
				return r.err
			}
			var pe *protocolError
			if errors.As(err, &pe) {
				return pe // a codec's own verdict (a Brotli window too large: 1009)
			}
			if compressed {
				return protoErr(CloseInvalidPayload, "invalid compressed data: %v", err)
			}
			return err
		}
	}
	if compressed {
		// The inflater must have consumed the whole message.
		var one [1]byte
		if n, err := r.Read(one[:]); n > 0 {
			return protoErr(CloseInvalidPayload, "data after the end of the compressed message")
		} else if err != io.EOF {
			return err
		}
		c.pmd.endMessage()
		base = 0 // the inflater is back in its pool
	} else {
		endsCP = r.endsCP
	}
	if validate && !endsCP {
		return errEndsInsideCodePoint()
	}
	c.stats.appIn.Add(uint64(total))
	c.stats.msgsIn.Add(1)
	if c.diag != nil {
		c.diag.messageReceived(isBinary, total)
	}
	if c.hooks != nil {
		if r.frameOpen {
			r.frameOpen = false
			c.hookFrameEnd()
		}
		c.hookMessageEnd()
	}
	switch {
	case streaming:
	case blocking:
		out := st.acc
		if pooled {
			if err := c.hold(int64(cap(st.acc) + len(st.acc))); err != nil {
				return err
			}
			out = bytes.Clone(st.acc) // st.acc goes back to the pool (release)
		}
		c.deliver(readEvent{first: first, last: true, isBinary: isBinary, data: out})
	default:
		out := st.acc
		if len(st.parked) > 0 || (!reuse && st.rb != nil) {
			if err := c.hold(parkedCap + int64(cap(st.acc)) + total); err != nil {
				return err
			}
			out = st.assemble(total) // the pooled buffers go back after OnMessage
		}
		// With reuse and nothing parked, out is the pooled buffer itself:
		// readMessage gives it back after OnMessage. Without reuse, st.rb
		// nil: out is the message's own exact buffer (st.ownExact).
		if out == nil {
			out = []byte{}
		}
		c.inCB.Add(1)
		c.cfg.handler.OnMessage(c, out, isBinary)
		c.inCB.Add(-1)
	}
	return nil
}

// inflateLag is how much inflated output the inflater may hold back before
// handing it out: it hands out output at the end of each deflate block and
// whenever its 32 KiB window is full.
const inflateLag = 32 << 10

// frameInflateLimit applies MaxFramePayloadSize to the inflated bytes of
// each frame of a compressed message (RFC 7692 §8.1 lets the limits count
// after inflation). Output is charged to the frame the inflater is reading
// when the output comes out. Since the inflater may still hold back up to
// inflateLag bytes produced from the frame before, a frame is allowed
// that much extra, but never more than the previous frame's unused
// allowance: an honest sender whose frames each inflate to at most the
// limit is never refused, and one frame can never inflate to more than
// the limit plus 32 KiB.
type frameInflateLimit struct {
	max   int64 // 0: no limit
	frame int   // frame charged last (rawReader.frames)
	out   int64 // inflated bytes charged to it
	allow int64 // its allowance for the previous frame's held-back output
}

// capRead shortens a read buffer so that one read crosses the limit by at
// most one byte.
func (l *frameInflateLimit) capRead(buf []byte) []byte {
	if l.max <= 0 {
		return buf
	}
	if room := l.max + l.allow - l.out + 1; int64(len(buf)) > room {
		return buf[:room]
	}
	return buf
}

// count charges n inflated bytes to frame (the frame being read when they
// came out) and fails with 1009 once a frame is over the limit.
func (l *frameInflateLimit) count(frame, n int) error {
	if l.max <= 0 {
		return nil
	}
	if frame != l.frame {
		if l.frame != 0 {
			l.allow = min(inflateLag, max(l.max+l.allow-l.out, 0))
		}
		l.frame, l.out = frame, 0
	}
	l.out += int64(n)
	if l.out > l.max+l.allow {
		return protoErr(CloseMessageTooBig, "frame %d of a compressed message inflates to more than the frame limit of %d bytes", frame, l.max)
	}
	return nil
}

// grow makes room in a message buffer, in proportion to the bytes that
// actually arrived (never to a length the peer announced beyond the frame
// at hand, capped at 64 KiB). In blocking mode a buffer stays within
// readChunk: it is handed over when full.
func (c *Conn) grow(acc []byte, compressed, blocking bool) []byte {
	return grown(acc, c.growBy(acc, compressed, blocking))
}

// grown returns acc copied into a buffer with room for add more bytes.
func grown(acc []byte, add int) []byte {
	n := make([]byte, len(acc), len(acc)+add)
	copy(n, acc)
	return n
}

// growBy is how many bytes grow adds to acc (at least 1).
func (c *Conn) growBy(acc []byte, compressed, blocking bool) int {
	var add int
	switch {
	case !compressed && c.skipLeft > 0:
		// The frame at hand (up to 64 KiB) fits exactly; past that the
		// buffer doubles, so large messages cost amortised linear copying.
		add = max(int(min(c.skipLeft, 64<<10)), len(acc))
	case len(acc) == 0:
		add = 4 << 10
	default:
		add = len(acc)
	}
	if blocking && len(acc)+add > readChunk {
		add = readChunk - len(acc)
	}
	if lim := c.opts.MaxMessagePayloadSize; lim > 0 {
		// Never more than the limit (plus the byte that shows it crossed).
		// Computed as the room left, so that a limit near math.MaxInt64
		// (a common way to write "no limit") cannot overflow.
		if room := lim - int64(len(acc)); room >= 0 && room < int64(add)-1 {
			add = int(room) + 1
		}
	}
	return max(add, 1)
}

// deliver hands an event to the blocking reader; it gives up (and drops
// the rest of what is read) once we sent a close or the connection was
// dropped.
func (c *Conn) deliver(ev readEvent) {
	if c.dropEvents {
		return
	}
	select {
	case c.events <- ev:
	case <-c.stopSig.wait():
		c.dropEvents = true
	}
}
