package ws

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
)

// permessage-brotli, as Autobahn|Python has it (compress_brotli.py): each
// compressed message is one complete Brotli stream (RFC 7932), ended with
// the encoder's finish, on github.com/andybalholm/brotli. A finished Brotli
// stream cannot be continued, so there is no context to take over: we
// always compress and decompress every message on its own, offer and
// respond with server_no_context_takeover (so an Autobahn peer, which
// would otherwise try to continue its finished compressor, starts a new
// one per message), and ask the client for client_no_context_takeover
// whenever its offer allows.
//
// Encoders and decoders are pooled: an idle connection holds neither.
// Receiving pulls the decoder's output in the engine's chunks (the decoder
// writes at most what is asked for), so a bomb stops at the engine's
// limits. The decoder's ring buffer is as large as the window the sender
// declares in the stream's first bits (up to 16 MiB for 24 bits), for the
// duration of one message: memory the peer chooses. A stream declaring a
// window larger than BrotliOptions.MaxWindowBits (default 22 bits, 4 MiB:
// the default of Brotli's own encoders, Autobahn|Python's included) fails
// the connection with 1009 before the decoder sees it, and a decoder that
// held a window larger than our own sending default goes to the garbage
// collector instead of the pool.

const brotliExtensionName = "permessage-brotli"

// Brotli defaults.
const (
	// DefaultBrotliLevel is the quality used when BrotliOptions.Level is
	// 0: a middle ground for interactive messages (Brotli's own default,
	// 11, is meant for static content and is far slower; see
	// BenchmarkCompressionExtensions for this level against deflate and
	// snappy).
	DefaultBrotliLevel = 4
	// DefaultBrotliWindowBits is the window used when
	// BrotliOptions.WindowBits is 0: 256 KiB, which also bounds what the
	// peer's decoder allocates for our messages.
	DefaultBrotliWindowBits = 18
	// DefaultBrotliMaxWindowBits is the largest window a received stream
	// may declare when BrotliOptions.MaxWindowBits is 0: 4 MiB, the
	// default of Brotli's encoders.
	DefaultBrotliMaxWindowBits = 22
	// DefaultBrotliThreshold is the payload size below which messages are
	// sent uncompressed when BrotliOptions.Threshold is 0.
	DefaultBrotliThreshold = 64
)

// BrotliOptions configures permessage-brotli (BrotliExtension). The zero
// value is DefaultBrotliLevel, DefaultBrotliWindowBits and
// DefaultBrotliThreshold.
type BrotliOptions struct {
	// Level is the Brotli quality, 1 (fastest) to 11 (smallest); 0 picks
	// DefaultBrotliLevel.
	Level int
	// WindowBits is the sliding window we compress with, 10 to 24; 0
	// picks DefaultBrotliWindowBits.
	WindowBits int
	// MaxWindowBits is the largest window, 10 to 24, a peer's message may
	// declare (its decoder state costs that much memory while the message
	// is read); a larger one fails the connection with 1009. 0 picks
	// DefaultBrotliMaxWindowBits.
	MaxWindowBits int
	// Threshold: messages with fewer payload bytes are sent uncompressed.
	// 0 picks DefaultBrotliThreshold; negative compresses every message.
	Threshold int
}

// BrotliExtension returns permessage-brotli configured by o (nil: the zero
// BrotliOptions), for Options.Extensions. A client offers
// "permessage-brotli; client_no_context_takeover;
// server_no_context_takeover"; a server accepts the client's first valid
// offer (parameters as for SnappyExtension). Invalid options are reported
// by the first handshake that uses them.
func BrotliExtension(o *BrotliOptions) Extension {
	var opts BrotliOptions
	if o != nil {
		opts = *o
	}
	return brotliExtension{noTakeoverExtension{name: brotliExtensionName, noTakeover: true,
		newCodec: func(bool) Codec { return builtinCodec{newBrotliCodec(opts)} }}, opts}
}

// brotliExtension checks its options before negotiating.
type brotliExtension struct {
	noTakeoverExtension
	o BrotliOptions
}

func (o BrotliOptions) check() error {
	if o.Level < 0 || o.Level > 11 {
		return fmt.Errorf("ws: BrotliOptions.Level %d out of range 1..11 (0 = default)", o.Level)
	}
	if o.WindowBits != 0 && (o.WindowBits < 10 || o.WindowBits > 24) {
		return fmt.Errorf("ws: BrotliOptions.WindowBits %d out of range 10..24 (0 = default)", o.WindowBits)
	}
	if o.MaxWindowBits != 0 && (o.MaxWindowBits < 10 || o.MaxWindowBits > 24) {
		return fmt.Errorf("ws: BrotliOptions.MaxWindowBits %d out of range 10..24 (0 = default)", o.MaxWindowBits)
	}
	return nil
}

func (e brotliExtension) ClientOffers() ([]ExtensionOffer, error) {
	if err := e.o.check(); err != nil {
		return nil, err
	}
	return e.noTakeoverExtension.ClientOffers()
}

func (e brotliExtension) ServerAccept(offers []ExtensionOffer) (ExtensionOffer, Codec, error) {
	if err := e.o.check(); err != nil {
		return ExtensionOffer{}, nil, err
	}
	return e.noTakeoverExtension.ServerAccept(offers)
}

func (e brotliExtension) ClientAccept(resp ExtensionOffer) (Codec, error) {
	if err := e.o.check(); err != nil {
		return nil, err
	}
	return e.noTakeoverExtension.ClientAccept(resp)
}

// Encoder pools by level and window bits; one decoder pool.
var (
	brotliWriterPools [12][25]sync.Pool
	brotliReaderPool  = sync.Pool{New: func() any { return brotli.NewReader(nil) }}
)

// brotliCodec implements pmdCodec.
type brotliCodec struct {
	level, bits, threshold int
	maxBits                int // largest window a received stream may declare

	sink deflateSink // where a whole message's encoder writes
	sw   brotliWriter
	rd   brotliReader
}

func newBrotliCodec(o BrotliOptions) *brotliCodec {
	c := &brotliCodec{level: o.Level, bits: o.WindowBits, threshold: threshold(o.Threshold, DefaultBrotliThreshold)}
	if c.level == 0 {
		c.level = DefaultBrotliLevel
	}
	if c.bits == 0 {
		c.bits = DefaultBrotliWindowBits
	}
	if c.maxBits = o.MaxWindowBits; c.maxBits == 0 {
		c.maxBits = DefaultBrotliMaxWindowBits
	}
	c.sw.c, c.rd.c = c, c
	return c
}

func (c *brotliCodec) shouldCompress(n int) bool { return n >= c.threshold }

// getWriter returns a pooled encoder writing to w.
func (c *brotliCodec) getWriter(w io.Writer) *brotli.Writer {
	if bw, ok := brotliWriterPools[c.level][c.bits].Get().(*brotli.Writer); ok {
		bw.Reset(w)
		return bw
	}
	return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: c.level, LGWin: c.bits})
}

func (c *brotliCodec) putWriter(bw *brotli.Writer) {
	bw.Reset(nil)
	brotliWriterPools[c.level][c.bits].Put(bw)
}

func (c *brotliCodec) compress(dst, payload []byte) ([]byte, error) {
	c.sink = deflateSink{buf: dst}
	bw := c.getWriter(&c.sink)
	_, err := bw.Write(payload)
	if cerr := bw.Close(); err == nil {
		err = cerr
	}
	c.putWriter(bw)
	out := c.sink.buf
	c.sink = deflateSink{}
	if err != nil {
		return dst, fmt.Errorf("ws: permessage-brotli: compress: %w", err)
	}
	return out, nil
}

func (c *brotliCodec) compressWriter(w io.Writer) io.WriteCloser {
	c.sw.abandon()
	c.sw = brotliWriter{c: c, bw: c.getWriter(w)}
	return &c.sw
}

// brotliWriter compresses one streamed message straight into the frame
// writer; Close finishes the stream.
type brotliWriter struct {
	c  *brotliCodec
	bw *brotli.Writer
}

func (s *brotliWriter) Write(p []byte) (int, error) {
	if s.bw == nil {
		return 0, errors.New("ws: permessage-brotli: write after close")
	}
	n, err := s.bw.Write(p)
	if err != nil {
		err = fmt.Errorf("ws: permessage-brotli: compress: %w", err)
	}
	return n, err
}

// Flush makes what was written so far decodable by the peer before the
// message ends.
func (s *brotliWriter) Flush() error {
	if s.bw == nil {
		return errors.New("ws: permessage-brotli: flush after close")
	}
	return s.bw.Flush()
}

func (s *brotliWriter) Close() error {
	if s.bw == nil {
		return nil
	}
	err := s.bw.Close()
	s.c.putWriter(s.bw)
	s.bw = nil
	if err != nil {
		return fmt.Errorf("ws: permessage-brotli: compress: %w", err)
	}
	return nil
}

// abandon drops the encoder of a streamed message that was never closed.
func (s *brotliWriter) abandon() {
	if s.bw != nil {
		s.c.putWriter(s.bw)
		s.bw = nil
	}
}

// brotliReader decodes one message.
type brotliReader struct {
	c   *brotliCodec
	src *errSource
	br  *brotli.Reader
	err error
}

// errSource remembers the transport's (or the engine's) error, so it is
// reported as is rather than as invalid data.
type errSource struct {
	r       io.Reader
	err     error
	maxBits int // largest window the stream may declare
	bits    int // the window it declared (0 until its first byte was read)
}

func (s *errSource) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if n > 0 && s.bits == 0 {
		// The window size is in the stream's first bits (RFC 7932 9.1):
		// refuse a window we did not agree to pay for before the decoder
		// allocates it.
		s.bits = brotliWindowBits(p[0])
		if s.bits > s.maxBits {
			s.err = protoErr(CloseMessageTooBig, "permessage-brotli message declares a %d-bit window (%d bytes), more than the %d-bit limit", s.bits, 1<<s.bits, s.maxBits)
			return 0, s.err
		}
	}
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// brotliWindowBits decodes WBITS from the first byte of a Brotli stream
// (RFC 7932 9.1, bits read from the least significant): 10 to 24, or -1
// for the reserved encodings (the decoder rejects those itself).
func brotliWindowBits(b byte) int {
	if b&1 == 0 {
		return 16
	}
	if n := int(b>>1) & 7; n != 0 {
		return 17 + n
	}
	switch m := int(b>>4) & 7; m {
	case 0:
		return 17
	case 1:
		return -1 // large-window Brotli, not RFC 7932
	default:
		return 8 + m
	}
}

func (c *brotliCodec) decompressReader(r io.Reader) io.Reader {
	c.release()
	br := brotliReaderPool.Get().(*brotli.Reader)
	src := &errSource{r: r, maxBits: c.maxBits}
	_ = br.Reset(src) // always nil
	c.rd = brotliReader{c: c, src: src, br: br}
	return &c.rd
}

func (r *brotliReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := r.br.Read(p)
	switch {
	case err == nil:
		return n, nil
	case r.src.err != nil:
		r.err = r.src.err
	case err == io.EOF:
		r.err = io.EOF
	case err == io.ErrUnexpectedEOF:
		r.err = fmt.Errorf("%w: permessage-brotli: the message ends inside its Brotli stream", ErrInvalidCompressedData)
	default:
		r.err = fmt.Errorf("%w: permessage-brotli: %v", ErrInvalidCompressedData, err)
	}
	r.c.release()
	if n > 0 && r.err == io.EOF {
		return n, nil
	}
	return n, r.err
}

// release returns the message's decoder to the pool.
func (c *brotliCodec) release() {
	if br := c.rd.br; br != nil {
		c.rd.br = nil
		if c.rd.src != nil && c.rd.src.bits > DefaultBrotliWindowBits {
			return // a large ring buffer: not kept in the pool
		}
		_ = br.Reset(nil)
		brotliReaderPool.Put(br)
	}
}

func (c *brotliCodec) endMessage() { c.release() }

func (c *brotliCodec) close() {
	c.release()
	c.sw.abandon()
}
