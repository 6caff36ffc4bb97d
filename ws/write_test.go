package ws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSendMessageFraming(t *testing.T) {
	for _, server := range []bool{true, false} {
		t.Run(fmt.Sprintf("server=%t", server), func(t *testing.T) {
			a, b := tcpPair(t)
			c := engine(t, a, server, testOpts(), newRec(), nil)
			p := newPeer(t, b, server)
			for _, n := range []int{0, 1, 125, 126, 65535, 65536, 100000} {
				payload := bytes.Repeat([]byte{byte(n)}, n)
				require.NoError(t, c.SendMessage(payload, true))
				f := p.mustRead()
				assert.Equal(t, OpBinary, f.op)
				assert.True(t, f.fin)
				assert.Equal(t, !server, f.masked, "only the client masks")
				assert.Equal(t, payload, f.payload)
			}
			require.NoError(t, c.SendOutgoing(&OutgoingMessage{Payload: []byte("txt")}))
			f := p.mustRead()
			assert.Equal(t, OpText, f.op)
			assert.Equal(t, "txt", string(f.payload))
		})
	}
}

func TestAutoFragment(t *testing.T) {
	o := testOpts()
	o.AutoFragmentSize = 4
	c, _, p := serverWithPeer(t, o, nil)
	require.NoError(t, c.SendMessage([]byte("0123456789"), false))
	var got []frame
	for range 3 {
		got = append(got, p.mustRead())
	}
	assert.Equal(t, []frame{
		{fin: false, op: OpText, payload: []byte("0123")},
		{fin: false, op: OpContinuation, payload: []byte("4567")},
		{fin: true, op: OpContinuation, payload: []byte("89")},
	}, got)
}

func TestSendControl(t *testing.T) {
	c, _, p := serverWithPeer(t, nil, nil)
	require.NoError(t, c.SendPing([]byte("hi")))
	require.NoError(t, c.SendPong(nil))
	assert.Error(t, c.SendPing(make([]byte, 126)))
	assert.Error(t, c.SendPong(make([]byte, 126)))
	f := p.mustRead()
	assert.Equal(t, frame{fin: true, op: OpPing, payload: []byte("hi")}, f)
	f = p.mustRead()
	assert.Equal(t, frame{fin: true, op: OpPong, payload: []byte{}}, f)
	require.NoError(t, c.SendFrame(OpBinary, []byte("raw"), false, 5, true))
	f = p.mustRead()
	assert.Equal(t, frame{fin: false, rsv: 5, op: OpBinary, masked: true, payload: []byte("raw")}, f)
}

func TestSendCompressed(t *testing.T) {
	codec := &flateCodec{threshold: 10}
	o := testOpts()
	o.AutoFragmentSize = 20
	c, _, p := serverWithPeer(t, o, codec)
	msg := bytes.Repeat([]byte("abc"), 1000)
	require.NoError(t, c.SendMessage(msg, false))
	var comp []byte
	for i := 0; ; i++ {
		f := p.mustRead()
		if i == 0 {
			assert.Equal(t, rsv1, f.rsv, "RSV1 on the first frame")
			assert.Equal(t, OpText, f.op)
		} else {
			assert.Equal(t, byte(0), f.rsv, "no RSV1 on continuations")
			assert.Equal(t, OpContinuation, f.op)
		}
		comp = append(comp, f.payload...)
		if f.fin {
			break
		}
	}
	assert.Equal(t, msg, inflate(t, comp))
	// Below the threshold, and SkipCompress: sent plain.
	require.NoError(t, c.SendMessage([]byte("short"), false))
	f := p.mustRead()
	assert.Equal(t, byte(0), f.rsv)
	assert.Equal(t, "short", string(f.payload))
	require.NoError(t, c.SendOutgoing(&OutgoingMessage{Payload: msg[:20], SkipCompress: true}))
	f = p.mustRead()
	assert.Equal(t, byte(0), f.rsv)
	assert.Equal(t, msg[:20], f.payload)
	s := c.Stats()
	assert.Equal(t, uint64(3000+5+20), s.AppOctetsOut)
	assert.Less(t, s.WebSocketOctetsOut, uint64(3000))
}

// pairEngines connects a server engine and a client engine.
func pairEngines(t *testing.T, so, co *Options, sh, ch Handler, spmd, cpmd pmdCodec) (srv, cli *Conn) {
	a, b := tcpPair(t)
	srv = engine(t, a, true, so, sh, spmd)
	cli = engine(t, b, false, co, ch, cpmd)
	return srv, cli
}

func TestEngineEchoBothRoles(t *testing.T) {
	for _, pmd := range []bool{false, true} {
		t.Run(fmt.Sprintf("pmd=%t", pmd), func(t *testing.T) {
			var sp, cp pmdCodec
			if pmd {
				sp, cp = &flateCodec{}, &flateCodec{}
			}
			sh := newRec()
			sh.echo = true
			ch := newRec()
			srv, cli := pairEngines(t, nil, nil, sh, ch, sp, cp)
			msgs := [][]byte{[]byte("one"), {}, bytes.Repeat([]byte("z"), 200000), []byte("κόσμε")}
			for _, m := range msgs {
				require.NoError(t, cli.SendMessage(m, false))
				assert.Equal(t, m, ch.nextMsg(t).payload)
			}
			require.NoError(t, cli.Close())
			assert.Equal(t, closeInfo{true, 1000, ""}, ch.waitClose(t))
			assert.Equal(t, closeInfo{true, 1000, ""}, sh.waitClose(t))
			<-srv.Done()
		})
	}
}

func TestConcurrentSenders(t *testing.T) {
	sh := newRec()
	o := testOpts()
	o.AutoFragmentSize = 7 // many frames per message: they must not interleave
	srv, cli := pairEngines(t, nil, o, sh, newRec(), nil, nil)
	_ = srv
	const senders, per = 8, 50
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				msg := fmt.Sprintf("sender %d message %d %s", s, i, bytes.Repeat([]byte{'a' + byte(s)}, i))
				if err := cli.SendMessage([]byte(msg), false); err != nil {
					t.Error(err)
					return
				}
				if i%10 == 0 {
					_ = cli.SendPing([]byte("ping"))
				}
			}
		}()
	}
	wg.Wait()
	next := make([]int, senders)
	for range senders * per {
		m := sh.nextMsg(t)
		var s, i int
		_, err := fmt.Sscanf(string(m.payload), "sender %d message %d", &s, &i)
		require.NoError(t, err)
		assert.Equal(t, next[s], i, "messages of one sender arrive in order")
		next[s]++
		want := fmt.Sprintf("sender %d message %d %s", s, i, bytes.Repeat([]byte{'a' + byte(s)}, i))
		assert.Equal(t, want, string(m.payload))
	}
}

func TestBlockingMode(t *testing.T) {
	sh := newRec()
	sh.echo = true
	_, cli := pairEngines(t, nil, nil, sh, nil, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	require.NoError(t, cli.SendMessage([]byte("hello"), false))
	isBin, p, err := cli.ReadMessage(ctx)
	require.NoError(t, err)
	assert.False(t, isBin)
	assert.Equal(t, "hello", string(p))

	big := bytes.Repeat([]byte("0123456789"), 20000)
	require.NoError(t, cli.SendMessage(big, true))
	isBin, p, err = cli.ReadMessage(ctx)
	require.NoError(t, err)
	assert.True(t, isBin)
	assert.Equal(t, big, p)

	// NextReader streams; an unfinished reader is discarded by the next call.
	require.NoError(t, cli.SendMessage(big, true))
	require.NoError(t, cli.SendMessage([]byte("after"), false))
	_, r, err := cli.NextReader(ctx)
	require.NoError(t, err)
	head := make([]byte, 10)
	_, err = io.ReadFull(r, head)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(head))
	_, r, err = cli.NextReader(ctx)
	require.NoError(t, err)
	all, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "after", string(all))

	// Context expiry while waiting leaves the connection usable.
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	_, _, err = cli.ReadMessage(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, cli.SendMessage([]byte("still"), false))
	_, p, err = cli.ReadMessage(ctx)
	require.NoError(t, err)
	assert.Equal(t, "still", string(p))
}

func TestBlockingCloseError(t *testing.T) {
	a, b := tcpPair(t)
	c := engine(t, a, false, testOpts(), nil, nil)
	p := newPeer(t, b, false)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	// A ping is answered with no reader waiting for messages.
	p.send(OpPing, true, []byte("auto"))
	f := p.mustRead()
	assert.Equal(t, frame{fin: true, op: OpPong, masked: true, payload: []byte("auto")}, f)
	p.send(OpText, true, []byte("m"))
	p.send(OpClose, true, closePayload(4000, "bye"))
	_, m, err := c.ReadMessage(ctx)
	require.NoError(t, err)
	assert.Equal(t, "m", string(m))
	p.expectClose(1000)
	_ = p.c.Close()
	_, _, err = c.ReadMessage(ctx)
	var ce *CloseError
	require.True(t, errors.As(err, &ce), "got %v", err)
	assert.Equal(t, &CloseError{Code: 4000, Reason: "bye", WasClean: true}, ce)
	assert.ErrorIs(t, err, ErrClosed)
	_, _, err = c.NextReader(ctx)
	assert.ErrorIs(t, err, ErrClosed)
}

func TestBlockingReadsInCallbackMode(t *testing.T) {
	c, _, _ := serverWithPeer(t, nil, nil)
	_, _, err := c.ReadMessage(context.Background())
	assert.Error(t, err)
	_, _, err = c.NextReader(context.Background())
	assert.Error(t, err)
}

func TestStreamingSend(t *testing.T) {
	c, _, p := serverWithPeer(t, nil, nil)
	require.NoError(t, c.BeginMessage(false, false))
	assert.Error(t, c.BeginMessage(true, false), "one streamed message at a time")
	require.NoError(t, c.BeginMessageFrame(5))
	require.NoError(t, c.SendMessageFrameData([]byte("he")))
	assert.Error(t, c.SendMessageFrameData([]byte("too long")))
	assert.Error(t, c.EndMessage(), "frame not complete")
	require.NoError(t, c.SendMessageFrameData([]byte("llo")))
	require.NoError(t, c.SendPing([]byte("between")))
	require.NoError(t, c.SendMessageFrameData([]byte(" world")))
	require.NoError(t, c.EndMessage())
	assert.Error(t, c.EndMessage())

	want := []frame{
		{fin: false, op: OpText, payload: []byte("hello")},
		{fin: true, op: OpPing, payload: []byte("between")},
		{fin: false, op: OpContinuation, payload: []byte(" world")},
		{fin: true, op: OpContinuation, payload: []byte{}},
	}
	for _, w := range want {
		assert.Equal(t, w, p.mustRead())
	}
	// Other messages wait for the streamed one.
	require.NoError(t, c.BeginMessage(true, false))
	done := make(chan error)
	go func() { done <- c.SendMessage([]byte("second"), false) }()
	select {
	case <-done:
		t.Fatal("SendMessage did not wait for the streamed message")
	case <-time.After(50 * time.Millisecond):
	}
	require.NoError(t, c.SendMessageFrameData([]byte("first")))
	require.NoError(t, c.EndMessage())
	require.NoError(t, <-done)
	assert.Equal(t, frame{op: OpBinary, payload: []byte("first")}, p.mustRead())
	assert.Equal(t, frame{fin: true, op: OpContinuation, payload: []byte{}}, p.mustRead())
	assert.Equal(t, frame{fin: true, op: OpText, payload: []byte("second")}, p.mustRead())
}

func TestNextWriter(t *testing.T) {
	for _, pmd := range []bool{false, true} {
		t.Run(fmt.Sprintf("pmd=%t", pmd), func(t *testing.T) {
			var sp, cp pmdCodec
			if pmd {
				sp, cp = &flateCodec{}, &flateCodec{}
			}
			sh := newRec()
			o := testOpts()
			o.AutoFragmentSize = 1000
			_, cli := pairEngines(t, nil, o, sh, nil, sp, cp)
			w, err := cli.NextWriter(true)
			require.NoError(t, err)
			var want []byte
			for i := range 50 {
				chunk := bytes.Repeat([]byte{byte(i)}, 333)
				want = append(want, chunk...)
				_, err := w.Write(chunk)
				require.NoError(t, err)
			}
			require.NoError(t, w.Close())
			assert.Error(t, w.Close())
			m := sh.nextMsg(t)
			assert.True(t, m.isBinary)
			assert.Equal(t, want, m.payload)
			if !pmd {
				assert.Equal(t, uint64(17), cli.Stats().FramesOut, "16650 bytes in frames of 1000")
			}
		})
	}
}

func TestNextWriterRawFrames(t *testing.T) {
	o := testOpts()
	o.AutoFragmentSize = 4
	c, _, p := serverWithPeer(t, o, nil)
	w, err := c.NextWriter(false)
	require.NoError(t, err)
	_, _ = w.Write([]byte("abcdefghij"))
	require.NoError(t, w.Close())
	assert.Equal(t, frame{op: OpText, payload: []byte("abcd")}, p.mustRead())
	assert.Equal(t, frame{op: OpContinuation, payload: []byte("efgh")}, p.mustRead())
	assert.Equal(t, frame{fin: true, op: OpContinuation, payload: []byte("ij")}, p.mustRead())
}

func TestPreparedMessage(t *testing.T) {
	pm, err := PrepareMessage([]byte("broadcast"), false)
	require.NoError(t, err)
	for _, server := range []bool{true, false} {
		a, b := tcpPair(t)
		c := engine(t, a, server, testOpts(), newRec(), nil)
		p := newPeer(t, b, server)
		require.NoError(t, c.SendPrepared(pm))
		require.NoError(t, c.SendPrepared(pm))
		for range 2 {
			f := p.mustRead()
			assert.Equal(t, frame{fin: true, op: OpText, masked: !server, payload: []byte("broadcast")}, f)
		}
		assert.Equal(t, uint64(2), c.Stats().MessagesOut)
	}
	assert.Equal(t, "broadcast", string(pm.Payload()))
}

func TestAutoPing(t *testing.T) {
	t.Run("rtt", func(t *testing.T) {
		sh := newRec()
		o := testOpts()
		o.AutoPingInterval = 20 * time.Millisecond
		o.AutoPingTimeout = time.Second
		o.AutoPingSize = 16
		pairEngines(t, o, nil, sh, newRec(), nil, nil)
		select {
		case rtt := <-sh.rtts:
			assert.Greater(t, rtt, time.Duration(0))
		case <-time.After(testTimeout):
			t.Fatal("no RTT reported")
		}
	})
	t.Run("timeout", func(t *testing.T) {
		o := testOpts()
		o.AutoPingInterval = 20 * time.Millisecond
		o.AutoPingTimeout = 50 * time.Millisecond
		o.AutoPingSize = 13
		c, h, p := serverWithPeer(t, o, nil)
		_ = c
		f := p.mustRead()
		assert.Equal(t, OpPing, f.op)
		assert.Len(t, f.payload, 13)
		// No pong: the connection is dropped.
		ci := h.waitClose(t)
		assert.False(t, ci.wasClean)
		assert.Equal(t, CloseAbnormal, ci.code)
		assert.Contains(t, ci.reason, "auto-ping")
	})
	t.Run("wrong pong payload does not count", func(t *testing.T) {
		o := testOpts()
		o.AutoPingInterval = 20 * time.Millisecond
		o.AutoPingTimeout = 100 * time.Millisecond
		o.AutoPingRestartOnAnyTraffic = false
		_, h, p := serverWithPeer(t, o, nil)
		f := p.mustRead()
		require.Equal(t, OpPing, f.op)
		p.send(OpPong, true, append(f.payload, 'x'))
		assert.False(t, h.waitClose(t).wasClean)
	})
}

// TestNoGoroutineLeak opens and closes connections and checks that the
// goroutine count returns to where it was.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		func() {
			a, b := tcpPair(t)
			srv := newConn(connConfig{netConn: a, isServer: true, opts: testOpts(), handler: newRec()})
			cli := newConn(connConfig{netConn: b, opts: testOpts()})
			srv.start()
			cli.start()
			require.NoError(t, cli.SendMessage([]byte("x"), false))
			require.NoError(t, cli.Close())
			<-srv.Done()
		}()
	}
	deadline := time.Now().Add(testTimeout)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before)
}

// TestBlockingCloseWithUnreadMessage checks that Close completes even when
// a received message was never read.
func TestBlockingCloseWithUnreadMessage(t *testing.T) {
	sh := newRec()
	sh.echo = true
	_, cli := pairEngines(t, nil, nil, sh, nil, nil, nil)
	require.NoError(t, cli.SendMessage([]byte("unread"), false))
	sh.nextMsg(t)
	time.Sleep(20 * time.Millisecond) // the echo reaches the client's read goroutine
	require.NoError(t, cli.Close())
	assert.Equal(t, closeInfo{true, 1000, ""}, sh.waitClose(t))
}

// closeInCallback closes the connection from OnMessage.
type closeInCallback struct {
	*recHandler
	err chan error
}

func (h *closeInCallback) OnMessage(c *Conn, p []byte, isBinary bool) {
	h.err <- c.Close()
	h.err <- c.SendMessage(p, isBinary)
}

func TestCloseFromCallback(t *testing.T) {
	a, b := tcpPair(t)
	h := &closeInCallback{recHandler: newRec(), err: make(chan error, 2)}
	engine(t, a, true, testOpts(), h, nil)
	p := newPeer(t, b, true)
	p.send(OpText, true, []byte("close me"))
	select {
	case err := <-h.err:
		require.NoError(t, err, "Close from a callback starts the handshake and returns")
	case <-time.After(testTimeout):
		t.Fatal("Close blocked in a callback")
	}
	assert.ErrorIs(t, <-h.err, ErrClosed)
	p.expectClose(1000)
	p.send(OpClose, true, closePayload(1000, ""))
	p.expectEOF(0xFF)
	assert.Equal(t, closeInfo{true, 1000, ""}, h.waitClose(t))
}
