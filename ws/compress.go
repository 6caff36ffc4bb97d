package ws

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// The permessage-deflate codec (RFC 7692 §7.2) on klauspost/compress/flate.
//
// Sending: a message is deflated and sync-flushed, and the trailing
// 00 00 ff ff of the flush is stripped. With context takeover the
// connection keeps one flate.Writer (allocated on its first compressed
// message) so later messages may refer back to earlier ones; without it a
// pooled writer is Reset for every message. A window below 15 bits uses
// flate.NewWriterWindow, whose matches never reach further back than
// 2^bits bytes; this includes 8 bits (a 256-byte window), which zlib cannot
// produce (it silently uses 9) but klauspost can, so we honour the
// negotiated value exactly instead of relying on the peer's inflater
// tolerating 512-byte distances.
//
// Receiving: inflaters are always pooled. With context takeover the codec
// keeps the last 2^bits bytes of inflated output itself and primes the next
// message's inflater with them (flate.Resetter's dictionary), so an idle
// connection holds only that history, never a decoder. Inflation is pulled
// by the engine in chunks of its choosing, so a message is inflated only as
// far as it is read: a decompression bomb stops at the engine's limit
// having consumed at most one inflate step (32 KiB of output) more input.
//
// Ending: a message normally ends with the stripped sync flush, so after
// the appended 00 00 ff ff the inflater asks for more input than the
// message has; that is the end of the message. A message may also end with
// a final (BFINAL) block; bytes after it are ignored, as zlib does.

// ErrInvalidCompressedData is wrapped by the error a compressed message's
// reader returns when the message is not valid deflate data (the engine
// fails the connection, close code 1007).
var ErrInvalidCompressedData = errors.New("ws: invalid permessage-deflate data")

// pmdTail is what a sync flush ends with and what RFC 7692 §7.2.1 strips.
var pmdTail = []byte{0x00, 0x00, 0xff, 0xff}

// deflateParams is one connection's resolved permessage-deflate setup.
type deflateParams struct {
	sendNoTakeover bool // we compress each message on its own
	sendWindowBits int  // window we compress with (8..15)
	recvNoTakeover bool // the peer compresses each message on its own
	recvWindowBits int  // window the peer compresses with (8..15)
	sendHistory    int  // > 0: takeover through a primed pooled compressor, keeping this many bytes
	level          int  // 1..9
	threshold      int  // messages shorter than this go uncompressed
}

// setCommon fills the parameters that are not negotiated.
func (p *deflateParams) setCommon(o *DeflateOptions) {
	p.level = o.Level
	if p.level == 0 {
		p.level = DefaultDeflateLevel
	}
	switch {
	case o.Threshold == 0:
		p.threshold = DefaultDeflateThreshold
	case o.Threshold < 0:
		p.threshold = 0
	default:
		p.threshold = o.Threshold
	}
	if !p.sendNoTakeover && o.TakeoverHistory > 0 {
		p.sendHistory = min(o.TakeoverHistory, 1<<p.sendWindowBits)
	}
}

// Writer pools: by level for the full window, by window bits below it.
var (
	levelWriterPools  [10]sync.Pool
	windowWriterPools [MaxDeflateWindowBits]sync.Pool
	inflaterPool      = sync.Pool{New: func() any { return newInflater() }}
)

func writerPool(level, bits int) *sync.Pool {
	if bits < MaxDeflateWindowBits {
		return &windowWriterPools[bits]
	}
	return &levelWriterPools[level]
}

// getWriter returns a fresh (Reset) writer for level and window bits.
func getWriter(level, bits int, w io.Writer) (*flate.Writer, error) {
	if fw, ok := writerPool(level, bits).Get().(*flate.Writer); ok {
		fw.Reset(w)
		return fw, nil
	}
	if bits < MaxDeflateWindowBits {
		return flate.NewWriterWindow(w, 1<<bits)
	}
	return flate.NewWriter(w, level)
}

func putWriter(level, bits int, fw *flate.Writer) {
	fw.ResetDict(nil, nil) // also forgets a dictionary given by ResetDict
	writerPool(level, bits).Put(fw)
}

// deflateCodec implements pmdCodec.
type deflateCodec struct {
	p deflateParams

	// Send side.
	fw    *flate.Writer // kept between messages with context takeover
	shist []byte        // sent history, for takeover through a pooled writer (sendHistory > 0)
	sink  deflateSink   // where fw writes
	sw    streamWriter  // the one streamed message writer in use

	// Receive side.
	hist []byte        // inflated history kept for context takeover
	rd   inflateReader // the one message reader in use

	budget    *MemoryBudget // charged for a kept compressor (nil: none)
	fwCharged int64         // what fw is charged
}

func newDeflateCodec(p deflateParams) *deflateCodec {
	c := &deflateCodec{p: p}
	c.sw.c = c
	c.rd.c = c
	return c
}

func (c *deflateCodec) shouldCompress(n int) bool { return n >= c.p.threshold }

// writer returns the flate writer for one message, writing into c.sink.
func (c *deflateCodec) writer() (*flate.Writer, error) {
	if c.fw != nil {
		return c.fw, nil
	}
	fw, err := getWriter(c.p.level, c.p.sendWindowBits, &c.sink)
	if err != nil {
		return nil, fmt.Errorf("ws: permessage-deflate: %w", err)
	}
	switch {
	case c.p.sendNoTakeover:
	case c.p.sendHistory > 0:
		fw.ResetDict(&c.sink, c.shist)
	case c.keepCompressor():
		c.fw = fw
	default:
		// The memory budget has no room for a kept compressor: this
		// message is compressed on its own (always allowed to a sender),
		// and the next one asks again.
	}
	return fw, nil
}

// doneWriter ends one message on fw: a writer the codec does not keep
// goes back to the pool.
func (c *deflateCodec) doneWriter(fw *flate.Writer) {
	if fw != c.fw {
		putWriter(c.p.level, c.p.sendWindowBits, fw)
	}
}

// sent records payload bytes compressed with context takeover through a
// pooled writer.
func (c *deflateCodec) sent(p []byte) {
	if c.p.sendHistory > 0 {
		c.shist = appendWindow(c.shist, p, c.p.sendHistory)
	}
}

func (c *deflateCodec) compress(dst, payload []byte) ([]byte, error) {
	c.abandonStream()
	fw, err := c.writer()
	if err != nil {
		return dst, err
	}
	start := len(dst)
	c.sink = deflateSink{buf: dst}
	_, err = fw.Write(payload)
	if err == nil {
		err = fw.Flush()
	}
	c.doneWriter(fw)
	c.sent(payload)
	out := c.sink.buf
	c.sink = deflateSink{}
	if err != nil {
		return dst, fmt.Errorf("ws: permessage-deflate: compress: %w", err)
	}
	if !bytes.HasSuffix(out[start:], pmdTail) {
		return dst, errors.New("ws: permessage-deflate: compress: sync flush without 00 00 ff ff")
	}
	return out[:len(out)-len(pmdTail)], nil
}

// abandonStream drops the compressor of a streamed message that was never
// closed (the engine aborted it), so its pending bytes cannot leak into the
// next message.
func (c *deflateCodec) abandonStream() {
	if s := &c.sw; s.fw != nil && !s.closed {
		if s.fw == c.fw {
			c.fw = nil
			c.dropCompressor()
		}
		putWriter(c.p.level, c.p.sendWindowBits, s.fw)
		*s = streamWriter{c: c, closed: true}
		c.sink = deflateSink{}
	}
}

// streamFlushSize is how much compressed output a streamed message
// collects before handing it to the frame writer.
const streamFlushSize = 16 << 10

func (c *deflateCodec) compressWriter(w io.Writer) io.WriteCloser {
	c.abandonStream()
	c.sw = streamWriter{c: c, w: w}
	c.sink = deflateSink{buf: c.sink.buf[:0]}
	return &c.sw
}

// deflateSink collects a flate writer's output.
type deflateSink struct{ buf []byte }

func (s *deflateSink) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// streamWriter compresses one streamed message. Compressed output is
// handed to w in pieces of about streamFlushSize, always holding back the
// last 4 bytes, which Close strips when they are the flush's 00 00 ff ff.
type streamWriter struct {
	c      *deflateCodec
	w      io.Writer
	fw     *flate.Writer
	err    error
	closed bool
}

func (s *streamWriter) start() error {
	if s.fw == nil && s.err == nil {
		s.fw, s.err = s.c.writer()
	}
	return s.err
}

// emit hands all but the last keep bytes of the sink to w.
func (s *streamWriter) emit(keep int) error {
	buf := s.c.sink.buf
	n := len(buf) - keep
	if n <= 0 {
		return nil
	}
	if _, err := s.w.Write(buf[:n]); err != nil {
		return err
	}
	m := copy(buf, buf[n:])
	s.c.sink.buf = buf[:m]
	return nil
}

// Write compresses p.
func (s *streamWriter) Write(p []byte) (int, error) {
	if s.closed {
		return 0, errors.New("ws: permessage-deflate: write after close")
	}
	if err := s.start(); err != nil {
		return 0, err
	}
	total := len(p)
	for len(p) > 0 {
		chunk := p
		if len(chunk) > streamFlushSize {
			chunk = chunk[:streamFlushSize]
		}
		if _, err := s.fw.Write(chunk); err != nil {
			s.err = fmt.Errorf("ws: permessage-deflate: compress: %w", err)
			return 0, s.err
		}
		s.c.sent(chunk)
		p = p[len(chunk):]
		if len(s.c.sink.buf) >= streamFlushSize+len(pmdTail) {
			if err := s.emit(len(pmdTail)); err != nil {
				s.err = err
				return 0, err
			}
		}
	}
	return total, nil
}

// Flush sync-flushes what was written so far to w, so the peer can inflate
// it before the message ends.
func (s *streamWriter) Flush() error {
	if s.closed {
		return errors.New("ws: permessage-deflate: flush after close")
	}
	if err := s.start(); err != nil {
		return err
	}
	if err := s.fw.Flush(); err != nil {
		s.err = fmt.Errorf("ws: permessage-deflate: compress: %w", err)
		return s.err
	}
	s.err = s.emit(len(pmdTail))
	return s.err
}

// Close ends the message: sync flush, strip the 00 00 ff ff, hand the rest
// to w. It does not close w.
func (s *streamWriter) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.start(); err != nil {
		return err
	}
	err := s.fw.Flush()
	s.c.doneWriter(s.fw)
	s.fw = nil
	if err != nil {
		return fmt.Errorf("ws: permessage-deflate: compress: %w", err)
	}
	buf := s.c.sink.buf
	if !bytes.HasSuffix(buf, pmdTail) {
		return errors.New("ws: permessage-deflate: compress: sync flush without 00 00 ff ff")
	}
	s.c.sink.buf = buf[:len(buf)-len(pmdTail)]
	err = s.emit(0)
	s.c.sink.buf = s.c.sink.buf[:0]
	if len(s.c.sink.buf) == 0 && cap(s.c.sink.buf) > 4*streamFlushSize {
		s.c.sink.buf = nil
	}
	return err
}

// inflater is a pooled decompressor with its input buffer.
type inflater struct {
	fr  io.ReadCloser // a flate reader; implements flate.Resetter
	br  *bufio.Reader // buffers src for fr (a flate.Reader, so fr reads no further than it needs)
	src inflateSource
}

func newInflater() *inflater {
	inf := &inflater{br: bufio.NewReaderSize(nil, 4096)}
	inf.fr = flate.NewReader(inf.br)
	return inf
}

// inflateSource yields a message's compressed bytes and then the
// 00 00 ff ff that RFC 7692 §7.2.2 appends.
type inflateSource struct {
	r    io.Reader
	eof  bool  // r is exhausted
	tail int   // bytes of the tail delivered
	err  error // a read error of r other than EOF
}

func (s *inflateSource) Read(p []byte) (int, error) {
	if !s.eof {
		n, err := s.r.Read(p)
		switch {
		case err == io.EOF:
			s.eof = true
			if n > 0 {
				return n, nil
			}
		case err != nil:
			s.err = err
			return n, err
		default:
			return n, nil
		}
	}
	if s.tail == len(pmdTail) {
		return 0, io.EOF
	}
	n := copy(p, pmdTail[s.tail:])
	s.tail += n
	return n, nil
}

// maxFinalTrailer is how many bytes may follow a final deflate block in a
// message (a sender following RFC 7692 §7.2.1 leaves at most one).
const maxFinalTrailer = 8

// inflateReader reads one compressed message's inflated bytes.
type inflateReader struct {
	c   *deflateCodec
	inf *inflater
	err error
}

func (c *deflateCodec) decompressReader(r io.Reader) io.Reader {
	c.release()
	inf := inflaterPool.Get().(*inflater)
	inf.src = inflateSource{r: r}
	inf.br.Reset(&inf.src)
	var dict []byte
	if !c.p.recvNoTakeover {
		dict = c.hist
		if w := c.recvWindow(); len(dict) > w {
			dict = dict[len(dict)-w:]
		}
	}
	c.rd = inflateReader{c: c, inf: inf}
	if err := inf.fr.(flate.Resetter).Reset(inf.br, dict); err != nil {
		c.rd.err = fmt.Errorf("ws: permessage-deflate: %w", err)
	}
	return &c.rd
}

// Read inflates into p.
func (r *inflateReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	inf := r.inf
	n, err := inf.fr.Read(p)
	if n > 0 && !r.c.p.recvNoTakeover {
		r.c.hist = appendWindow(r.c.hist, p[:n], r.c.recvWindow())
	}
	switch {
	case err == nil:
		return n, nil
	case inf.src.err != nil:
		r.err = inf.src.err // the transport's error (or the engine's limit), as is
	case err == io.EOF:
		// A final block ended the stream. RFC 7692 §7.2.1 leaves at most
		// the first byte of an empty stored block after it (then our
		// tail); tolerate a few bytes, fail on more.
		rest, _ := io.CopyN(io.Discard, inf.br, maxFinalTrailer+int64(len(pmdTail))+1)
		switch {
		case inf.src.err != nil:
			r.err = inf.src.err
		case rest > maxFinalTrailer+int64(len(pmdTail)):
			r.err = fmt.Errorf("%w: data after the final deflate block", ErrInvalidCompressedData)
		default:
			r.err = io.EOF
		}
	case errors.Is(err, io.ErrUnexpectedEOF) && inf.src.eof && inf.src.tail == len(pmdTail) && inf.br.Buffered() == 0:
		r.err = io.EOF // the decoder wants more than the message has: its end
	default:
		r.err = fmt.Errorf("%w: %v", ErrInvalidCompressedData, err)
	}
	r.c.release()
	if n > 0 && r.err == io.EOF {
		return n, nil // report EOF on the next call
	}
	return n, r.err
}

// recvWindow is how much inflated history a context-takeover receiver
// keeps: the peer's negotiated window, but never less than 512 bytes. zlib
// cannot compress with an 8-bit window and uses 9 bits instead (older
// versions even when asked for a raw 8-bit stream), so a peer that agreed
// to 8 may refer up to 512 bytes back; we send with exactly 8 but accept 9.
func (c *deflateCodec) recvWindow() int { return 1 << max(c.p.recvWindowBits, 9) }

// appendWindow appends p to buf and keeps the last w bytes. The buffer
// grows with use up to about w plus a quarter of slack, so a connection
// sending small messages keeps a small buffer, and trimming copies at most
// once per w/4 bytes appended.
func appendWindow(buf, p []byte, w int) []byte {
	if len(p) >= w {
		return append(buf[:0], p[len(p)-w:]...)
	}
	if len(buf)+len(p) > w+w/4 {
		keep := min(w-len(p), len(buf))
		buf = buf[:copy(buf, buf[len(buf)-keep:])]
	}
	return append(buf, p...)
}

// release returns the current message's inflater to the pool.
func (c *deflateCodec) release() {
	if inf := c.rd.inf; inf != nil {
		c.rd.inf = nil
		inf.src = inflateSource{}
		inf.br.Reset(nil)
		inflaterPool.Put(inf)
	}
}

func (c *deflateCodec) endMessage() {
	c.release()
	if c.p.recvNoTakeover {
		c.hist = nil
	}
}

func (c *deflateCodec) close() {
	c.release()
	c.hist = nil
	c.shist = nil
	if c.fw != nil {
		putWriter(c.p.level, c.p.sendWindowBits, c.fw)
		c.fw = nil
		c.dropCompressor()
	}
	c.sink = deflateSink{}
}
