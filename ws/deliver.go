package ws

// recvHooks are the frame-level receive callbacks a Handler implements
// (see MessageBeginHandler and the interfaces after it), resolved once
// per connection. A nil field is a callback the handler does not have.
type recvHooks struct {
	begin      MessageBeginHandler
	frameBegin MessageFrameBeginHandler
	frameData  MessageFrameDataHandler
	frameEnd   MessageFrameEndHandler
	frame      MessageFrameHandler
	end        MessageEndHandler
	// takesData: a data callback takes the payload over (no OnMessage).
	takesData bool
	// any: at least one hook is set (always, for a Conn's hooks: a
	// handler with none gets nil).
	any bool
	// frameBuf is OnMessageFrame's current frame payload.
	frameBuf []byte
}

// resolveRecvHooks finds the frame-level callbacks h implements; nil when
// it implements none (most handlers: the connection holds a nil pointer).
func resolveRecvHooks(h Handler) *recvHooks {
	r := &recvHooks{}
	r.begin, _ = h.(MessageBeginHandler)
	r.frameBegin, _ = h.(MessageFrameBeginHandler)
	r.frameData, _ = h.(MessageFrameDataHandler)
	r.frameEnd, _ = h.(MessageFrameEndHandler)
	r.frame, _ = h.(MessageFrameHandler)
	r.end, _ = h.(MessageEndHandler)
	r.takesData = r.frameData != nil || r.frame != nil
	r.any = r.takesData || r.begin != nil || r.frameBegin != nil || r.frameEnd != nil || r.end != nil
	if !r.any {
		return nil
	}
	return r
}

// hookMessageBegin runs OnMessageBegin.
func (c *Conn) hookMessageBegin(isBinary bool) {
	if h := c.hooks.begin; h != nil {
		c.inCB.Add(1)
		h.OnMessageBegin(c, isBinary)
		c.inCB.Add(-1)
	}
}

// hookFrameBegin runs OnMessageFrameBegin and starts the frame buffer of
// OnMessageFrame.
func (c *Conn) hookFrameBegin(length int64) {
	if c.hooks.frame != nil {
		c.hooks.frameBuf = c.hooks.frameBuf[:0]
	}
	if h := c.hooks.frameBegin; h != nil {
		c.inCB.Add(1)
		h.OnMessageFrameBegin(c, length)
		c.inCB.Add(-1)
	}
}

// hookFrameData hands a checked chunk of the current frame to
// OnMessageFrameData and to the frame buffer of OnMessageFrame.
func (c *Conn) hookFrameData(b []byte) {
	if h := c.hooks.frameData; h != nil {
		c.inCB.Add(1)
		h.OnMessageFrameData(c, b)
		c.inCB.Add(-1)
	}
	if c.hooks.frame != nil {
		c.hooks.frameBuf = append(c.hooks.frameBuf, b...)
	}
}

// hookFrameEnd runs OnMessageFrame with the whole frame, then
// OnMessageFrameEnd.
func (c *Conn) hookFrameEnd() {
	if h := c.hooks.frame; h != nil {
		b := c.hooks.frameBuf
		if b == nil {
			b = []byte{}
		}
		c.inCB.Add(1)
		h.OnMessageFrame(c, b)
		c.inCB.Add(-1)
		if cap(c.hooks.frameBuf) > frameBufKeep {
			c.hooks.frameBuf = nil // do not pin one large frame's buffer
		} else {
			c.hooks.frameBuf = c.hooks.frameBuf[:0]
		}
	}
	if h := c.hooks.frameEnd; h != nil {
		c.inCB.Add(1)
		h.OnMessageFrameEnd(c)
		c.inCB.Add(-1)
	}
}

// frameBufKeep is the largest OnMessageFrame buffer kept between frames.
const frameBufKeep = 64 << 10

// hookMessageEnd runs OnMessageEnd.
func (c *Conn) hookMessageEnd() {
	if h := c.hooks.end; h != nil {
		c.inCB.Add(1)
		h.OnMessageEnd(c)
		c.inCB.Add(-1)
	}
}
