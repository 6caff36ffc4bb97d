package ws

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// brotliWindowBytes compresses p with a window of lgwin bits.
func brotliWindowBytes(t testing.TB, p []byte, lgwin int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: 5, LGWin: lgwin})
	_, err := w.Write(p)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

// The window size is read from the stream's first byte as RFC 7932 9.1
// encodes it, and agrees with what the encoder wrote for every window.
func TestBrotliWindowBits(t *testing.T) {
	spec := []struct {
		b    byte
		bits int
	}{
		{0b0000_0000, 16}, {0b1111_1110, 16}, // first bit 0
		{0b0000_0011, 18}, {0b0000_1101, 23}, {0b0000_1111, 24}, {0b1111_1111, 24},
		{0b0000_0001, 17},                    // 1, 000, 000
		{0b0001_0001, -1},                    // 1, 000, 001: large window, reserved
		{0b0010_0001, 10}, {0b0111_0001, 15}, // 1, 000, m: 8+m
	}
	for _, tt := range spec {
		assert.Equal(t, tt.bits, brotliWindowBits(tt.b), "byte %08b", tt.b)
	}
	msg := bytes.Repeat([]byte("window bits "), 4000)
	for lgwin := 10; lgwin <= 24; lgwin++ {
		wire := brotliWindowBytes(t, msg, lgwin)
		assert.Equal(t, lgwin, brotliWindowBits(wire[0]), "lgwin %d", lgwin)
	}
}

// A stream declaring a window above MaxWindowBits fails with 1009 before
// the decoder allocates it; up to the limit it decodes.
func TestBrotliWindowLimit(t *testing.T) {
	msg := bytes.Repeat([]byte("a window we did not agree to pay for "), 2000)
	tests := []struct {
		max, lgwin int
		ok         bool
	}{
		{0, 22, true}, {0, 23, false}, {0, 24, false}, {0, 16, true},
		{24, 24, true}, {12, 13, false}, {12, 12, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("max=%d/lgwin=%d", tt.max, tt.lgwin), func(t *testing.T) {
			c := newBrotliCodec(BrotliOptions{MaxWindowBits: tt.max})
			defer c.close()
			got, err := readAllChunks(c, brotliWindowBytes(t, msg, tt.lgwin), 4096)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, msg, got)
				return
			}
			var pe *protocolError
			require.True(t, errors.As(err, &pe), "error %v", err)
			assert.Equal(t, CloseMessageTooBig, pe.code)
			assert.Empty(t, got)
		})
	}
	require.Error(t, BrotliOptions{MaxWindowBits: 9}.check())
	require.Error(t, BrotliOptions{MaxWindowBits: 25}.check())
}

// Over the wire: the server closes with 1009 on a 24-bit window and goes
// on serving messages within the limit on other connections.
func TestBrotliWindowLimitEndToEnd(t *testing.T) {
	srv := pmdServer(t, nil, func(o *Options) { o.Extensions = []Extension{BrotliExtension(nil)} })
	p, ext := pmdDialRaw(t, srv, "permessage-brotli")
	require.True(t, strings.HasPrefix(ext, "permessage-brotli"), ext)
	p.frame(OpBinary, true, 4, brotliWindowBytes(t, make([]byte, 1<<20), 24))
	p.expectClose(CloseMessageTooBig)

	q, _ := pmdDialRaw(t, srv, "permessage-brotli")
	q.frame(OpBinary, true, 4, brotliWindowBytes(t, []byte("fine"), 22))
	f, err := q.read()
	require.NoError(t, err)
	got, err := readAllChunks(newBrotliCodec(BrotliOptions{}), f.payload, 4096)
	if f.rsv == 0 {
		got, err = f.payload, nil // sent back uncompressed (below the threshold)
	}
	require.NoError(t, err)
	assert.Equal(t, []byte("fine"), got)
}
