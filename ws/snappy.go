package ws

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

// permessage-snappy, as Autobahn|Python has it (compress_snappy.py): each
// compressed message is a piece of a Snappy framing-format stream
// (https://github.com/google/snappy/blob/main/framing_format.txt), chunks
// of at most 64 KiB with a masked CRC-32C each, compressed by
// klauspost/compress (snappy-compatible output) where that saves at least
// an eighth, as python-snappy's StreamCompressor decides. With context
// takeover a direction is one stream across messages, so the stream
// identifier chunk starts only its first compressed message; without it
// every message is a stream of its own and starts with the identifier.
// Snappy chunks never refer to earlier ones, so takeover changes nothing
// else. The receiver accepts the identifier at the start of any message
// either way (the framing format allows it to repeat).
//
// Receiving decodes one chunk at a time into a pooled 64 KiB buffer, at
// most 64 KiB per chunk, and hands it out as the engine reads: a bomb stops
// at the engine's limit having consumed at most one chunk more input.

const snappyExtensionName = "permessage-snappy"

// DefaultSnappyThreshold is the payload size below which messages are sent
// uncompressed when SnappyOptions.Threshold is 0.
const DefaultSnappyThreshold = 64

// SnappyOptions configures permessage-snappy (SnappyExtension). The zero
// value uses context takeover where the peer allows it and compresses
// messages of DefaultSnappyThreshold bytes or more.
type SnappyOptions struct {
	// Threshold: messages with fewer payload bytes are sent uncompressed.
	// 0 picks DefaultSnappyThreshold; negative compresses every message.
	Threshold int
	// NoContextTakeover: a client offers, and a server responds with,
	// server_no_context_takeover and client_no_context_takeover, so each
	// message is a stream of its own (it repeats the 10-byte stream
	// identifier). Snappy keeps no history, so this costs no memory
	// either way.
	NoContextTakeover bool
}

// SnappyExtension returns permessage-snappy configured by o (nil: the zero
// SnappyOptions), for Options.Extensions. A client offers
// "permessage-snappy; client_no_context_takeover" (plus
// server_no_context_takeover with NoContextTakeover); a server accepts the
// client's first valid offer. The parameters are Autobahn's:
// client_no_context_takeover and server_no_context_takeover, without
// values; an offer with any other parameter is declined.
func SnappyExtension(o *SnappyOptions) Extension {
	if o == nil {
		o = &SnappyOptions{}
	}
	return noTakeoverExtension{name: snappyExtensionName, noTakeover: o.NoContextTakeover,
		newCodec: func(sendNoTakeover bool) Codec {
			return builtinCodec{newSnappyCodec(sendNoTakeover, threshold(o.Threshold, DefaultSnappyThreshold))}
		}}
}

// threshold resolves a Threshold option.
func threshold(t, def int) int {
	switch {
	case t == 0:
		return def
	case t < 0:
		return 0
	}
	return t
}

// Snappy framing format constants.
const (
	snappyChunkCompressed   = 0x00
	snappyChunkUncompressed = 0x01
	snappyChunkPadding      = 0xfe
	snappyChunkIdentifier   = 0xff
	snappyMaxChunk          = 65536 // uncompressed bytes per chunk
	snappyMagic             = "sNaPpY"
)

// snappyIdentifier is the stream identifier chunk.
var snappyIdentifier = []byte{snappyChunkIdentifier, 6, 0, 0, 's', 'N', 'a', 'P', 'p', 'Y'}

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// snappyCRC is the framing format's masked CRC-32C.
func snappyCRC(b []byte) uint32 {
	c := crc32.Checksum(b, crc32c)
	return (c>>15 | c<<17) + 0xa282ead8
}

// snappyMaxEncoded is the largest compressed chunk body (CRC included) we
// accept: what a 64 KiB chunk can encode to.
var snappyMaxEncoded = snappy.MaxEncodedLen(snappyMaxChunk) + 4

// appendSnappyChunk appends one chunk of at most snappyMaxChunk bytes:
// compressed when that saves at least an eighth, else stored.
func appendSnappyChunk(dst, p []byte) []byte {
	need := 8 + snappy.MaxEncodedLen(len(p))
	dst = slices.Grow(dst, need)
	start := len(dst)
	body := dst[:start+need][start+8:]
	enc := s2.EncodeSnappy(body, p) // in body: its capacity suffices
	if len(enc) > 0 && &enc[0] != &body[0] {
		enc = body[:copy(body, enc)]
	}
	typ := byte(snappyChunkCompressed)
	if len(enc) > len(p)-len(p)/8 {
		typ = snappyChunkUncompressed
		enc = body[:copy(body, p)]
	}
	n := 4 + len(enc)
	dst = dst[:start+4+n]
	dst[start] = typ
	dst[start+1], dst[start+2], dst[start+3] = byte(n), byte(n>>8), byte(n>>16)
	binary.LittleEndian.PutUint32(dst[start+4:], snappyCRC(p))
	return dst
}

// snappyCodec implements pmdCodec.
type snappyCodec struct {
	threshold      int
	sendNoTakeover bool
	sentHeader     bool // the stream identifier went out (context takeover)

	sw snappyWriter
	rd snappyReader
}

func newSnappyCodec(sendNoTakeover bool, threshold int) *snappyCodec {
	c := &snappyCodec{threshold: threshold, sendNoTakeover: sendNoTakeover}
	c.sw.c = c
	return c
}

func (c *snappyCodec) shouldCompress(n int) bool { return n >= c.threshold }

// header appends the stream identifier when this message starts a stream.
func (c *snappyCodec) header(dst []byte) []byte {
	if c.sendNoTakeover || !c.sentHeader {
		c.sentHeader = true
		return append(dst, snappyIdentifier...)
	}
	return dst
}

func (c *snappyCodec) compress(dst, payload []byte) ([]byte, error) {
	dst = c.header(dst)
	for len(payload) > 0 {
		n := min(len(payload), snappyMaxChunk)
		dst = appendSnappyChunk(dst, payload[:n])
		payload = payload[n:]
	}
	return dst, nil
}

func (c *snappyCodec) compressWriter(w io.Writer) io.WriteCloser {
	c.sw = snappyWriter{c: c, w: w, out: c.sw.out[:0]}
	return &c.sw
}

// snappyWriter compresses one streamed message: it collects up to a chunk
// of input and hands each finished chunk to w.
type snappyWriter struct {
	c       *snappyCodec
	w       io.Writer
	in      []byte // pending input, < snappyMaxChunk bytes
	out     []byte
	started bool
	closed  bool
	err     error
}

// emit compresses p as one chunk (the identifier first when due) to w.
func (s *snappyWriter) emit(p []byte) error {
	out := s.out[:0]
	if !s.started {
		s.started = true
		out = s.c.header(out)
	}
	if len(p) > 0 {
		out = appendSnappyChunk(out, p)
	}
	s.out = out
	if len(out) == 0 {
		return nil
	}
	_, err := s.w.Write(out)
	return err
}

func (s *snappyWriter) Write(p []byte) (int, error) {
	if s.closed {
		return 0, errors.New("ws: permessage-snappy: write after close")
	}
	if s.err != nil {
		return 0, s.err
	}
	total := len(p)
	for len(p) > 0 {
		if len(s.in) == 0 && len(p) >= snappyMaxChunk {
			if s.err = s.emit(p[:snappyMaxChunk]); s.err != nil {
				return 0, s.err
			}
			p = p[snappyMaxChunk:]
			continue
		}
		n := min(len(p), snappyMaxChunk-len(s.in))
		s.in = append(s.in, p[:n]...)
		p = p[n:]
		if len(s.in) == snappyMaxChunk {
			if s.err = s.emit(s.in); s.err != nil {
				return 0, s.err
			}
			s.in = s.in[:0]
		}
	}
	return total, nil
}

// Close emits what is pending; it does not close w.
func (s *snappyWriter) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.err != nil {
		return s.err
	}
	err := s.emit(s.in)
	s.in = s.in[:0]
	if cap(s.out) > 2*snappyMaxEncoded {
		s.out = nil
	}
	return err
}

// snappyBufs are one message's decode buffers, pooled.
type snappyBufs struct {
	dec [snappyMaxChunk]byte
	enc []byte
}

var snappyBufPool = sync.Pool{New: func() any { return &snappyBufs{} }}

// snappyReader decodes one message's chunks.
type snappyReader struct {
	c    *snappyCodec
	src  io.Reader
	bufs *snappyBufs
	out  []byte // decoded bytes not yet read
	err  error
}

func (c *snappyCodec) decompressReader(r io.Reader) io.Reader {
	c.release()
	c.rd = snappyReader{c: c, src: r, bufs: snappyBufPool.Get().(*snappyBufs)}
	return &c.rd
}

// Read hands out decoded bytes, decoding the next chunk when none are
// left.
func (r *snappyReader) Read(p []byte) (int, error) {
	for {
		if len(r.out) > 0 {
			n := copy(p, r.out)
			r.out = r.out[n:]
			return n, nil
		}
		if r.err != nil {
			r.c.release()
			return 0, r.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		r.err = r.next()
	}
}

// badSnappy wraps a framing error.
func badSnappy(format string, args ...any) error {
	return fmt.Errorf("%w: permessage-snappy: %s", ErrInvalidCompressedData, fmt.Sprintf(format, args...))
}

// readFull reads exactly len(b) bytes of src; running out is invalid data,
// any other error (the transport's, the engine's limits) is kept as is.
func (r *snappyReader) readFull(b []byte, what string) error {
	_, err := io.ReadFull(r.src, b)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return badSnappy("message ends inside %s", what)
	}
	return err
}

// next decodes the next chunk into r.out, or returns io.EOF at the end of
// the message.
func (r *snappyReader) next() error {
	var hdr [4]byte
	n, err := io.ReadFull(r.src, hdr[:])
	switch {
	case err == io.EOF && n == 0:
		return io.EOF
	case err == io.ErrUnexpectedEOF:
		return badSnappy("message ends inside a chunk header")
	case err != nil:
		return err
	}
	typ := hdr[0]
	size := int(hdr[1]) | int(hdr[2])<<8 | int(hdr[3])<<16
	switch {
	case typ == snappyChunkIdentifier:
		if size != len(snappyMagic) {
			return badSnappy("stream identifier of %d bytes", size)
		}
		var magic [len(snappyMagic)]byte
		if err := r.readFull(magic[:], "the stream identifier"); err != nil {
			return err
		}
		if string(magic[:]) != snappyMagic {
			return badSnappy("invalid stream identifier %q", magic[:])
		}
		return nil
	case typ == snappyChunkCompressed || typ == snappyChunkUncompressed:
		if size < 4 {
			return badSnappy("chunk of %d bytes has no checksum", size)
		}
		if typ == snappyChunkUncompressed && size-4 > snappyMaxChunk || size > snappyMaxEncoded {
			return badSnappy("chunk of %d bytes exceeds the 64 KiB limit", size)
		}
		b := r.bufs
		if cap(b.enc) < size {
			b.enc = make([]byte, size, snappyMaxEncoded)
		}
		body := b.enc[:size]
		if err := r.readFull(body, "a chunk"); err != nil {
			return err
		}
		want := binary.LittleEndian.Uint32(body)
		data := body[4:]
		if typ == snappyChunkCompressed {
			dlen, err := snappy.DecodedLen(data)
			if err != nil || dlen > snappyMaxChunk {
				return badSnappy("compressed chunk decodes to %d bytes (at most 64 KiB): %v", dlen, err)
			}
			data, err = snappy.DecodeStrict(b.dec[:0], data)
			if err != nil {
				return badSnappy("%v", err)
			}
		}
		if snappyCRC(data) != want {
			return badSnappy("checksum mismatch")
		}
		r.out = data
		return nil
	case typ >= 0x80: // padding and reserved skippable chunks
		if _, err := io.CopyN(io.Discard, r.src, int64(size)); err != nil {
			if err == io.EOF {
				return badSnappy("message ends inside a skippable chunk")
			}
			return err
		}
		return nil
	default:
		return badSnappy("reserved unskippable chunk type %#x", typ)
	}
}

// release returns the message's buffers to the pool.
func (c *snappyCodec) release() {
	if b := c.rd.bufs; b != nil {
		c.rd.bufs, c.rd.out = nil, nil
		snappyBufPool.Put(b)
	}
}

func (c *snappyCodec) endMessage() { c.release() }

func (c *snappyCodec) close() {
	c.release()
	c.sw = snappyWriter{c: c}
}
