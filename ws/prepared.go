package ws

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// PreparedMessage is a message framed once and sent to many connections
// (a broadcast) with SendPrepared, SendPreparedAsync, Broadcast or a Group.
// The unmasked frame (what a server sends) is encoded once; a masking side
// (a client) frames it afresh with a new key per send, since reusing a
// masking key would defeat masking.
//
// Compression: on a permessage-deflate connection where our side
// compresses each message on its own (server_no_context_takeover for a
// server, client_no_context_takeover for a client) and the message is at
// least the codec's Threshold, the message is sent compressed, and the
// compressed frame is shared too: it is made on first need, once per
// negotiated window size and level (all connections of one server usually
// share one), and reused by every such connection, so a broadcast pays the
// compression once. A connection that keeps context takeover through
// DeflateOptions.TakeoverHistory shares the copy as well (a message
// compressed on its own is valid in any context; the connection's history
// is updated as if it had compressed it). Other connections with context
// takeover get the uncompressed frame: a shared compressed form cannot
// follow each connection's own compressor, and compressing per connection
// would cost a broadcast one compression (and one kept compressor) per
// connection; send with SendMessage where that is wanted.
type PreparedMessage struct {
	payload  []byte
	isBinary bool
	frame    []byte // unmasked frame: header + payload

	mu       sync.Mutex                  // serialises making compressed variants
	variants atomic.Pointer[[]pmVariant] // compressed frames made so far (immutable slices)
}

// pmVariant is one compressed form of a prepared message.
type pmVariant struct {
	level, bits int
	frame       []byte // unmasked frame: header (RSV1) + compressed payload
	hdr         int    // header length in frame
}

// PrepareMessage frames payload once for SendPrepared. The payload is
// copied; isBinary selects binary or text.
func PrepareMessage(payload []byte, isBinary bool) (*PreparedMessage, error) {
	op := OpText
	if isBinary {
		op = OpBinary
	}
	pm := &PreparedMessage{isBinary: isBinary}
	frame := appendFrameHeader(make([]byte, 0, maxHeaderSize+len(payload)), op, true, 0, false, [4]byte{}, len(payload))
	hdr := len(frame)
	pm.frame = append(frame, payload...)
	pm.payload = pm.frame[hdr:]
	return pm, nil
}

// Payload returns the prepared message's payload (do not modify it).
func (pm *PreparedMessage) Payload() []byte { return pm.payload }

// IsBinary reports whether the prepared message is binary.
func (pm *PreparedMessage) IsBinary() bool { return pm.isBinary }

// opcode is the message's data opcode.
func (pm *PreparedMessage) opcode() byte {
	if pm.isBinary {
		return OpBinary
	}
	return OpText
}

// compressed returns the frame compressed at level with a window of bits,
// making it on first use.
func (pm *PreparedMessage) compressed(level, bits int) (*pmVariant, error) {
	find := func() *pmVariant {
		if vs := pm.variants.Load(); vs != nil {
			for i := range *vs {
				if v := &(*vs)[i]; v.level == level && v.bits == bits {
					return v
				}
			}
		}
		return nil
	}
	if v := find(); v != nil {
		return v, nil
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if v := find(); v != nil {
		return v, nil
	}
	body, err := deflateStandalone(level, bits, pm.payload)
	if err != nil {
		return nil, err
	}
	frame := appendFrameHeader(make([]byte, 0, maxHeaderSize+len(body)), pm.opcode(), true, rsv1, false, [4]byte{}, len(body))
	hdr := len(frame)
	frame = append(frame, body...)
	var vs []pmVariant
	if old := pm.variants.Load(); old != nil {
		vs = append(vs, *old...)
	}
	vs = append(vs, pmVariant{level: level, bits: bits, frame: frame, hdr: hdr})
	pm.variants.Store(&vs)
	return &vs[len(vs)-1], nil
}

// SendPrepared sends a prepared message on this connection (after what
// SendMessageAsync queued before it).
func (c *Conn) SendPrepared(pm *PreparedMessage) error {
	if pm == nil {
		return errors.New("ws: nil PreparedMessage")
	}
	if err := c.acquireMsg(); err != nil {
		return err
	}
	defer c.releaseMsg()
	return c.writePreparedLocked(pm)
}

// writePreparedLocked writes a prepared message, compressed where the
// connection can share its compressed form (see PreparedMessage). Call
// with msgSem held.
func (c *Conn) writePreparedLocked(pm *PreparedMessage) error {
	if c.closing.Load() || c.flushDrop.Load() {
		return ErrClosed
	}
	f, err := c.preparedFrame(pm)
	if err != nil {
		return err
	}
	if err := c.writeSharedFrame(pm.opcode(), f.rsv, f.frame, f.hdr); err != nil {
		return err
	}
	c.sentPrepared(pm, f)
	return nil
}

// sharedFrame is the frame of a prepared message that one connection
// sends: the plain one or a compressed variant.
type sharedFrame struct {
	frame []byte // unmasked frame: header + payload
	hdr   int    // header length in frame
	rsv   byte   // rsv1 when compressed
}

// preparedFrame picks the frame this connection sends for pm, making the
// compressed variant on first need. Call with msgSem held.
func (c *Conn) preparedFrame(pm *PreparedMessage) (sharedFrame, error) {
	if dc, ok := c.pmd.(*deflateCodec); ok && dc.shouldCompress(len(pm.payload)) && dc.sharesCompressed() {
		v, err := pm.compressed(dc.p.level, dc.p.sendWindowBits)
		if err != nil {
			return sharedFrame{}, fmt.Errorf("ws: compress prepared message: %w", err)
		}
		return sharedFrame{frame: v.frame, hdr: v.hdr, rsv: rsv1}, nil
	}
	return sharedFrame{frame: pm.frame, hdr: len(pm.frame) - len(pm.payload)}, nil
}

// sentPrepared records a prepared message written whole: the codec's
// history (when it was sent compressed) and the message counters. Call
// with msgSem held.
func (c *Conn) sentPrepared(pm *PreparedMessage, f sharedFrame) {
	if f.rsv&rsv1 != 0 {
		if dc, ok := c.pmd.(*deflateCodec); ok {
			dc.sentShared(pm.payload)
		}
	}
	c.stats.msgsOut.Add(1)
	c.stats.appOut.Add(uint64(len(pm.payload)))
}

// countSharedFrame counts a shared frame written to the socket.
func (c *Conn) countSharedFrame(frame []byte, hdr int) {
	c.stats.framesOut.Add(1)
	c.stats.wireOut.Add(uint64(len(frame)))
	c.stats.wsOut.Add(uint64(len(frame) - hdr))
}

// writeSharedFrame writes a frame encoded once for many connections
// (header of hdr bytes, then the payload): as it is when this side does
// not mask, framed afresh with a new key when it does.
func (c *Conn) writeSharedFrame(op, rsv byte, frame []byte, hdr int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closing.Load() {
		return ErrClosed
	}
	if c.masked {
		return c.writeFrameLocked(op, true, rsv, frame[hdr:])
	}
	if err := c.sockWrite(nil, frame); err != nil {
		return c.writeFailed("write prepared message", err)
	}
	c.countSharedFrame(frame, hdr)
	return nil
}
