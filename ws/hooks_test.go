package ws

import (
	"context"
	"encoding/binary"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hookRec records the optional hooks, in order with OnClose.
type hookRec struct {
	*recHandler
	hmu    sync.Mutex
	events []string
	pongs  chan AutoPong
	peers  chan string
}

func newHookRec() *hookRec {
	return &hookRec{recHandler: newRec(), pongs: make(chan AutoPong, 10), peers: make(chan string, 2)}
}

func (h *hookRec) note(e string) {
	h.hmu.Lock()
	h.events = append(h.events, e)
	h.hmu.Unlock()
}

func (h *hookRec) seen() []string {
	h.hmu.Lock()
	defer h.hmu.Unlock()
	return append([]string(nil), h.events...)
}

func (h *hookRec) OnAutoPong(c *Conn, p AutoPong) { h.note("autopong"); h.pongs <- p }
func (h *hookRec) OnAutoPingTimeout(*Conn)        { h.note("autoping-timeout") }
func (h *hookRec) OnCloseHandshakeTimeout(*Conn)  { h.note("close-timeout") }
func (h *hookRec) OnServerConnectionDropTimeout(*Conn) {
	h.note("server-drop-timeout")
}
func (h *hookRec) OnOpenHandshakeTimeout(peer string) { h.note("open-timeout"); h.peers <- peer }
func (h *hookRec) OnClose(c *Conn, wasClean bool, code int, reason string) {
	h.note("close")
	h.recHandler.OnClose(c, wasClean, code, reason)
}

func TestAutoPingPayloadFormat(t *testing.T) {
	for _, size := range []int{12, 20, 125} {
		p := autoPingPayload(size, time.Unix(1700000000, 123456789), 0x01020304)
		require.Len(t, p, size)
		assert.Equal(t, uint64(1700000000123456789), binary.BigEndian.Uint64(p))
		assert.Equal(t, uint32(0x01020304), binary.BigEndian.Uint32(p[8:]))
	}
}

func TestAutoPongHook(t *testing.T) {
	o := testOpts()
	o.AutoPingInterval = 20 * time.Millisecond
	o.AutoPingTimeout = 2 * time.Second
	o.AutoPingSize = 16
	h := newHookRec()
	a, b := tcpPair(t)
	c := engine(t, a, true, o, h, nil)
	_ = c
	p := newPeer(t, b, true)
	for seq := uint32(1); seq <= 2; seq++ {
		before := time.Now()
		f := p.mustRead()
		require.Equal(t, OpPing, f.op)
		require.Len(t, f.payload, 16)
		sent := time.Unix(0, int64(binary.BigEndian.Uint64(f.payload)))
		assert.WithinDuration(t, before, sent, 2*time.Second)
		assert.Equal(t, seq, binary.BigEndian.Uint32(f.payload[8:]))
		p.send(OpPong, true, f.payload)
		select {
		case pong := <-h.pongs:
			assert.Equal(t, seq, pong.Seq)
			assert.Equal(t, f.payload, pong.Payload)
			assert.Equal(t, sent.UnixNano(), pong.PingSent.UnixNano())
			assert.Greater(t, pong.RTT, time.Duration(0))
			assert.False(t, pong.PongReceived.Before(pong.PingSent))
			t.Logf("seq %d rtt %v", pong.Seq, pong.RTT)
		case <-time.After(testTimeout):
			t.Fatal("no OnAutoPong")
		}
	}
	// An unsolicited pong is no auto-pong.
	p.send(OpPong, true, []byte("xxxxxxxxxxxxxxxx"))
	select {
	case pong := <-h.pongs:
		t.Fatalf("OnAutoPong for an unsolicited pong: %+v", pong)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestTimeoutHooks(t *testing.T) {
	t.Run("auto-ping timeout", func(t *testing.T) {
		o := testOpts()
		o.AutoPingInterval = 20 * time.Millisecond
		o.AutoPingTimeout = 50 * time.Millisecond
		h := newHookRec()
		a, b := tcpPair(t)
		engine(t, a, true, o, h, nil)
		p := newPeer(t, b, true)
		require.Equal(t, OpPing, p.mustRead().op) // never answered
		h.waitClose(t)
		assert.Equal(t, []string{"autoping-timeout", "close"}, h.seen())
	})
	t.Run("close handshake timeout", func(t *testing.T) {
		o := testOpts()
		o.CloseHandshakeTimeout = 50 * time.Millisecond
		h := newHookRec()
		a, b := tcpPair(t)
		c := engine(t, a, true, o, h, nil)
		p := newPeer(t, b, true)
		require.NoError(t, c.SendClose(CloseNormal, ""))
		p.expectClose(CloseNormal) // never answered
		h.waitClose(t)
		assert.Equal(t, []string{"close-timeout", "close"}, h.seen())
	})
	t.Run("server connection drop timeout", func(t *testing.T) {
		o := testOpts()
		o.ServerConnectionDropTimeout = 50 * time.Millisecond
		h := newHookRec()
		a, b := tcpPair(t)
		engine(t, a, false, o, h, nil)
		p := newPeer(t, b, false) // a server: does not mask
		p.send(OpClose, true, closePayload(CloseNormal, ""))
		p.expectClose(CloseNormal) // the client's reply; the server keeps TCP open
		ci := h.waitClose(t)
		assert.Equal(t, []string{"server-drop-timeout", "close"}, h.seen())
		assert.False(t, ci.wasClean)
	})
	t.Run("clean close runs no hook", func(t *testing.T) {
		sh, ch := newHookRec(), newHookRec()
		srv, _ := pairEngines(t, nil, nil, sh, ch, nil, nil)
		require.NoError(t, srv.SendClose(CloseNormal, ""))
		sh.waitClose(t)
		ch.waitClose(t)
		assert.Equal(t, []string{"close"}, sh.seen())
		assert.Equal(t, []string{"close"}, ch.seen())
	})
}

// slowConnectHook is a server handler whose OnConnect runs past the
// opening handshake timeout.
type slowConnectHook struct {
	*hookRec
	release chan struct{}
}

func (h slowConnectHook) OnConnect(*ConnectionRequest) (*ConnectionAccept, error) {
	<-h.release
	return nil, nil
}

func TestOpenHandshakeTimeoutHookServer(t *testing.T) {
	o := DefaultOptions()
	o.OpenHandshakeTimeout = 50 * time.Millisecond
	h := slowConnectHook{newHookRec(), make(chan struct{})}
	srv := httptest.NewServer(NewServer(func() Handler { return h }, o))
	defer srv.Close()
	_, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil, nil)
	var he *HandshakeError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusServiceUnavailable, he.Status)
	// The hook waits for OnConnect to return.
	select {
	case <-h.peers:
		t.Fatal("OnOpenHandshakeTimeout ran while OnConnect was still running")
	case <-time.After(20 * time.Millisecond):
	}
	close(h.release)
	select {
	case peer := <-h.peers:
		assert.Contains(t, peer, "127.0.0.1")
	case <-time.After(testTimeout):
		t.Fatal("no OnOpenHandshakeTimeout")
	}
}

func TestOpenHandshakeTimeoutHookClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() { // accepts TCP, never answers the handshake
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	url := "ws://" + ln.Addr().String() + "/"

	o := DefaultOptions()
	o.OpenHandshakeTimeout = 50 * time.Millisecond
	h := newHookRec()
	_, err = Dial(context.Background(), url, h, o)
	require.Error(t, err)
	select {
	case peer := <-h.peers:
		assert.Contains(t, peer, ln.Addr().String())
	default:
		t.Fatal("no OnOpenHandshakeTimeout before Dial returned")
	}

	// The caller's own deadline is not the protocol timeout: no hook.
	o.OpenHandshakeTimeout = time.Minute
	h = newHookRec()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = Dial(ctx, url, h, o)
	require.Error(t, err)
	assert.Empty(t, h.seen())
}

func TestConnState(t *testing.T) {
	o := testOpts()
	o.CloseHandshakeTimeout = time.Second
	h := newRec()
	a, b := tcpPair(t)
	c := newConn(connConfig{netConn: a, isServer: true, opts: o, handler: h})
	assert.Equal(t, StateConnecting, c.State())
	c.start()
	t.Cleanup(func() { _ = c.CloseNow() })
	assert.Equal(t, StateOpen, c.State())
	p := newPeer(t, b, true)
	require.NoError(t, c.SendClose(CloseNormal, ""))
	assert.Equal(t, StateClosing, c.State())
	p.expectClose(CloseNormal)
	p.send(OpClose, true, closePayload(CloseNormal, ""))
	h.waitClose(t)
	assert.Equal(t, StateClosed, c.State())

	for _, s := range []ConnState{StateConnecting, StateOpen, StateClosing, StateClosed, 9} {
		assert.NotEmpty(t, s.String())
	}
	assert.Equal(t, "closing", StateClosing.String())
}

func TestConnStateClosingOnReceivedCloseAndDrop(t *testing.T) {
	// A client that received the server's close waits for the server to
	// drop TCP: closing until then.
	o := testOpts()
	o.ServerConnectionDropTimeout = time.Second
	h := newRec()
	a, b := tcpPair(t)
	c := engine(t, a, false, o, h, nil)
	p := newPeer(t, b, false)
	p.send(OpClose, true, closePayload(CloseGoingAway, ""))
	p.expectClose(CloseNormal)
	assert.Equal(t, StateClosing, c.State())
	_ = b.Close()
	h.waitClose(t)
	assert.Equal(t, StateClosed, c.State())

	srv, _, _ := serverWithPeer(t, nil, nil)
	require.NoError(t, srv.CloseNow())
	assert.Equal(t, StateClosed, srv.State())
}

// racyConnectHook writes one field from OnConnect (after sleeping past the
// opening handshake timeout) and from OnOpenHandshakeTimeout: the race
// detector reports the two running at the same time.
type racyConnectHook struct {
	*recHandler
	sleep time.Duration
	state int // written by both callbacks, unsynchronised on purpose
	fired chan int
}

func (h *racyConnectHook) OnConnect(*ConnectionRequest) (*ConnectionAccept, error) {
	time.Sleep(h.sleep)
	h.state = 1
	return nil, nil
}

func (h *racyConnectHook) OnOpenHandshakeTimeout(string) {
	h.state++
	h.fired <- h.state
}

func TestOpenHandshakeTimeoutHookAfterOnConnect(t *testing.T) {
	o := DefaultOptions()
	o.OpenHandshakeTimeout = 50 * time.Millisecond
	h := &racyConnectHook{recHandler: newRec(), sleep: 200 * time.Millisecond, fired: make(chan int, 1)}
	srv := httptest.NewServer(NewServer(func() Handler { return h }, o))
	defer srv.Close()
	_, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil, nil)
	var he *HandshakeError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusServiceUnavailable, he.Status)
	select {
	case state := <-h.fired:
		assert.Equal(t, 2, state, "the hook ran after OnConnect returned")
	case <-time.After(testTimeout):
		t.Fatal("no OnOpenHandshakeTimeout")
	}
}
