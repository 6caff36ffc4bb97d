package ws

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/snappy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Codec tests for permessage-snappy and permessage-brotli, through the
// same pmdCodec interface the engine uses.

// extCodec builds a codec of one kind; takeover applies where it exists.
type extCodec struct {
	name string
	make func(sendNoTakeover bool) pmdCodec
}

var extCodecs = []extCodec{
	{"snappy", func(nct bool) pmdCodec { return newSnappyCodec(nct, 0) }},
	{"brotli", func(bool) pmdCodec { return newBrotliCodec(BrotliOptions{}) }},
}

// readAllChunks reads one message through the codec in reads of chunk
// bytes, as the engine does.
func readAllChunks(c pmdCodec, wire []byte, chunk int) ([]byte, error) {
	r := c.decompressReader(bytes.NewReader(wire))
	var out []byte
	buf := make([]byte, chunk)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			c.endMessage()
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// streamCompress compresses msg through compressWriter in writes of step.
func streamCompress(t *testing.T, c pmdCodec, msg []byte, step int) []byte {
	t.Helper()
	var out bytes.Buffer
	w := c.compressWriter(&out)
	for rest := msg; len(rest) > 0; rest = rest[min(step, len(rest)):] {
		n, err := w.Write(rest[:min(step, len(rest))])
		require.NoError(t, err)
		require.Equal(t, min(step, len(rest)), n)
	}
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "Close twice is harmless")
	_, err := w.Write([]byte("x"))
	require.Error(t, err, "write after close")
	return out.Bytes()
}

func TestExtCodecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	msgs := testMessages(rng)
	msgs = append(msgs, bytes.Repeat([]byte("snappy chunk boundary "), 65536/22*3), make([]byte, snappyMaxChunk), make([]byte, snappyMaxChunk+1))
	for _, kind := range extCodecs {
		for _, nct := range []bool{false, true} {
			if nct && kind.name == "brotli" {
				continue // brotli has no context to take over
			}
			for _, streamed := range []bool{false, true} {
				name := kind.name
				if nct {
					name += "/no-takeover"
				}
				if streamed {
					name += "/streamed"
				}
				t.Run(name, func(t *testing.T) {
					send, recv := kind.make(nct), kind.make(nct)
					defer send.close()
					defer recv.close()
					for i, msg := range msgs {
						var wire []byte
						if streamed {
							wire = streamCompress(t, send, msg, 1+rng.Intn(100000))
						} else {
							var err error
							wire, err = send.compress(nil, msg)
							require.NoError(t, err)
						}
						got, err := readAllChunks(recv, wire, 1+rng.Intn(40000))
						require.NoError(t, err, "message %d (%d bytes)", i, len(msg))
						require.True(t, bytes.Equal(msg, got), "message %d: %d bytes in, %d out", i, len(msg), len(got))
					}
				})
			}
		}
	}
}

// The wire format Autobahn|Python's permessage-snappy writes: the stream
// identifier starts a stream (each message without context takeover, the
// first one with it), chunks carry masked CRC-32C, 64 KiB at most, and
// incompressible data is stored.
func TestSnappyWireFormat(t *testing.T) {
	text := bytes.Repeat([]byte("autobahn "), 20000) // 180000 bytes: 3 chunks
	for _, nct := range []bool{false, true} {
		c := newSnappyCodec(nct, 0)
		for i := 0; i < 3; i++ {
			wire, err := c.compress(nil, text)
			require.NoError(t, err)
			hasID := bytes.HasPrefix(wire, snappyIdentifier)
			assert.Equal(t, nct || i == 0, hasID, "no takeover %v, message %d", nct, i)
			if hasID {
				wire = wire[len(snappyIdentifier):]
			}
			var total, chunks int
			for len(wire) > 0 {
				require.GreaterOrEqual(t, len(wire), 8)
				size := int(wire[1]) | int(wire[2])<<8 | int(wire[3])<<16
				assert.Equal(t, byte(snappyChunkCompressed), wire[0])
				dec, err := snappyDecodeBlock(wire[8 : 4+size])
				require.NoError(t, err)
				assert.LessOrEqual(t, len(dec), snappyMaxChunk)
				assert.Equal(t, snappyCRC(dec), binary.LittleEndian.Uint32(wire[4:]))
				total += len(dec)
				chunks++
				wire = wire[4+size:]
			}
			assert.Equal(t, len(text), total)
			assert.Equal(t, 3, chunks)
		}
	}
	// Random bytes do not compress: stored.
	rnd := make([]byte, 1000)
	rand.New(rand.NewSource(2)).Read(rnd)
	wire, err := newSnappyCodec(true, 0).compress(nil, rnd)
	require.NoError(t, err)
	wire = wire[len(snappyIdentifier):]
	assert.Equal(t, byte(snappyChunkUncompressed), wire[0])
	assert.Equal(t, rnd, wire[8:])
	// An empty message starting a stream is just the identifier.
	wire, err = newSnappyCodec(false, 0).compress(nil, nil)
	require.NoError(t, err)
	assert.Equal(t, snappyIdentifier, wire)
}

func snappyDecodeBlock(b []byte) ([]byte, error) { return snappy.DecodeStrict(nil, b) }

// The receiver takes the identifier at the start of any message and
// skips padding and skippable chunks.
func TestSnappyReceiverTolerance(t *testing.T) {
	send := newSnappyCodec(false, 0)
	first, err := send.compress(nil, []byte("first"))
	require.NoError(t, err)
	second, err := send.compress(nil, []byte("second"))
	require.NoError(t, err)
	require.False(t, bytes.HasPrefix(second, snappyIdentifier))
	recv := newSnappyCodec(false, 0)
	for _, tc := range []struct {
		wire []byte
		want string
	}{
		{first, "first"},
		{second, "second"},
		{append(append([]byte(nil), snappyIdentifier...), second...), "second"},
		{append([]byte{snappyChunkPadding, 3, 0, 0, 1, 2, 3}, second...), "second"},
		{append(append([]byte{0x80, 1, 0, 0, 9}, second...), snappyIdentifier...), "second"},
		{nil, ""},
	} {
		got, err := readAllChunks(recv, tc.wire, 7)
		require.NoError(t, err)
		assert.Equal(t, tc.want, string(got))
	}
}

func TestExtCodecInvalidData(t *testing.T) {
	good, err := newSnappyCodec(true, 0).compress(nil, bytes.Repeat([]byte("abc"), 100))
	require.NoError(t, err)
	badCRC := bytes.Clone(good)
	badCRC[len(snappyIdentifier)+4] ^= 1
	tests := []struct {
		name string
		kind int // index into extCodecs
		wire []byte
	}{
		{"snappy truncated header", 0, good[:len(snappyIdentifier)+2]},
		{"snappy truncated chunk", 0, good[:len(good)-1]},
		{"snappy bad checksum", 0, badCRC},
		{"snappy bad identifier", 0, []byte{0xff, 6, 0, 0, 's', 'N', 'a', 'P', 'p', 'X'}},
		{"snappy identifier size", 0, []byte{0xff, 5, 0, 0, 's', 'N', 'a', 'P', 'p'}},
		{"snappy reserved unskippable", 0, []byte{0x02, 0, 0, 0}},
		{"snappy chunk without checksum", 0, []byte{0x01, 3, 0, 0, 1, 2, 3}},
		{"snappy stored chunk too big", 0, append([]byte{0x01, 5, 0, 1}, make([]byte, 65541)...)},
		{"snappy compressed chunk too big", 0, []byte{0x00, 0xff, 0xff, 0xff}},
		{"snappy block decodes past 64 KiB", 0, []byte{0x00, 8, 0, 0, 0, 0, 0, 0, 0x81, 0x80, 0x04, 0}},
		{"snappy corrupt block", 0, []byte{0x00, 7, 0, 0, 0, 0, 0, 0, 5, 0xff, 0xff}},
		{"brotli garbage", 1, []byte("this is not brotli at all")},
		{"brotli truncated", 1, brotliBytes(t, bytes.Repeat([]byte("truncated "), 1000))[:20]},
		{"brotli data after the stream", 1, append(brotliBytes(t, []byte("hello")), 1, 2, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := extCodecs[tt.kind].make(true)
			defer c.close()
			_, err := readAllChunks(c, tt.wire, 4096)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidCompressedData)
			// The codec is usable for the next message.
			wire, err := extCodecs[tt.kind].make(true).compress(nil, []byte("next message"))
			require.NoError(t, err)
			got, err := readAllChunks(c, wire, 5)
			require.NoError(t, err)
			assert.Equal(t, "next message", string(got))
		})
	}
}

func brotliBytes(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w := brotli.NewWriterLevel(&b, 1)
	_, err := w.Write(p)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

// The transport's error (or the engine's limit) comes out as is, not as
// invalid data.
func TestExtCodecSourceErrorPassedThrough(t *testing.T) {
	for _, kind := range extCodecs {
		t.Run(kind.name, func(t *testing.T) {
			c := kind.make(true)
			defer c.close()
			wire, err := kind.make(true).compress(nil, bytes.Repeat([]byte("passed through "), 10000))
			require.NoError(t, err)
			r := c.decompressReader(&failingReader{data: wire[:len(wire)/2]})
			_, err = io.ReadAll(r)
			require.ErrorIs(t, err, errTransport)
			assert.NotErrorIs(t, err, ErrInvalidCompressedData)
		})
	}
}

// A decompression bomb is decoded only as far as it is read: 2 MiB of
// zeros (a few KiB compressed) followed by 256 KiB of random bytes (as
// many compressed); reading the first 1 MiB of output consumes only the
// start of the input, at most one read buffer of the decoder more.
func TestExtCodecBombStopsEarly(t *testing.T) {
	tail := make([]byte, 256<<10)
	rand.New(rand.NewSource(5)).Read(tail)
	msg := append(make([]byte, 2<<20), tail...)
	for _, kind := range extCodecs {
		t.Run(kind.name, func(t *testing.T) {
			send, recv := kind.make(true), kind.make(true)
			defer send.close()
			defer recv.close()
			comp := streamCompress(t, send, msg, 64<<10)
			const limit = 1 << 20
			src := &countingReader{r: bytes.NewReader(comp)}
			r := recv.decompressReader(src)
			buf := make([]byte, 4096)
			total := 0
			for total <= limit {
				n, err := r.Read(buf)
				require.NoError(t, err)
				total += n
			}
			recv.endMessage()
			t.Logf("read %d bytes of output consuming %d of %d compressed bytes", total, src.n, len(comp))
			assert.Less(t, src.n, len(comp)/4, "only the start of the bomb is consumed")
		})
	}
}

func TestExtCodecShouldCompress(t *testing.T) {
	assert.False(t, newSnappyCodec(false, DefaultSnappyThreshold).shouldCompress(DefaultSnappyThreshold-1))
	assert.True(t, newSnappyCodec(false, DefaultSnappyThreshold).shouldCompress(DefaultSnappyThreshold))
	assert.True(t, newSnappyCodec(false, threshold(-1, DefaultSnappyThreshold)).shouldCompress(0))
	b := newBrotliCodec(BrotliOptions{Threshold: 500})
	assert.False(t, b.shouldCompress(499))
	assert.True(t, b.shouldCompress(500))
	assert.False(t, newBrotliCodec(BrotliOptions{}).shouldCompress(DefaultBrotliThreshold-1))
}

// An abandoned streamed brotli message leaks nothing into the next one.
func TestBrotliAbandonedStream(t *testing.T) {
	c := newBrotliCodec(BrotliOptions{})
	var junk bytes.Buffer
	w := c.compressWriter(&junk)
	_, err := w.Write([]byte("never finished"))
	require.NoError(t, err)
	var out bytes.Buffer
	w = c.compressWriter(&out)
	_, err = w.Write([]byte("second"))
	require.NoError(t, err)
	require.NoError(t, w.(interface{ Flush() error }).Flush())
	require.NoError(t, w.Close())
	got, err := readAllChunks(newBrotliCodec(BrotliOptions{}), out.Bytes(), 3)
	require.NoError(t, err)
	assert.Equal(t, "second", string(got))
}

func FuzzSnappyDecode(f *testing.F) {
	c := newSnappyCodec(false, 0)
	for _, p := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte("ab"), 40000)} {
		w, _ := c.compress(nil, p)
		f.Add(w)
	}
	f.Add([]byte{0x00, 8, 0, 0, 0, 0, 0, 0, 0x81, 0x80, 0x04, 0})
	f.Fuzz(func(t *testing.T, wire []byte) {
		recv := newSnappyCodec(false, 0)
		out, err := readAllChunks(recv, wire, 1000)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidCompressedData)
		}
		// Output per chunk is bounded: at most 64 KiB per 4 input bytes.
		assert.LessOrEqual(t, len(out), (len(wire)/4+1)*snappyMaxChunk)
		recv.close()
	})
}

func FuzzBrotliDecode(f *testing.F) {
	for _, p := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte("ab"), 40000)} {
		f.Add(brotliBytes(f, p))
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		recv := newBrotliCodec(BrotliOptions{})
		r := recv.decompressReader(bytes.NewReader(wire))
		buf := make([]byte, 4096)
		total := 0
		for total < 8<<20 { // bounded, as the engine's limit would be
			n, err := r.Read(buf)
			total += n
			if err == io.EOF {
				break
			}
			if err != nil {
				// Invalid data, or a window larger than MaxWindowBits
				// (refused with 1009 before the decoder sees it).
				var pe *protocolError
				if errors.As(err, &pe) {
					require.Equal(t, CloseMessageTooBig, pe.code, "error %v", err)
					require.Greater(t, brotliWindowBits(wire[0]), DefaultBrotliMaxWindowBits)
				} else {
					require.ErrorIs(t, err, ErrInvalidCompressedData)
				}
				break
			}
		}
		recv.close()
	})
}
