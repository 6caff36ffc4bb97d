package ws

import (
	"bytes"
	stdflate "compress/flate"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// compressedFrames deflates msg as a permessage-deflate peer that
// sync-flushes after each chunk and sends each flush as one frame: frame i
// inflates to exactly chunks[i] bytes. The last frame's 00 00 ff ff tail is
// stripped (RFC 7692 §7.2.1).
func compressedFrames(t *testing.T, msg []byte, chunks []int) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := stdflate.NewWriter(&buf, stdflate.BestCompression)
	require.NoError(t, err)
	var frames [][]byte
	rest := msg
	for _, n := range chunks {
		_, err := w.Write(rest[:n])
		require.NoError(t, err)
		require.NoError(t, w.Flush())
		rest = rest[n:]
		frames = append(frames, append([]byte(nil), buf.Bytes()...))
		buf.Reset()
	}
	require.Empty(t, rest, "chunks must cover the message")
	last := frames[len(frames)-1]
	require.True(t, bytes.HasSuffix(last, deflateTail))
	frames[len(frames)-1] = last[:len(last)-len(deflateTail)]
	return frames
}

// TestFrameLimitAfterInflation: with permessage-deflate (the real codec),
// MaxFramePayloadSize limits what each frame inflates to, not only its
// wire length: a small compressed frame inflating past the limit fails
// with 1009, the same message in frames that each inflate to less passes.
func TestFrameLimitAfterInflation(t *testing.T) {
	const limit = 4096
	msg := []byte(fmt.Sprint(bytes.Repeat([]byte("inflate me, frame by frame; "), 400))) // 11200 bytes
	msg = msg[:10000]
	tests := []struct {
		name   string
		chunks []int
		ok     bool
	}{
		{name: "one frame over the limit", chunks: []int{10000}},
		{name: "frames under the limit", chunks: []int{4000, 4000, 2000}, ok: true},
		{name: "frames at the limit", chunks: []int{limit, limit, 10000 - 2*limit}, ok: true},
		{name: "many small frames", chunks: []int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, ok: true},
		// Frame 1 leaves 2096 bytes of its share unused; the next frame may
		// use them (output the inflater held back from frame 1 would be
		// charged to it), but not one byte more.
		{name: "middle frame over the limit by the unused share", chunks: []int{2000, 2*limit - 2000, 10000 - 2*limit}, ok: true},
		{name: "middle frame over the limit and the unused share", chunks: []int{2000, 2*limit - 2000 + 1, 10000 - 2*limit - 1}},
		{name: "first frame over the limit", chunks: []int{limit + 1, 10000 - limit - 1}},
		{name: "last frame over the limit", chunks: []int{3000, 7000}},
	}
	for _, blocking := range []bool{false, true} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("blocking=%t/%s", blocking, tc.name), func(t *testing.T) {
				frames := compressedFrames(t, msg, tc.chunks)
				for i, f := range frames {
					require.Less(t, len(f), limit, "frame %d must be under the limit on the wire", i)
				}
				o := testOpts()
				o.MaxFramePayloadSize = limit
				codec := newDeflateCodec(deflateParams{recvNoTakeover: true, recvWindowBits: 15, sendNoTakeover: true, sendWindowBits: 15, level: 1})
				a, b := tcpPair(t)
				var h *recHandler
				var hd Handler
				if !blocking {
					h = newRec()
					hd = h
				}
				c := engine(t, a, true, o, hd, codec)
				p := newPeer(t, b, true)
				for i, f := range frames {
					op, rsv := byte(OpContinuation), byte(0)
					if i == 0 {
						op, rsv = OpText, rsv1
					}
					p.sendRSV(op, i == len(frames)-1, rsv, f)
				}
				if !tc.ok {
					f := p.expectClose(CloseMessageTooBig)
					assert.Contains(t, string(f.payload[2:]), "frame limit")
					return
				}
				// An uncompressed message after it shows the connection is
				// still open and in step.
				p.send(OpText, true, []byte("after"))
				if blocking {
					ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
					defer cancel()
					isBin, got, err := c.ReadMessage(ctx)
					require.NoError(t, err)
					assert.False(t, isBin)
					assert.Equal(t, msg, got)
					_, got, err = c.ReadMessage(ctx)
					require.NoError(t, err)
					assert.Equal(t, "after", string(got))
				} else {
					assert.Equal(t, msg, h.nextMsg(t).payload)
					assert.Equal(t, "after", string(h.nextMsg(t).payload))
				}
			})
		}
	}
}

// TestFrameInflateLimitAllowance checks the accounting directly: output
// held back from one frame may be charged to the next within 32 KiB and
// the previous frame's unused share, never beyond.
func TestFrameInflateLimitAllowance(t *testing.T) {
	tests := []struct {
		name  string
		reads [][2]int // {frame, n}
		fail  int      // index of the read that must fail; -1 none
	}{
		{name: "within the limit", reads: [][2]int{{1, 100}, {1, 100}, {2, 200}}, fail: -1},
		{name: "one frame over", reads: [][2]int{{1, 150}, {1, 51}}, fail: 1},
		{name: "carry from a frame that used little", reads: [][2]int{{1, 50}, {2, 350}}, fail: -1},
		{name: "carry beyond the unused share", reads: [][2]int{{1, 50}, {2, 351}}, fail: 1},
		{name: "a full frame leaves no carry", reads: [][2]int{{1, 200}, {2, 201}}, fail: 1},
		{name: "empty frames in between", reads: [][2]int{{1, 200}, {4, 200}, {5, 200}}, fail: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := frameInflateLimit{max: 200}
			for i, rd := range tc.reads {
				err := l.count(rd[0], rd[1])
				if i == tc.fail {
					require.Error(t, err, "read %d", i)
					return
				}
				require.NoError(t, err, "read %d", i)
			}
			require.Equal(t, -1, tc.fail)
		})
	}
	// The allowance never exceeds the inflater's lag.
	l := frameInflateLimit{max: 1 << 20}
	require.NoError(t, l.count(1, 0))
	require.NoError(t, l.count(2, 1<<20+inflateLag))
	require.Error(t, l.count(2, 1))
	// capRead lets one read cross the limit by one byte at most.
	l = frameInflateLimit{max: 10}
	assert.Len(t, l.capRead(make([]byte, 100)), 11)
	assert.Len(t, (&frameInflateLimit{}).capRead(make([]byte, 100)), 100)
}
