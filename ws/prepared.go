package ws

import "errors"

// PreparedMessage is a message framed once and sent to many connections
// (a broadcast) with SendPrepared. The unmasked frame (what a server
// sends) is encoded once; a masking side (a client) frames it afresh with
// a new key per send, since reusing a masking key would defeat masking.
// Prepared messages are always sent uncompressed, as one frame: with
// context takeover a compressed form depends on each connection's state,
// so it cannot be shared.
type PreparedMessage struct {
	payload  []byte
	isBinary bool
	frame    []byte // unmasked frame: header + payload
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

// SendPrepared sends a prepared message on this connection.
func (c *Conn) SendPrepared(pm *PreparedMessage) error {
	if pm == nil {
		return errors.New("ws: nil PreparedMessage")
	}
	if err := c.acquireMsg(); err != nil {
		return err
	}
	defer c.releaseMsg()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closing.Load() {
		return ErrClosed
	}
	if c.masked {
		op := OpText
		if pm.isBinary {
			op = OpBinary
		}
		if err := c.writeFrameLocked(op, true, 0, pm.payload); err != nil {
			return err
		}
	} else {
		if err := c.sockWrite(nil, pm.frame); err != nil {
			return c.writeFailed("write prepared message", err)
		}
		c.stats.framesOut.Add(1)
		c.stats.wireOut.Add(uint64(len(pm.frame)))
		c.stats.wsOut.Add(uint64(len(pm.payload)))
	}
	c.stats.msgsOut.Add(1)
	c.stats.appOut.Add(uint64(len(pm.payload)))
	return nil
}
