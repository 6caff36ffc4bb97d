package ws

import (
	"bytes"
	stdflate "compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// codecPair returns a sender using p and a receiver set up as its peer.
func codecPair(p deflateParams) (send, recv *deflateCodec) {
	q := p
	q.recvNoTakeover, q.recvWindowBits = p.sendNoTakeover, p.sendWindowBits
	return newDeflateCodec(p), newDeflateCodec(q)
}

// inflateAll reads one compressed message through the codec in small chunks.
func inflateAll(c *deflateCodec, msg []byte, chunk int) ([]byte, error) {
	r := c.decompressReader(bytes.NewReader(msg))
	defer c.endMessage()
	var out []byte
	buf := make([]byte, chunk)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// stdInflate decodes with the standard library's independent inflater,
// given the history a context-takeover receiver would have.
func stdInflate(t *testing.T, msg, dict []byte) []byte {
	t.Helper()
	r := stdflate.NewReaderDict(io.MultiReader(bytes.NewReader(msg), bytes.NewReader(pmdTail)), dict)
	out, err := io.ReadAll(r)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF) // the stream goes on: no final block
	return out
}

func testMessages(rng *rand.Rand) [][]byte {
	var msgs [][]byte
	words := strings.Fields("the quick brown fox jumps over the lazy dog autobahn websocket deflate context window")
	for i := 0; i < 40; i++ {
		var b strings.Builder
		n := rng.Intn(3000)
		if i%10 == 3 {
			n = 70000 + rng.Intn(5000) // spans several deflate blocks and windows
		}
		for b.Len() < n {
			b.WriteString(words[rng.Intn(len(words))])
			b.WriteByte(' ')
		}
		msg := []byte(b.String())
		if i%7 == 5 { // incompressible
			msg = make([]byte, rng.Intn(5000))
			rng.Read(msg)
		}
		if i%13 == 0 {
			msg = nil
		}
		msgs = append(msgs, msg)
	}
	return msgs
}

func TestCodecRoundTrip(t *testing.T) {
	modes := []struct {
		name       string
		noTakeover bool
		history    int
	}{{"takeover", false, 0}, {"history1000", false, 1000}, {"history32k", false, 32768}, {"none", true, 0}}
	for _, mode := range modes {
		noTakeover := mode.noTakeover
		for bits := MinDeflateWindowBits; bits <= MaxDeflateWindowBits; bits++ {
			for _, level := range []int{1, 5, 9} {
				if bits < MaxDeflateWindowBits && level != 1 {
					continue // the windowed encoder ignores the level
				}
				name := fmt.Sprintf("%s/bits=%d/level=%d", mode.name, bits, level)
				t.Run(name, func(t *testing.T) {
					p := deflateParams{sendNoTakeover: noTakeover, sendWindowBits: bits, level: level}
					p.setCommon(&DeflateOptions{Level: level, TakeoverHistory: mode.history})
					send, recv := codecPair(p)
					defer send.close()
					defer recv.close()
					rng := rand.New(rand.NewSource(int64(bits)))
					var history []byte // what a takeover receiver has seen
					for i, msg := range testMessages(rng) {
						comp, err := send.compress(nil, msg)
						require.NoError(t, err)
						var dict []byte
						if !noTakeover {
							dict = history[max(0, len(history)-(1<<bits)):]
						}
						require.Equal(t, len(msg), len(stdInflate(t, comp, dict)), "message %d by compress/flate", i)
						got, err := inflateAll(recv, comp, 1+rng.Intn(5000))
						require.NoError(t, err)
						require.True(t, bytes.Equal(msg, got), "message %d", i)
						history = append(history, msg...)
						if i%3 == 0 { // the streamed writer shares the context
							var out bytes.Buffer
							w := send.compressWriter(&out)
							for rest := msg; len(rest) > 0; {
								n := min(len(rest), 1+rng.Intn(9000))
								_, err := w.Write(rest[:n])
								require.NoError(t, err)
								rest = rest[n:]
							}
							require.NoError(t, w.Close())
							got, err := inflateAll(recv, out.Bytes(), 1000)
							require.NoError(t, err)
							require.True(t, bytes.Equal(msg, got), "message %d streamed", i)
							history = append(history, msg...)
						}
					}
				})
			}
		}
	}
}

func TestCodecContextTakeoverShrinksRepeats(t *testing.T) {
	msg := []byte(strings.Repeat("a fairly random sentence 12345, ", 3) + "unique tail qwertyuiop")
	for _, history := range []int{-1, 0, 4096} {
		noTakeover := history < 0
		p := deflateParams{sendNoTakeover: noTakeover, sendWindowBits: 15, level: 1}
		p.setCommon(&DeflateOptions{TakeoverHistory: history})
		send, recv := codecPair(p)
		first, err := send.compress(nil, msg)
		require.NoError(t, err)
		first = append([]byte(nil), first...)
		second, err := send.compress(nil, msg)
		require.NoError(t, err)
		if noTakeover {
			assert.Equal(t, first, second, "without takeover each message stands alone")
		} else {
			assert.Less(t, len(second), len(first)/2, "with takeover the repeat refers back")
		}
		for _, m := range [][]byte{first, second} {
			got, err := inflateAll(recv, m, 7)
			require.NoError(t, err)
			assert.Equal(t, msg, got)
		}
		// Only the live-compressor mode keeps a compressor between messages.
		assert.Equal(t, history == 0, send.fw != nil, "history %d", history)
		assert.Equal(t, history > 0, len(send.shist) > 0, "history %d", history)
	}
}

// A writer primed with one connection's history and pooled again must not
// carry that history into another connection's message.
func TestCodecPooledWriterForgetsHistory(t *testing.T) {
	secret := []byte(strings.Repeat("private history of connection A. ", 20))
	for i := 0; i < 20; i++ {
		pa := deflateParams{sendWindowBits: 15, level: 1}
		pa.setCommon(&DeflateOptions{TakeoverHistory: 8192})
		a := newDeflateCodec(pa)
		_, err := a.compress(nil, secret)
		require.NoError(t, err)
		_, err = a.compress(nil, secret) // primed with secret, then pooled
		require.NoError(t, err)
		b := newDeflateCodec(deflateParams{sendNoTakeover: true, sendWindowBits: 15, level: 1})
		comp, err := b.compress(nil, secret)
		require.NoError(t, err)
		assert.Equal(t, secret, stdInflate(t, comp, nil), "connection B's message stands alone")
	}
}

func TestAppendWindow(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, w := range []int{256, 1000, 32768} {
		var buf, all []byte
		for i := 0; i < 300; i++ {
			p := make([]byte, rng.Intn(w/3+1))
			if i%50 == 7 {
				p = make([]byte, w+rng.Intn(10))
			}
			rng.Read(p)
			buf = appendWindow(buf, p, w)
			all = append(all, p...)
			want := all[max(0, len(all)-w):]
			require.True(t, bytes.HasSuffix(buf, want) && len(buf) <= w+w/4 && len(buf) >= len(want), "w=%d step %d", w, i)
		}
		assert.LessOrEqual(t, cap(buf), 2*w)
	}
}

// The negotiated window is honoured: a repeat further back than 2^bits is
// not matched, a closer one is.
func TestCodecWindowBitsHonoured(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	words := strings.Fields("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda")
	for bits := MinDeflateWindowBits; bits <= MaxDeflateWindowBits; bits++ {
		window := 1 << bits
		block, other := make([]byte, min(200, window/4)), make([]byte, min(200, window/4))
		for i := range block { // bytes >= 128: never part of the gap's text
			block[i], other[i] = byte(128+rng.Intn(128)), byte(128+rng.Intn(128))
		}
		var gap []byte
		for len(gap) < window+10 {
			gap = append(append(gap, words[rng.Intn(len(words))]...), ' ')
		}
		send, recv := codecPair(deflateParams{sendNoTakeover: true, sendWindowBits: bits, level: 1})
		// size compresses block + gap + second; the repeat is at distance
		// len(block)+gapLen.
		size := func(gapLen int, second []byte) int {
			msg := append(append(append([]byte(nil), block...), gap[:gapLen]...), second...)
			comp, err := send.compress(nil, msg)
			require.NoError(t, err)
			got, err := inflateAll(recv, comp, 512)
			require.NoError(t, err)
			require.Equal(t, msg, got)
			return len(comp)
		}
		farGap := window + 10 - len(block)  // distance window+10: out of reach
		nearGap := window - 10 - len(block) // distance window-10: in reach
		assert.InDelta(t, size(farGap, other), size(farGap, block), float64(len(block)/4),
			"bits=%d: a repeat beyond the window is not matched", bits)
		assert.Less(t, size(nearGap, block), size(nearGap, other)-len(block)/2,
			"bits=%d: a repeat within the window is matched", bits)
	}
}

// A receiver keeps only the negotiated window of history: a sender
// referring further back is rejected instead of silently decoded.
func TestCodecReceiveWindowEnforced(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	first := make([]byte, 4000)
	rng.Read(first)
	send := newDeflateCodec(deflateParams{sendWindowBits: 15, level: 1})
	recv := newDeflateCodec(deflateParams{recvWindowBits: 9, level: 1})
	c1, err := send.compress(nil, first)
	require.NoError(t, err)
	got, err := inflateAll(recv, c1, 100)
	require.NoError(t, err)
	require.Equal(t, first, got)
	c2, err := send.compress(nil, first[:300]) // refers 4000 bytes back
	require.NoError(t, err)
	_, err = inflateAll(recv, c2, 100)
	require.ErrorIs(t, err, ErrInvalidCompressedData)
}

func TestShouldCompress(t *testing.T) {
	tests := []struct {
		threshold int
		n         int
		want      bool
	}{
		{0, 0, false}, {0, DefaultDeflateThreshold - 1, false}, {0, DefaultDeflateThreshold, true},
		{-1, 0, true}, {-1, 1, true}, {10, 9, false}, {10, 10, true}, {10, 1 << 20, true},
	}
	for _, tt := range tests {
		var p deflateParams
		p.setCommon(&DeflateOptions{Threshold: tt.threshold})
		assert.Equal(t, tt.want, newDeflateCodec(p).shouldCompress(tt.n), "threshold %d n %d", tt.threshold, tt.n)
	}
}

func TestCodecEmptyMessage(t *testing.T) {
	send, recv := codecPair(deflateParams{sendWindowBits: 15, level: 1})
	comp, err := send.compress([]byte("prefix"), nil)
	require.NoError(t, err)
	assert.Equal(t, []byte("prefix\x00"), comp, "an empty message is a single 00 (RFC 7692 7.2.3.6)")
	got, err := inflateAll(recv, comp[len("prefix"):], 10)
	require.NoError(t, err)
	assert.Empty(t, got)
	got, err = inflateAll(recv, nil, 10) // no bytes at all: also empty
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestCodecStreamFlush(t *testing.T) {
	send, recv := codecPair(deflateParams{sendWindowBits: 15, level: 1})
	var out bytes.Buffer
	w := send.compressWriter(&out)
	_, err := w.Write([]byte("hello "))
	require.NoError(t, err)
	require.NoError(t, w.(interface{ Flush() error }).Flush())
	// What was flushed so far inflates to what was written so far.
	r := stdflate.NewReader(bytes.NewReader(append(append([]byte(nil), out.Bytes()...), pmdTail...)))
	part := make([]byte, 100)
	n, _ := io.ReadAtLeast(r, part, 6)
	assert.Equal(t, "hello ", string(part[:n]))
	_, err = w.Write([]byte("world"))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "Close twice is harmless")
	_, err = w.Write([]byte("x"))
	require.Error(t, err)
	got, err := inflateAll(recv, out.Bytes(), 3)
	require.NoError(t, err)
	assert.Equal(t, "hello world", string(got))
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A decompression bomb is inflated only as far as it is read: stopping at
// the limit leaves most of the compressed message unread.
func TestCodecBombStopsEarly(t *testing.T) {
	send, recv := codecPair(deflateParams{sendNoTakeover: true, sendWindowBits: 15, level: 1})
	var comp []byte
	var err error
	w := send.compressWriter(writerFunc(func(p []byte) (int, error) { comp = append(comp, p...); return len(p), nil }))
	zeros := make([]byte, 1<<20)
	for i := 0; i < 128; i++ { // 128 MiB of zeros
		_, err = w.Write(zeros)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	t.Logf("128 MiB of zeros compress to %d bytes", len(comp))

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
	assert.Less(t, src.n, 16<<10, "only the start of the bomb is consumed")
	assert.Less(t, src.n, len(comp)/10)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestCodecInvalidData(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"reserved block type", []byte{0xff, 0xff, 0xff}},
		{"bad stored length", []byte{0x00, 0x05, 0x00, 0x00, 0x00}},
		{"distance before start", []byte{0x63, 0x00, 0x42, 0x00}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := newDeflateCodec(deflateParams{recvWindowBits: 15})
			_, err := inflateAll(recv, tt.data, 100)
			require.ErrorIs(t, err, ErrInvalidCompressedData)
			// The codec is usable again for the next message (no takeover
			// state is corrupted by a failed one: the connection fails anyway,
			// but pooled inflaters must come back clean).
			send := newDeflateCodec(deflateParams{sendNoTakeover: true, sendWindowBits: 15, level: 1})
			comp, err := send.compress(nil, []byte("ok"))
			require.NoError(t, err)
			fresh := newDeflateCodec(deflateParams{recvNoTakeover: true, recvWindowBits: 15})
			got, err := inflateAll(fresh, comp, 100)
			require.NoError(t, err)
			assert.Equal(t, "ok", string(got))
		})
	}
}

var errTransport = errors.New("transport broke")

type failingReader struct{ data []byte }

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errTransport
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestCodecSourceErrorPassedThrough(t *testing.T) {
	send, recv := codecPair(deflateParams{sendWindowBits: 15, level: 1})
	comp, err := send.compress(nil, bytes.Repeat([]byte("abc"), 10000))
	require.NoError(t, err)
	r := recv.decompressReader(&failingReader{data: comp[:len(comp)/2]})
	_, err = io.ReadAll(r)
	require.ErrorIs(t, err, errTransport)
	assert.NotErrorIs(t, err, ErrInvalidCompressedData)
	recv.endMessage()
}

// A message ending with a final (BFINAL) block is accepted, with the one
// byte RFC 7692 §7.2.1 may leave after it; more data after it is an error.
func TestCodecFinalBlock(t *testing.T) {
	finalBlock := func(trailer string) []byte {
		var b bytes.Buffer
		fw, err := flate.NewWriter(&b, 5)
		require.NoError(t, err)
		_, err = fw.Write([]byte("final block message"))
		require.NoError(t, err)
		require.NoError(t, fw.Close())
		b.WriteString(trailer)
		return b.Bytes()
	}
	recv := newDeflateCodec(deflateParams{recvWindowBits: 15})
	for _, trailer := range []string{"", "\x00"} {
		got, err := inflateAll(recv, finalBlock(trailer), 4)
		require.NoError(t, err)
		assert.Equal(t, "final block message", string(got))
	}
	// The history carries over into the next message.
	send := newDeflateCodec(deflateParams{sendWindowBits: 15, level: 1})
	_, err := send.compress(nil, []byte("final block message"))
	require.NoError(t, err)
	comp, err := send.compress(nil, []byte("final block message"))
	require.NoError(t, err)
	got, err := inflateAll(recv, comp, 4)
	require.NoError(t, err)
	assert.Equal(t, "final block message", string(got))

	_, err = inflateAll(recv, finalBlock("junk after the final block"), 4)
	require.ErrorIs(t, err, ErrInvalidCompressedData)
}

// A streamed message the engine abandoned does not leak into the next one.
func TestCodecAbandonedStream(t *testing.T) {
	for _, noTakeover := range []bool{false, true} {
		send, recv := codecPair(deflateParams{sendNoTakeover: noTakeover, sendWindowBits: 15, level: 1})
		var sink bytes.Buffer
		w := send.compressWriter(&sink)
		_, err := w.Write([]byte(strings.Repeat("abandoned ", 100)))
		require.NoError(t, err) // never closed
		comp, err := send.compress(nil, []byte("next message"))
		require.NoError(t, err)
		assert.Equal(t, "next message", string(stdInflate(t, comp, nil)))
		got, err := inflateAll(recv, comp, 100)
		require.NoError(t, err)
		assert.Equal(t, "next message", string(got))
	}
}

func TestCodecCloseReleases(t *testing.T) {
	send, recv := codecPair(deflateParams{sendWindowBits: 15, level: 1})
	comp, err := send.compress(nil, []byte(strings.Repeat("x", 1000)))
	require.NoError(t, err)
	require.NotNil(t, send.fw)
	_ = recv.decompressReader(bytes.NewReader(comp)) // abandoned mid-message
	require.NotNil(t, recv.rd.inf)
	send.close()
	recv.close()
	recv.close()
	assert.Nil(t, send.fw)
	assert.Nil(t, recv.rd.inf)
	assert.Nil(t, recv.hist)
}

// FuzzInflate feeds arbitrary bytes as a compressed message: never a panic,
// output bounded by what is read, and a clean end or a wrapped error.
func FuzzInflate(f *testing.F) {
	send := newDeflateCodec(deflateParams{sendWindowBits: 15, level: 1})
	for _, s := range []string{"", "hello", strings.Repeat("abc", 1000)} {
		c, _ := send.compress(nil, []byte(s))
		f.Add(append([]byte(nil), c...), false)
	}
	f.Add([]byte{0xff}, true)
	f.Add([]byte{0x00, 0x00, 0xff, 0xff}, true)
	f.Fuzz(func(t *testing.T, data []byte, takeover bool) {
		const limit = 1 << 20
		recv := newDeflateCodec(deflateParams{recvNoTakeover: !takeover, recvWindowBits: 15})
		defer recv.close()
		for msg := 0; msg < 2; msg++ {
			r := recv.decompressReader(bytes.NewReader(data))
			buf := make([]byte, 4096)
			total := 0
			for {
				n, err := r.Read(buf)
				if n < 0 || n > len(buf) {
					t.Fatalf("bad count %d", n)
				}
				total += n
				if err == io.EOF {
					break
				}
				if err != nil {
					if !errors.Is(err, ErrInvalidCompressedData) {
						t.Fatalf("unexpected error %v", err)
					}
					break
				}
				if total > limit {
					break // the engine stops here with 1009
				}
			}
			recv.endMessage()
		}
	})
}

// FuzzDeflateRoundTrip: whatever we compress, we inflate back.
func FuzzDeflateRoundTrip(f *testing.F) {
	f.Add([]byte("hello hello hello"), uint8(15), false)
	f.Add([]byte{}, uint8(8), true)
	f.Fuzz(func(t *testing.T, payload []byte, bits uint8, noTakeover bool) {
		b := MinDeflateWindowBits + int(bits)%8
		send, recv := codecPair(deflateParams{sendNoTakeover: noTakeover, sendWindowBits: b, level: 1})
		for i := 0; i < 2; i++ {
			comp, err := send.compress(nil, payload)
			if err != nil {
				t.Fatal(err)
			}
			got, err := inflateAll(recv, comp, 100)
			if err != nil || !bytes.Equal(got, payload) {
				t.Fatalf("round trip failed: %v", err)
			}
		}
	})
}

// A peer that agreed to an 8-bit window but compresses with zlib's 9 (512
// bytes) is still understood across messages.
func TestCodecReceiveWindow8AcceptsZlib9(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	first := make([]byte, 400)
	rng.Read(first)
	send := newDeflateCodec(deflateParams{sendWindowBits: 9, level: 1})
	recv := newDeflateCodec(deflateParams{recvWindowBits: 8})
	for _, msg := range [][]byte{first, first[:100]} { // the second refers 400 bytes back
		comp, err := send.compress(nil, msg)
		require.NoError(t, err)
		got, err := inflateAll(recv, comp, 64)
		require.NoError(t, err)
		require.Equal(t, msg, got)
	}
}
