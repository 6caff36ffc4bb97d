package ws

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCompressedPayloadsOwned: compressed messages are inflated into a
// pooled buffer; what the application gets must be its own copy, intact
// after later messages reused the buffer (callback and blocking mode,
// messages below and above the blocking piece size).
func TestCompressedPayloadsOwned(t *testing.T) {
	sizes := []int{0, 1, 100, 5000, readChunk - 1, readChunk, readChunk + 1, 3*readChunk + 7, 300 << 10}
	for _, blocking := range []bool{false, true} {
		t.Run(fmt.Sprintf("blocking=%t", blocking), func(t *testing.T) {
			codec := newDeflateCodec(deflateParams{recvWindowBits: 15, sendWindowBits: 15, level: 1})
			a, b := tcpPair(t)
			o := testOpts()
			var h *recHandler
			var hd Handler
			if !blocking {
				h = newRec()
				hd = h
			}
			c := engine(t, a, true, o, hd, codec)
			p := newPeer(t, b, true)
			want := make([][]byte, 0, 2*len(sizes))
			for round := range 2 {
				for _, n := range sizes {
					msg := seqBytes(n, byte(round*len(sizes)+len(want)))
					want = append(want, msg)
				}
			}
			var wire []byte
			for _, msg := range want {
				wire = append(wire, encode(OpBinary, true, rsv1, deflate(t, msg), true)...)
			}
			sent := make(chan error, 1)
			go func() {
				_, err := p.c.Write(wire) // meanwhile the test reads
				sent <- err
			}()
			defer func() {
				select {
				case err := <-sent:
					assert.NoError(t, err)
				case <-time.After(testTimeout):
					t.Error("the peer's write did not finish")
				}
			}()
			got := make([][]byte, 0, len(want))
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			for range want {
				if blocking {
					_, m, err := c.ReadMessage(ctx)
					require.NoError(t, err)
					got = append(got, m)
				} else {
					got = append(got, h.nextMsg(t).payload)
				}
			}
			for i := range want {
				assert.True(t, bytes.Equal(want[i], got[i]), "message %d (%d bytes) changed after later messages", i, len(want[i]))
			}
		})
	}
}

// TestReaderHandedOutIsNotReused: after a ReadMessage interrupted by ctx,
// NextReader hands the message out; a later ReadMessage must not reuse
// that reader, so it goes on reporting the end of its own message.
func TestReaderHandedOutIsNotReused(t *testing.T) {
	c, p := blockingServer(t)
	p.send(OpBinary, false, seqBytes(readChunk+10, 1))
	_, _, err := c.ReadMessage(shortCtx(t, 200*time.Millisecond))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	p.send(OpContinuation, true, []byte("end"))
	_, r, err := c.NextReader(shortCtx(t, testTimeout))
	require.NoError(t, err)
	first, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Len(t, first, readChunk+13)

	p.send(OpBinary, true, []byte("second"))
	_, m, err := c.ReadMessage(shortCtx(t, testTimeout))
	require.NoError(t, err)
	assert.Equal(t, "second", string(m))
	n, err := r.Read(make([]byte, 10))
	assert.Zero(t, n)
	assert.ErrorIs(t, err, io.EOF, "the old reader stays at the end of its message")
}
