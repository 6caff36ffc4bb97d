package ws

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/autobahn-go/autobahn/nvx"
)

// smallWrite is the payload size up to which a frame is copied next to its
// header and written with one call; larger unmasked payloads go out with
// writev (net.Buffers) without a copy.
const smallWrite = 4 << 10

// maskChunk is how much of a masked payload is copied and masked at a time.
const maskChunk = 32 << 10

// newMaskKey returns a fresh masking key. Call with wmu held.
func (c *Conn) newMaskKey() [4]byte {
	var k [4]byte
	u := c.maskRNG().Uint64()
	k[0], k[1], k[2], k[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	return k
}

// writeFrameLocked writes one frame, masked when this side masks. Call
// with wmu held. A write error drops the connection.
func (c *Conn) writeFrameLocked(opcode byte, fin bool, rsv byte, payload []byte) error {
	return c.writeRawFrameLocked(opcode, fin, rsv, payload, c.masked)
}

// writeRawFrameLocked writes one frame, masked when mask is set (with a
// fresh key; the payload is XORed unless ApplyMask is off). Call with wmu
// held.
//
// The header goes out with the payload in one write: copied in front of it
// in a small pooled array (writeScratch) for unmasked payloads of up to
// 125 bytes, in a pooled scratch buffer up to smallWrite (and for masked
// frames, in chunks of maskChunk), by writev from writeScratch for larger
// unmasked payloads. The scratch buffer goes back to its pool when the
// frame is written, so an idle connection holds no write buffer.
func (c *Conn) writeRawFrameLocked(opcode byte, fin bool, rsv byte, payload []byte, mask bool) error {
	var key [4]byte
	if mask {
		key = c.newMaskKey()
	}
	var err error
	hdrLen := 0
	switch {
	case mask && c.opts.ApplyMask:
		wb := getWriteBuf(len(payload))
		buf := appendFrameHeader((*wb)[:0], opcode, fin, rsv, mask, key, len(payload))
		hdrLen = len(buf)
		pos := 0
		rest := payload
		for {
			n := min(len(rest), maskChunk)
			start := len(buf)
			buf = append(buf, rest[:n]...)
			pos = nvx.XorMask(buf[start:], key, pos)
			rest = rest[n:]
			if err = c.sockWrite(buf, nil); err != nil || len(rest) == 0 {
				break
			}
			buf = buf[:0]
		}
		putWriteBuf(wb, buf)
	case len(payload) <= maxControlPayload:
		// Control frames and small messages: header and payload in one
		// small pooled array (scratch.go).
		ws := getWriteScratch()
		buf := appendFrameHeader(ws.small[:0], opcode, fin, rsv, mask, key, len(payload))
		hdrLen = len(buf)
		buf = append(buf, payload...)
		err = c.sockWrite(buf, nil)
		putWriteScratch(ws)
	case len(payload) <= smallWrite:
		wb := getWriteBuf(len(payload))
		buf := appendFrameHeader((*wb)[:0], opcode, fin, rsv, mask, key, len(payload))
		hdrLen = len(buf)
		buf = append(buf, payload...)
		err = c.sockWrite(buf, nil)
		putWriteBuf(wb, buf)
	default:
		ws := getWriteScratch()
		hdr := appendFrameHeader(ws.small[:0], opcode, fin, rsv, mask, key, len(payload))
		hdrLen = len(hdr)
		err = c.sockWrite(hdr, payload)
		putWriteScratch(ws)
	}
	if err != nil {
		return c.writeFailed("write frame", err)
	}
	c.stats.framesOut.Add(1)
	c.stats.wireOut.Add(uint64(hdrLen + len(payload)))
	c.stats.wsOut.Add(uint64(len(payload)))
	if isControl(opcode) {
		c.stats.controlOut.Add(1)
	}
	if c.diag != nil && c.diag.frames {
		c.diag.txFrame(opcode, fin, rsv, mask, key, payload)
	}
	return nil
}

// writeSlice is the most one socket write carries when WriteTimeout is
// set, so that the deadline bounds a peer that stops reading rather than
// the time a large frame needs on a slow link.
const writeSlice = 256 << 10

// deadlineSlack is the fraction of WriteTimeout (1/deadlineSlack) by which
// an armed write deadline may lie beyond now+WriteTimeout. Arming a
// deadline costs a runtime timer update per call; with the slack, a
// connection that writes all the time re-arms it once per
// WriteTimeout/deadlineSlack instead of once per write.
const deadlineSlack = 8

// armWriteDeadline makes sure the socket's write deadline is at least
// WriteTimeout away (and at most WriteTimeout*(1+1/deadlineSlack)), arming
// it only when the one armed before is closer than that. Call with wmu
// held, before each socket write.
func (c *Conn) armWriteDeadline(d time.Duration) {
	now := time.Now()
	if c.wdl != 0 && time.Duration(c.wdl-now.UnixNano()) >= d {
		return
	}
	dl := now.Add(d + d/deadlineSlack)
	c.wdl = dl.UnixNano()
	_ = c.nc.SetWriteDeadline(dl)
}

// sockWrite writes a then b to the socket (with one writev when both are
// non-empty). On a plain TCP or Unix socket (Linux) it writes without a
// deadline while the socket takes the bytes, and arms WriteTimeout only
// for a wait for a full socket (sockWriter). Elsewhere, with WriteTimeout
// set, each write starts with at least WriteTimeout (at most
// 1/deadlineSlack more) before its deadline, and carries at most
// writeSlice bytes of b. Call with wmu held.
func (c *Conn) sockWrite(a, b []byte) error {
	if w := c.rawSock(); w != nil {
		return c.sockWriteRaw(w, a, b)
	}
	d := c.opts.WriteTimeout
	arm := d > 0 && !c.selfTimed() // the event loop's socket times its waits itself
	for {
		n := len(b)
		if d > 0 {
			n = min(n, writeSlice)
			if arm {
				c.armWriteDeadline(d)
			}
		}
		var err error
		switch {
		case len(a) > 0 && n > 0:
			if vw, ok := c.nc.(vecWriter); ok {
				err = vw.writeVec(a, b[:n])
				break
			}
			// A pooled vector (scratch.go), so that it does not escape per
			// write; it is cleared after the write so it pins no payload.
			ws := getWriteScratch()
			ws.vec = [2][]byte{a, b[:n]}
			ws.bufs = ws.vec[:]
			_, err = ws.bufs.WriteTo(c.nc)
			ws.vec, ws.bufs = [2][]byte{}, nil
			putWriteScratch(ws)
		case len(a) > 0:
			_, err = c.nc.Write(a)
		case n > 0:
			_, err = c.nc.Write(b[:n])
		}
		if err != nil {
			return err
		}
		a, b = nil, b[n:]
		if len(b) == 0 {
			return nil
		}
	}
}

// writeFailed drops the connection after a failed socket write and
// returns the error for the sender, saying what was being written.
func (c *Conn) writeFailed(what string, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		reason := fmt.Sprintf("write timeout: the peer accepted no data for %v (WriteTimeout)", c.opts.WriteTimeout)
		c.drop(true, reason)
		return fmt.Errorf("ws: %s: %s: %w", what, reason, err)
	}
	c.drop(true, "write failed: "+err.Error())
	return fmt.Errorf("ws: %s: %w", what, err)
}

// writeFrame writes one frame unless a close was sent.
func (c *Conn) writeFrame(opcode byte, fin bool, rsv byte, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closing.Load() {
		return ErrClosed
	}
	return c.writeFrameLocked(opcode, fin, rsv, payload)
}

// SendMessage sends one message (Autobahn's sendMessage): binary when
// isBinary, else text (the payload should be UTF-8; it is not checked).
// It is compressed when permessage-deflate is on and the codec's size
// threshold says so, and split into frames of AutoFragmentSize when set.
func (c *Conn) SendMessage(payload []byte, isBinary bool) error {
	return c.sendMessage(payload, isBinary, false)
}

// SendOutgoing sends an OutgoingMessage (honouring SkipCompress).
func (c *Conn) SendOutgoing(m *OutgoingMessage) error {
	if m == nil {
		return errors.New("ws: nil OutgoingMessage")
	}
	return c.sendMessage(m.Payload, m.IsBinary, m.SkipCompress)
}

func (c *Conn) sendMessage(payload []byte, isBinary, skipCompress bool) error {
	return c.sendMessageWith(payload, isBinary, SendOptions{SkipCompress: skipCompress})
}

// sendMessageWith is sendMessage with per-call settings (SendMessageWith).
func (c *Conn) sendMessageWith(payload []byte, isBinary bool, so SendOptions) error {
	if err := c.checkOutgoingSize(len(payload)); err != nil {
		return err
	}
	if c.diag != nil {
		c.diag.track(TimingSendMessage)
	}
	if err := c.acquireMsg(); err != nil {
		return err
	}
	defer c.releaseMsg()
	return c.writeMessageLocked(payload, isBinary, so)
}

// writeMessageLocked compresses, frames and writes one message. Call with
// msgSem held (blocking sends and the send queue's writer share it). The
// compressed form is built in a pooled buffer, given back once it is
// written, so an idle connection holds no compression output.
func (c *Conn) writeMessageLocked(payload []byte, isBinary bool, so SendOptions) error {
	if c.closing.Load() || c.flushDrop.Load() {
		return ErrClosed
	}
	opcode := OpText
	if isBinary {
		opcode = OpBinary
	}
	if c.pmd == nil || so.SkipCompress || !c.pmd.shouldCompress(len(payload)) {
		if err := c.writeFramesLocked(opcode, 0, payload, so); err != nil {
			return err
		}
	} else {
		cb := getCompressBuf()
		out, err := c.pmd.compress((*cb)[:0], payload)
		if err != nil {
			putCompressBuf(cb, nil)
			return fmt.Errorf("ws: compress message: %w", err)
		}
		err = c.writeFramesLocked(opcode, rsv1, out, so)
		putCompressBuf(cb, out)
		if err != nil {
			return err
		}
	}
	c.stats.msgsOut.Add(1)
	c.stats.appOut.Add(uint64(len(payload)))
	return nil
}

// writeFramesLocked writes a message's wire payload as one frame, or as
// fragments of the size so and AutoFragmentSize give. Call with msgSem
// held.
func (c *Conn) writeFramesLocked(opcode, rsv byte, wire []byte, so SendOptions) error {
	frag := so.fragmentSize(c.opts.AutoFragmentSize)
	if frag <= 0 || len(wire) <= frag {
		return c.writeFrame(opcode, true, rsv, wire)
	}
	for first := true; first || len(wire) > 0; first = false {
		n := min(frag, len(wire))
		op := opcode
		if !first {
			op, rsv = OpContinuation, 0
		}
		if err := c.writeFrame(op, n == len(wire), rsv, wire[:n]); err != nil {
			return err
		}
		wire = wire[n:]
	}
	return nil
}

// SendPing sends a ping with payload (at most 125 bytes).
func (c *Conn) SendPing(payload []byte) error {
	if len(payload) > maxControlPayload {
		return fmt.Errorf("ws: ping payload of %d bytes is longer than 125", len(payload))
	}
	if c.flushDrop.Load() {
		return ErrClosed
	}
	return c.writeFrame(OpPing, true, 0, payload)
}

// SendPong sends a pong with payload (at most 125 bytes); a pong may be
// sent unsolicited as a one-way heartbeat.
func (c *Conn) SendPong(payload []byte) error {
	if len(payload) > maxControlPayload {
		return fmt.Errorf("ws: pong payload of %d bytes is longer than 125", len(payload))
	}
	if c.flushDrop.Load() {
		return ErrClosed
	}
	return c.writeFrame(OpPong, true, 0, payload)
}

// SendFrame writes one raw frame as given (Autobahn's sendFrame), for
// tests and fuzzing: no checks beyond the wire format. rsv is the three
// RSV bits as a number 0..7 (4 = RSV1); mask masks it with a fresh key.
// It does not take part in message ordering: a frame may land between the
// frames of a streamed message.
func (c *Conn) SendFrame(opcode byte, payload []byte, fin bool, rsv byte, mask bool) error {
	if opcode > 0xF || rsv > 7 {
		return fmt.Errorf("ws: bad opcode %d or rsv %d", opcode, rsv)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closing.Load() {
		return ErrClosed
	}
	return c.writeRawFrameLocked(opcode, fin, rsv, payload, mask)
}
