package ws

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readMessageFrames reads the data frames of one message from p.
func readMessageFrames(t *testing.T, p *rawPeer) []frame {
	t.Helper()
	var fs []frame
	for {
		f := p.mustRead()
		if isControl(f.op) {
			continue
		}
		fs = append(fs, f)
		if f.fin {
			return fs
		}
	}
}

func frameSizes(fs []frame) []int {
	var n []int
	for _, f := range fs {
		n = append(n, len(f.payload))
	}
	return n
}

func TestSendMessageWithFragmentSize(t *testing.T) {
	tests := []struct {
		name string
		auto int
		so   SendOptions
		size int
		want []int
	}{
		{"no fragmentation", 0, SendOptions{}, 10, []int{10}},
		{"per call", 0, SendOptions{FragmentSize: 4}, 10, []int{4, 4, 2}},
		{"per call overrides auto", 3, SendOptions{FragmentSize: 5}, 10, []int{5, 5}},
		{"zero takes auto", 3, SendOptions{}, 7, []int{3, 3, 1}},
		{"negative: one frame despite auto", 3, SendOptions{FragmentSize: -1}, 7, []int{7}},
		{"fragment larger than message", 0, SendOptions{FragmentSize: 100}, 7, []int{7}},
		{"empty message", 0, SendOptions{FragmentSize: 4}, 0, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOpts()
			o.AutoFragmentSize = tt.auto
			c, _, p := serverWithPeer(t, o, nil)
			payload := bytes.Repeat([]byte("a"), tt.size)
			require.NoError(t, c.SendMessageWith(payload, true, tt.so))
			fs := readMessageFrames(t, p)
			assert.Equal(t, tt.want, frameSizes(fs))
			assert.Equal(t, OpBinary, fs[0].op)
			var got []byte
			for i, f := range fs[1:] {
				assert.Equal(t, OpContinuation, f.op, "frame %d", i+1)
				got = append(got, f.payload...)
			}
			assert.Equal(t, payload, append(append([]byte{}, fs[0].payload...), got...))
		})
	}
}

func TestSendMessageWithSkipCompress(t *testing.T) {
	c, _, p := serverWithPeer(t, nil, &flateCodec{})
	msg := bytes.Repeat([]byte("compressible "), 100)
	require.NoError(t, c.SendMessageWith(msg, false, SendOptions{}))
	f := p.mustRead()
	assert.Equal(t, byte(4), f.rsv, "compressed")
	assert.Equal(t, msg, inflate(t, f.payload))
	require.NoError(t, c.SendMessageWith(msg, false, SendOptions{SkipCompress: true, FragmentSize: 1000}))
	fs := readMessageFrames(t, p)
	assert.Equal(t, []int{1000, 300}, frameSizes(fs))
	assert.Equal(t, byte(0), fs[0].rsv, "not compressed")
}

func TestMaxOutgoingMessagePayloadSize(t *testing.T) {
	o := testOpts()
	o.MaxOutgoingMessagePayloadSize = 8
	c, _, p := serverWithPeer(t, o, nil)
	for _, send := range []func([]byte) error{
		func(b []byte) error { return c.SendMessage(b, false) },
		func(b []byte) error { return c.SendMessageWith(b, true, SendOptions{FragmentSize: 2}) },
		func(b []byte) error { return c.SendOutgoing(&OutgoingMessage{Payload: b}) },
	} {
		err := send([]byte("123456789"))
		require.Error(t, err)
		assert.True(t, errors.Is(err, ErrMessageTooBig), "%v", err)
		assert.Contains(t, err.Error(), "9 bytes")
	}
	// Nothing went out, the connection is open, the limit itself is fine.
	require.NoError(t, c.SendMessage([]byte("12345678"), false))
	f := p.mustRead()
	assert.Equal(t, "12345678", string(f.payload))
	assert.Equal(t, uint64(1), c.Stats().MessagesOut)
}

func TestFlushAndDropDeliversWhatIsBeingSent(t *testing.T) {
	o := testOpts()
	o.CloseHandshakeTimeout = 20 * time.Second // bounds the flush too; the peer closes first
	c, h, p := serverWithPeer(t, o, nil)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB: outlasts the socket buffers
	sent := make(chan error, 1)
	go func() { sent <- c.SendMessage(big, true) }()
	deadline := time.Now().Add(testTimeout)
	for len(c.msgSem) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, 1, len(c.msgSem), "the send did not start")
	require.NoError(t, c.FlushAndDrop())
	require.NoError(t, c.FlushAndDrop(), "a second call while under way does nothing")
	f := p.mustRead()
	assert.Equal(t, OpBinary, f.op)
	assert.True(t, bytes.Equal(big, f.payload), "the message in flight arrives whole")
	require.NoError(t, <-sent)
	assert.ErrorIs(t, c.SendMessage([]byte("late"), false), ErrClosed)
	p.expectEOF(0xFF) // then FIN, no close frame
	_ = p.c.Close()
	ci := h.waitClose(t)
	assert.False(t, ci.wasClean)
	assert.Equal(t, CloseAbnormal, ci.code)
	assert.Contains(t, ci.reason, "FlushAndDrop")
	assert.ErrorIs(t, c.FlushAndDrop(), ErrClosed)
}

func TestFlushAndDropLingerBounded(t *testing.T) {
	o := testOpts()
	o.CloseHandshakeTimeout = 50 * time.Millisecond
	c, h, p := serverWithPeer(t, o, nil)
	start := time.Now()
	require.NoError(t, c.FlushAndDrop())
	p.expectEOF(0xFF)
	// The peer keeps its side open: the socket is closed after the linger.
	ci := h.waitClose(t)
	elapsed := time.Since(start)
	assert.False(t, ci.wasClean)
	assert.Less(t, elapsed, 2*time.Second)
	t.Logf("closed after %v (linger 50ms)", elapsed)
}

func TestFlushAndDropBothEnds(t *testing.T) {
	sh, ch := newRec(), newRec()
	srv, cli := pairEngines(t, nil, nil, sh, ch, nil, nil)
	require.NoError(t, srv.SendMessage([]byte("last words"), false))
	require.NoError(t, srv.FlushAndDrop())
	assert.Equal(t, "last words", string(ch.nextMsg(t).payload))
	cci, sci := ch.waitClose(t), sh.waitClose(t)
	assert.False(t, cci.wasClean)
	assert.Equal(t, CloseAbnormal, cci.code)
	assert.False(t, sci.wasClean)
	_ = cli
}

func TestFlushAndDropBoundedByOpenStream(t *testing.T) {
	o := testOpts()
	o.CloseHandshakeTimeout = 50 * time.Millisecond
	c, h, _ := serverWithPeer(t, o, nil)
	w, err := c.NextWriter(false)
	require.NoError(t, err)
	_, err = w.Write([]byte("never finished"))
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, c.FlushAndDrop())
	// The stream is never closed and the peer keeps its side open: the
	// connection is dropped after the linger all the same.
	select {
	case <-c.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("FlushAndDrop left the connection open while a NextWriter was open")
	}
	t.Logf("done after %v (linger 50ms)", time.Since(start))
	ci := h.waitClose(t)
	assert.False(t, ci.wasClean)
	assert.Contains(t, ci.reason, "FlushAndDrop")
	assert.Error(t, w.Close(), "the stream cannot be finished after the drop")
}

func TestFlushAndDropRefusesLaterSends(t *testing.T) {
	pm, err := PrepareMessage([]byte("prepared"), false)
	require.NoError(t, err)
	calls := []struct {
		name string
		call func(c *Conn) error
	}{
		{"NextWriter", func(c *Conn) error { _, err := c.NextWriter(false); return err }},
		{"BeginMessage", func(c *Conn) error { return c.BeginMessage(true, false) }},
		{"SendPrepared", func(c *Conn) error { return c.SendPrepared(pm) }},
		{"SendPing", func(c *Conn) error { return c.SendPing([]byte("ping")) }},
		{"SendPong", func(c *Conn) error { return c.SendPong([]byte("pong")) }},
		{"SendMessageAsync", func(c *Conn) error { return c.SendMessageAsync([]byte("async"), false) }},
		{"SendPreparedAsync", func(c *Conn) error { return c.SendPreparedAsync(pm) }},
		{"SendMessage", func(c *Conn) error { return c.SendMessage([]byte("msg"), false) }},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			c, _, p := serverWithPeer(t, nil, nil)
			require.NoError(t, c.FlushAndDrop())
			assert.ErrorIs(t, tc.call(c), ErrClosed)
			// The peer sees the end of the stream and no frame before it.
			f, err := p.read()
			require.Error(t, err, "unexpected frame after FlushAndDrop: op %d %q", f.op, f.payload)
		})
	}
}
