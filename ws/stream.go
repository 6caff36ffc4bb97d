package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/autobahn-go/autobahn/nvx"
)

// errCallbackMode is returned by the blocking read calls in callback mode.
var errCallbackMode = errors.New("ws: blocking reads are not available on a connection with a Handler")

// messageReader reads one message in blocking mode (see NextReader).
type messageReader struct {
	c    *Conn
	buf  []byte
	last bool // buf is the message's last piece
	eof  bool
	err  error // sticky connection error
}

// recvEvent waits for the read goroutine's next piece of a message.
func (c *Conn) recvEvent(ctx context.Context) (readEvent, error) {
	var ctxDone <-chan struct{}
	if ctx != nil {
		ctxDone = ctx.Done()
	}
	select {
	case ev := <-c.events:
		return ev, nil
	case <-c.done:
		return readEvent{}, c.closeError()
	case <-ctxDone:
		return readEvent{}, fmt.Errorf("ws: read: %w", ctx.Err())
	}
}

// Read implements io.Reader. It returns io.EOF at the end of the message
// and a *CloseError when the connection closed before it.
func (m *messageReader) Read(p []byte) (int, error) {
	for len(m.buf) == 0 {
		if m.err != nil {
			return 0, m.err
		}
		if m.last {
			m.eof = true
			return 0, io.EOF
		}
		ev, err := m.c.recvEvent(nil)
		if err != nil {
			m.err = err
			return 0, err
		}
		m.buf, m.last = ev.data, ev.last
	}
	n := copy(p, m.buf)
	m.buf = m.buf[n:]
	return n, nil
}

// NextReader waits for the next message (blocking mode) and returns its
// type and a reader of its payload, streamed as it arrives: unmasked,
// inflated and UTF-8 checked. A message not read to its end is discarded
// by the next NextReader/ReadMessage call. The reader's Read returns a
// *CloseError if the connection closes mid-message. ctx bounds the wait
// for the message to begin. Use one reader at a time, from one goroutine.
func (c *Conn) NextReader(ctx context.Context) (isBinary bool, r io.Reader, err error) {
	if c.events == nil {
		return false, nil, errCallbackMode
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	m, isBinary, err := c.nextReaderLocked(ctx)
	if err != nil {
		return false, nil, err
	}
	return isBinary, m, nil
}

func (c *Conn) nextReaderLocked(ctx context.Context) (*messageReader, bool, error) {
	if m := c.cur; m != nil && !m.eof && m.err == nil {
		// Discard the rest of the previous message.
		m.buf = nil
		for !m.last {
			ev, err := c.recvEvent(ctx)
			if err != nil {
				return nil, false, err
			}
			m.last = ev.last
		}
		m.eof = true
	}
	c.cur = nil
	ev, err := c.recvEvent(ctx)
	if err != nil {
		return nil, false, err
	}
	if !ev.first {
		return nil, false, errors.New("ws: internal error: message piece out of order")
	}
	m := &messageReader{c: c, buf: ev.data, last: ev.last}
	c.cur = m
	return m, ev.isBinary, nil
}

// ReadMessage waits for the next whole message (blocking mode). Pings are
// answered while it waits. Once the connection closed it returns a
// *CloseError (errors.Is(err, ErrClosed)). If ctx ends while a long
// message is arriving, the message is lost (the rest is discarded by the
// next call). Once this side sent a close (Close, SendClose), messages
// still arriving are discarded, as RFC 6455 allows, so that the closing
// handshake does not wait on a reader.
func (c *Conn) ReadMessage(ctx context.Context) (isBinary bool, payload []byte, err error) {
	if c.events == nil {
		return false, nil, errCallbackMode
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	m, isBinary, err := c.nextReaderLocked(ctx)
	if err != nil {
		return false, nil, err
	}
	payload, m.buf = m.buf, nil
	for !m.last {
		ev, err := c.recvEvent(ctx)
		if err != nil {
			return false, nil, err
		}
		payload = append(payload, ev.data...)
		m.last = ev.last
	}
	m.eof = true
	if payload == nil {
		payload = []byte{}
	}
	return isBinary, payload, nil
}

// streamState is a data message being sent piece by piece (BeginMessage
// ... EndMessage, NextWriter). Guarded by smu.
type streamState struct {
	active    bool
	opcode    byte
	first     bool           // no frame of the message sent yet
	compress  bool           // the message is compressed
	cw        io.WriteCloser // compressor into pend
	pend      []byte         // buffered payload not yet framed
	limit     int            // frame size when flushing pend
	frameLeft int64          // open frame (BeginMessageFrame): bytes still due
	frameOpen bool
	frameKey  [4]byte
	framePos  int
	app       int64 // application bytes of the message
}

// streamSink receives the compressor's output.
type streamSink struct{ c *Conn }

func (s streamSink) Write(p []byte) (int, error) {
	if err := s.c.bufferLocked(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// BeginMessage starts sending a message piece by piece (Autobahn's
// beginMessage): follow with SendMessageFrameData (and optionally
// BeginMessageFrame) calls and end with EndMessage. Other data messages
// wait until EndMessage; control frames (ping, pong, close) may go out
// between the message's frames. skipCompress sends it uncompressed even
// with permessage-deflate on. One streamed message at a time: it fails if
// one is already in progress.
func (c *Conn) BeginMessage(isBinary bool, skipCompress bool) error {
	return c.beginMessage(isBinary, skipCompress)
}

func (c *Conn) beginMessage(isBinary, skipCompress bool) error {
	c.smu.Lock()
	active := c.stream.active
	c.smu.Unlock()
	if active {
		return errors.New("ws: BeginMessage: a streamed message is already in progress")
	}
	if err := c.acquireMsg(); err != nil {
		return err
	}
	if c.closing.Load() {
		c.releaseMsg()
		return ErrClosed
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	op := OpText
	if isBinary {
		op = OpBinary
	}
	limit := c.opts.AutoFragmentSize
	if limit <= 0 {
		limit = readChunk
	}
	c.stream = streamState{active: true, opcode: op, first: true, limit: limit}
	if c.pmd != nil && !skipCompress && c.pmd.shouldCompress(math.MaxInt32) {
		c.stream.compress = true
		c.stream.cw = c.pmd.compressWriter(streamSink{c})
	}
	return nil
}

// abortLocked ends a streamed message after an error. Call with smu held.
func (c *Conn) abortLocked() {
	if !c.stream.active {
		return
	}
	if c.stream.frameOpen {
		c.stream.frameOpen = false
		c.wmu.Unlock()
	}
	c.stream = streamState{}
	c.releaseMsg()
}

// emitLocked sends one frame of the streamed message. Call with smu held.
func (c *Conn) emitLocked(p []byte, fin bool) error {
	s := &c.stream
	op, rsv := OpContinuation, byte(0)
	if s.first {
		op = s.opcode
		if s.compress {
			rsv = rsv1
		}
	}
	if err := c.writeFrame(op, fin, rsv, p); err != nil {
		return err
	}
	s.first = false
	return nil
}

// bufferLocked adds payload to the pending buffer, sending full frames
// (all but the last, which EndMessage sends). Call with smu held.
func (c *Conn) bufferLocked(p []byte) error {
	s := &c.stream
	s.pend = append(s.pend, p...)
	for len(s.pend) > s.limit {
		if err := c.emitLocked(s.pend[:s.limit], false); err != nil {
			return err
		}
		s.pend = s.pend[:copy(s.pend, s.pend[s.limit:])]
	}
	return nil
}

// BeginMessageFrame starts a frame of exactly length payload bytes in the
// streamed message (Autobahn's beginMessageFrame); SendMessageFrameData
// then supplies them, possibly over several calls. The frame header goes
// out at once; until the frame is complete no other frame (not even a
// control frame) can be sent. Not available on a compressed message (its
// frame lengths are not known in advance).
func (c *Conn) BeginMessageFrame(length int64) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	s := &c.stream
	switch {
	case !s.active:
		return errors.New("ws: BeginMessageFrame: no message in progress")
	case s.frameOpen:
		return errors.New("ws: BeginMessageFrame: the previous frame is not complete")
	case s.compress:
		return errors.New("ws: BeginMessageFrame: not available on a compressed message")
	case length < 0:
		return fmt.Errorf("ws: BeginMessageFrame: negative length %d", length)
	}
	if len(s.pend) > 0 {
		if err := c.emitLocked(s.pend, false); err != nil {
			c.abortLocked()
			return err
		}
		s.pend = s.pend[:0]
	}
	c.wmu.Lock()
	if c.closing.Load() {
		c.wmu.Unlock()
		c.abortLocked()
		return ErrClosed
	}
	op := OpContinuation
	if s.first {
		op = s.opcode
	}
	var key [4]byte
	if c.masked {
		key = c.newMaskKey()
	}
	hdr := appendFrameHeader(c.wbuf[:0], op, false, 0, c.masked, key, int(length))
	if _, err := c.nc.Write(hdr); err != nil {
		c.wmu.Unlock()
		c.drop(true, "write failed: "+err.Error())
		c.abortLocked()
		return fmt.Errorf("ws: write frame header: %w", err)
	}
	c.stats.framesOut.Add(1)
	c.stats.wireOut.Add(uint64(len(hdr)))
	s.first = false
	if length == 0 {
		c.wmu.Unlock()
		return nil
	}
	s.frameOpen, s.frameLeft, s.frameKey, s.framePos = true, length, key, 0
	return nil // wmu stays held until the frame is complete
}

// SendMessageFrameData sends payload of the streamed message (Autobahn's
// sendMessageFrameData). Inside a frame opened with BeginMessageFrame it
// supplies that frame's bytes (at most what is still due). Otherwise the
// payload goes out as a frame of its own (on a compressed message: it is
// compressed, and framed as compressed output accumulates).
func (c *Conn) SendMessageFrameData(payload []byte) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	s := &c.stream
	if !s.active {
		return errors.New("ws: SendMessageFrameData: no message in progress")
	}
	s.app += int64(len(payload))
	switch {
	case s.frameOpen:
		if int64(len(payload)) > s.frameLeft {
			return fmt.Errorf("ws: SendMessageFrameData: %d bytes given, the frame has %d left", len(payload), s.frameLeft)
		}
		if err := c.writeFrameDataLocked(payload); err != nil {
			c.abortLocked()
			return err
		}
		return nil
	case s.compress:
		if _, err := s.cw.Write(payload); err != nil {
			c.abortLocked()
			return fmt.Errorf("ws: compress: %w", err)
		}
		return nil
	default:
		if len(payload) == 0 {
			return nil
		}
		if err := c.emitLocked(payload, false); err != nil {
			c.abortLocked()
			return err
		}
		return nil
	}
}

// writeFrameDataLocked writes payload bytes of the open frame (wmu is held
// since BeginMessageFrame) and releases wmu when the frame is complete.
func (c *Conn) writeFrameDataLocked(payload []byte) error {
	s := &c.stream
	rest := payload
	for len(rest) > 0 {
		n := min(len(rest), maskChunk)
		var err error
		if c.masked && c.opts.ApplyMask {
			buf := append(c.wbuf[:0], rest[:n]...)
			s.framePos = nvx.XorMask(buf, s.frameKey, s.framePos)
			_, err = c.nc.Write(buf)
			c.wbuf = buf[:0]
		} else {
			_, err = c.nc.Write(rest[:n])
		}
		if err != nil {
			c.drop(true, "write failed: "+err.Error())
			return fmt.Errorf("ws: write frame data: %w", err)
		}
		c.stats.wireOut.Add(uint64(n))
		c.stats.wsOut.Add(uint64(n))
		rest = rest[n:]
	}
	s.frameLeft -= int64(len(payload))
	if s.frameLeft == 0 {
		s.frameOpen = false
		c.wmu.Unlock()
	}
	return nil
}

// EndMessage ends the streamed message (Autobahn's endMessage): it sends
// what is buffered (or an empty frame) as the final frame. It fails if a
// frame opened with BeginMessageFrame is not complete.
func (c *Conn) EndMessage() error {
	c.smu.Lock()
	defer c.smu.Unlock()
	s := &c.stream
	if !s.active {
		return errors.New("ws: EndMessage: no message in progress")
	}
	if s.frameOpen {
		return fmt.Errorf("ws: EndMessage: the open frame still needs %d bytes", s.frameLeft)
	}
	if s.compress {
		if err := s.cw.Close(); err != nil {
			c.abortLocked()
			return fmt.Errorf("ws: compress: %w", err)
		}
	}
	err := c.emitLocked(s.pend, true)
	if err == nil {
		c.stats.msgsOut.Add(1)
		c.stats.appOut.Add(uint64(s.app))
	}
	c.abortLocked()
	return err
}

// messageWriter is NextWriter's io.WriteCloser.
type messageWriter struct {
	c      *Conn
	closed bool
}

// NextWriter starts a message and returns a writer of its payload
// (Go-style streaming send): written bytes are buffered and sent in frames
// of AutoFragmentSize (32 KiB when unset), compressed when
// permessage-deflate is on; Close sends the final frame. Other data
// messages wait until Close. One streamed message at a time.
func (c *Conn) NextWriter(isBinary bool) (io.WriteCloser, error) {
	if err := c.beginMessage(isBinary, false); err != nil {
		return nil, err
	}
	return &messageWriter{c: c}, nil
}

// Write implements io.Writer.
func (w *messageWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errors.New("ws: write to a closed message writer")
	}
	c := w.c
	c.smu.Lock()
	defer c.smu.Unlock()
	s := &c.stream
	if !s.active {
		return 0, ErrClosed
	}
	s.app += int64(len(p))
	var err error
	if s.compress {
		_, err = s.cw.Write(p)
	} else {
		err = c.bufferLocked(p)
	}
	if err != nil {
		c.abortLocked()
		return 0, err
	}
	return len(p), nil
}

// Close sends the message's final frame.
func (w *messageWriter) Close() error {
	if w.closed {
		return errors.New("ws: message writer already closed")
	}
	w.closed = true
	return w.c.EndMessage()
}
