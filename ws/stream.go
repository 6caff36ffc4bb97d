package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/autobahn-go/autobahn/nvx"
)

// errCallbackMode is returned by the blocking read calls in callback mode.
var errCallbackMode = errors.New("ws: blocking reads are not available on a connection with a Handler")

// messageReader reads one message in blocking mode (see NextReader).
type messageReader struct {
	c        *Conn
	buf      []byte
	isBinary bool
	last     bool // buf is the message's last piece
	eof      bool
	err      error  // sticky connection error
	acc      []byte // ReadMessage: the payload gathered so far
	partial  bool   // a ReadMessage of this message ended early (ctx); acc holds what it gathered
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
	case <-c.done.wait():
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

// blockReader is the blocking mode's reader state (a Conn in callback
// mode has none).
type blockReader struct {
	rmu sync.Mutex     // one blocking reader at a time
	cur *messageReader // the message being read
	rmr *messageReader // reused by ReadMessage (never handed out); made on first use
}

// NextReader waits for the next message (blocking mode) and returns its
// type and a reader of its payload, streamed as it arrives: unmasked,
// inflated and UTF-8 checked. The reader's Read returns io.EOF at the end of
// the message and a *CloseError if the connection closes first; it is not
// bounded by ctx, which only bounds the wait for the message to begin (use
// CloseNow or a timeout on the connection to stop a stuck Read).
//
// A message the application stops reading is abandoned: the next
// NextReader or ReadMessage call discards its unread rest (that is the only
// way a message's bytes are skipped). If that call's ctx ends while it is
// discarding, the call fails and the next one goes on discarding; it never
// hands out the tail of the abandoned message as a message of its own.
// After a ReadMessage that ctx interrupted mid-message, NextReader returns
// that message from its start. Use one reader at a time, from one
// goroutine.
func (c *Conn) NextReader(ctx context.Context) (isBinary bool, r io.Reader, err error) {
	if c.events == nil {
		return false, nil, errCallbackMode
	}
	c.blk.rmu.Lock()
	defer c.blk.rmu.Unlock()
	m, err := c.nextReaderLocked(ctx, false)
	if err != nil {
		return false, nil, err
	}
	return m.isBinary, m, nil
}

// nextReaderLocked starts the next message's reader. reuse (ReadMessage,
// which never hands the reader out) takes c.blk.rmr instead of allocating one.
func (c *Conn) nextReaderLocked(ctx context.Context, reuse bool) (*messageReader, error) {
	if m := c.blk.cur; m != nil && m.partial {
		// A ReadMessage of this message was interrupted: hand it out again
		// from its start (what it gathered, then the rest as it arrives).
		m.partial = false
		m.buf, m.acc = m.acc, nil
		if !reuse && m == c.blk.rmr {
			// A reader handed out is never reused by a later ReadMessage.
			nm := *m
			*c.blk.rmr = messageReader{}
			m = &nm
			c.blk.cur = m
		}
		return m, nil
	}
	if m := c.blk.cur; m != nil && !m.eof && m.err == nil {
		// Discard the rest of the previous message.
		m.buf = nil
		for !m.last {
			ev, err := c.recvEvent(ctx)
			if err != nil {
				return nil, err
			}
			m.last = ev.last
		}
		m.eof = true
	}
	c.blk.cur = nil
	ev, err := c.recvEvent(ctx)
	if err != nil {
		return nil, err
	}
	if !ev.first {
		return nil, errors.New("ws: internal error: message piece out of order")
	}
	if reuse && c.blk.rmr == nil {
		c.blk.rmr = new(messageReader) // on first ReadMessage: callback mode never needs one
	}
	m := c.blk.rmr
	if !reuse {
		m = new(messageReader)
	}
	*m = messageReader{c: c, buf: ev.data, last: ev.last, isBinary: ev.isBinary}
	c.blk.cur = m
	return m, nil
}

// ReadMessage waits for the next whole message (blocking mode). Pings are
// answered while it waits. Once the connection closed it returns a
// *CloseError (errors.Is(err, ErrClosed)). If ctx ends while a message is
// arriving, nothing is lost: the part gathered so far is kept, and the
// next ReadMessage (or NextReader) returns the whole message, intact. Once
// this side sent a close (Close, SendClose), messages still arriving are
// discarded, as RFC 6455 allows, so that the closing handshake does not
// wait on a reader.
func (c *Conn) ReadMessage(ctx context.Context) (isBinary bool, payload []byte, err error) {
	if c.events == nil {
		return false, nil, errCallbackMode
	}
	c.blk.rmu.Lock()
	defer c.blk.rmu.Unlock()
	m := c.blk.cur
	if m == nil || !m.partial {
		if m, err = c.nextReaderLocked(ctx, true); err != nil {
			return false, nil, err
		}
		m.acc, m.buf = m.buf, nil
		m.partial = true // until the message is complete
	}
	for !m.last {
		ev, err := c.recvEvent(ctx)
		if err != nil {
			// m stays partial: the next call resumes this message.
			return false, nil, err
		}
		if err := c.gather(m, ev.data); err != nil {
			return false, nil, err
		}
		m.last = ev.last
	}
	c.releaseUser()
	payload, m.acc = m.acc, nil
	m.partial, m.eof = false, true
	if payload == nil {
		payload = []byte{}
	}
	return m.isBinary, payload, nil
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

// noStream is the state of no streamed message (read only).
var noStream streamState

// streamLocked returns the streamed message's state, or noStream when
// none is in progress (the state is made by BeginMessage and dropped at
// its end: an idle connection holds none). Call with smu held.
func (c *Conn) streamLocked() *streamState {
	if c.stream == nil {
		return &noStream
	}
	return c.stream
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
	active := c.stream != nil && c.stream.active
	c.smu.Unlock()
	if active {
		return errors.New("ws: BeginMessage: a streamed message is already in progress")
	}
	if err := c.acquireMsg(); err != nil {
		return err
	}
	if c.closing.Load() || c.flushDrop.Load() {
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
	c.stream = &streamState{active: true, opcode: op, first: true, limit: limit}
	if c.pmd != nil && !skipCompress && c.pmd.shouldCompress(math.MaxInt32) {
		c.stream.compress = true
		c.stream.cw = c.pmd.compressWriter(streamSink{c})
	}
	return nil
}

// abortLocked ends a streamed message after an error. Call with smu held.
func (c *Conn) abortLocked() {
	if c.stream == nil || !c.stream.active {
		return
	}
	if c.stream.frameOpen {
		c.stream.frameOpen = false
		c.wmu.Unlock()
	}
	c.stream = nil
	c.releaseMsg()
}

// emitLocked sends one frame of the streamed message. Call with smu held.
func (c *Conn) emitLocked(p []byte, fin bool) error {
	s := c.streamLocked()
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
	s := c.streamLocked()
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
	s := c.streamLocked()
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
	ws := getWriteScratch()
	defer putWriteScratch(ws)
	hdr := appendFrameHeader(ws.small[:0], op, false, 0, c.masked, key, int(length))
	if err := c.sockWrite(hdr, nil); err != nil {
		err = c.writeFailed("write frame header", err)
		c.wmu.Unlock()
		c.abortLocked()
		return err
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
	s := c.streamLocked()
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
	s := c.streamLocked()
	rest := payload
	for len(rest) > 0 {
		n := min(len(rest), maskChunk)
		var err error
		if c.masked && c.opts.ApplyMask {
			wb := getWriteBuf(n)
			buf := append((*wb)[:0], rest[:n]...)
			s.framePos = nvx.XorMask(buf, s.frameKey, s.framePos)
			err = c.sockWrite(buf, nil)
			putWriteBuf(wb, buf)
		} else {
			err = c.sockWrite(nil, rest[:n])
		}
		if err != nil {
			return c.writeFailed("write frame data", err)
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
	s := c.streamLocked()
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
	s := c.streamLocked()
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
