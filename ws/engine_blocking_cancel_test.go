package ws

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockingServer is a blocking-mode server engine with a raw client peer.
func blockingServer(t *testing.T) (*Conn, *rawPeer) {
	t.Helper()
	a, b := tcpPair(t)
	c := engine(t, a, true, testOpts(), nil, nil)
	return c, newPeer(t, b, true)
}

// seqBytes is n bytes that differ along the message (a lost or repeated
// piece shows), in ASCII.
func seqBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte((i/7+int(seed))%26) // ASCII: valid as text
	}
	return b
}

func shortCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestReadMessageCancelledMidMessage: a ReadMessage whose ctx ends after
// part of a message was handed over loses nothing; the next ReadMessage
// returns the whole message, however often it was interrupted.
func TestReadMessageCancelledMidMessage(t *testing.T) {
	c, p := blockingServer(t)
	// More than readChunk in the first frame: a piece reaches the reader
	// before the message is complete.
	parts := [][]byte{seqBytes(readChunk+8000, 1), seqBytes(50000, 2), seqBytes(3, 3)}
	want := bytes.Join(parts, nil)

	p.send(OpBinary, false, parts[0])
	_, _, err := c.ReadMessage(shortCtx(t, 300*time.Millisecond))
	require.ErrorIs(t, err, context.DeadlineExceeded)

	p.send(OpContinuation, false, parts[1])
	_, _, err = c.ReadMessage(shortCtx(t, 300*time.Millisecond))
	require.ErrorIs(t, err, context.DeadlineExceeded, "interrupted again: the message is not complete")

	p.send(OpContinuation, true, parts[2])
	p.send(OpText, true, []byte("next"))
	ctx := shortCtx(t, testTimeout)
	isBin, got, err := c.ReadMessage(ctx)
	require.NoError(t, err)
	assert.True(t, isBin)
	assert.Equal(t, len(want), len(got))
	assert.True(t, bytes.Equal(want, got), "message corrupted")

	isBin, got, err = c.ReadMessage(ctx)
	require.NoError(t, err)
	assert.False(t, isBin)
	assert.Equal(t, "next", string(got))
}

// TestNextReaderAfterCancelledReadMessage: NextReader after an interrupted
// ReadMessage returns that message from its start.
func TestNextReaderAfterCancelledReadMessage(t *testing.T) {
	c, p := blockingServer(t)
	first, rest := seqBytes(readChunk+100, 5), seqBytes(1000, 6)
	p.send(OpText, false, first)
	_, _, err := c.ReadMessage(shortCtx(t, 300*time.Millisecond))
	require.ErrorIs(t, err, context.DeadlineExceeded)

	p.send(OpContinuation, true, rest)
	isBin, r, err := c.NextReader(shortCtx(t, testTimeout))
	require.NoError(t, err)
	assert.False(t, isBin)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(append(first, rest...), got), "message corrupted")
}

// TestAbandonedNextReaderIsDiscarded: the rest of a message whose reader
// was abandoned is discarded by the next call, also when that call's ctx
// ends while discarding; it is never returned as a message.
func TestAbandonedNextReaderIsDiscarded(t *testing.T) {
	tests := []struct {
		name   string
		cancel bool // the discarding call's ctx ends before the rest arrives
	}{
		{name: "rest already sent"},
		{name: "discarding call cancelled", cancel: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, p := blockingServer(t)
			p.send(OpBinary, false, seqBytes(readChunk+10, 1))
			_, r, err := c.NextReader(shortCtx(t, testTimeout))
			require.NoError(t, err)
			buf := make([]byte, 100)
			_, err = io.ReadFull(r, buf)
			require.NoError(t, err)

			if tc.cancel {
				_, _, err := c.ReadMessage(shortCtx(t, 300*time.Millisecond))
				require.ErrorIs(t, err, context.DeadlineExceeded)
			}
			p.send(OpContinuation, true, seqBytes(5000, 2))
			p.send(OpText, true, []byte("after"))
			isBin, got, err := c.ReadMessage(shortCtx(t, testTimeout))
			require.NoError(t, err)
			assert.False(t, isBin)
			assert.Equal(t, "after", string(got))
		})
	}
}
