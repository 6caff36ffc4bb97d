package ws

// deliverBuffered is the short way of readMessageInto for the most common
// message: uncompressed, one frame, already whole in the read buffer (the
// read that brought its header brought all of it), in callback mode
// without frame-level hooks or diagnostics. The payload is unmasked and
// UTF-8 checked in place in the read buffer by the same rawReader step as
// any other payload (rawReader.took), and with ReuseMessageBuffer handed
// to OnMessage from there: no copy, no pooled receive buffer, no second
// read to learn that the message ended. Without it, OnMessage gets a copy
// of its own, as on the long way. r has been set up for the frame
// (readMessageInto: startFrame, which checked the limits).
func (c *Conn) deliverBuffered(r *rawReader, isBinary, validate, reuse bool) error {
	n := int(c.skipLeft)
	b := c.br.unread()[:n:n] // capped: an append in OnMessage must not write over the next frame
	if err := r.took(b); err != nil {
		c.br.consume(n)
		return err
	}
	if validate && !r.endsCP {
		c.br.consume(n)
		return errEndsInsideCodePoint()
	}
	c.stats.appIn.Add(uint64(n))
	c.stats.msgsIn.Add(1)
	out := b
	if !reuse {
		if err := c.hold(int64(n)); err != nil {
			c.br.consume(n)
			return err
		}
		out = make([]byte, n)
		copy(out, b)
		c.br.consume(n)
	}
	if out == nil {
		out = []byte{}
	}
	c.inCB.Add(1)
	c.cfg.handler.OnMessage(c, out, isBinary)
	c.inCB.Add(-1)
	if reuse {
		// Only now: the bytes OnMessage was given are the read buffer's,
		// which may go back to its pool once consumed.
		c.br.consume(n)
	}
	return nil
}

// errEndsInsideCodePoint is the error for a text message whose last byte
// leaves a UTF-8 code point unfinished.
func errEndsInsideCodePoint() error {
	return protoErr(CloseInvalidPayload, "text message ends inside a UTF-8 code point")
}
