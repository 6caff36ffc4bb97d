package ws

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSendCloseCodeEveryClass(t *testing.T) {
	codes := []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	for _, code := range codes {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			sh, ch := newRec(), newRec()
			srv, _ := pairEngines(t, nil, nil, sh, ch, nil, nil)
			require.NoError(t, srv.SendCloseCode(code, "why"))
			// The peer sees our code and reason; we see its reply (1000).
			assert.Equal(t, closeInfo{true, code, "why"}, ch.waitClose(t))
			assert.Equal(t, closeInfo{true, CloseNormal, ""}, sh.waitClose(t))
			<-srv.Done()
			assert.ErrorIs(t, srv.SendCloseCode(code, ""), ErrClosed)
		})
	}
}

func TestSendCloseCodeEchoed(t *testing.T) {
	co := testOpts()
	co.EchoCloseCodeReason = true
	sh, ch := newRec(), newRec()
	srv, _ := pairEngines(t, nil, co, sh, ch, nil, nil)
	require.NoError(t, srv.SendCloseCode(ClosePolicyViolation, "policy"))
	assert.Equal(t, closeInfo{true, ClosePolicyViolation, "policy"}, ch.waitClose(t))
	assert.Equal(t, closeInfo{true, ClosePolicyViolation, "policy"}, sh.waitClose(t))
}

func TestSendCloseCodeRefused(t *testing.T) {
	tests := []struct {
		code    int
		reason  string
		wantErr string
	}{
		{0, "", "close code 0"},
		{-1, "", "close code -1"},
		{999, "", "close code 999"},
		{1004, "", "close code 1004"},
		{1005, "", "close code 1005"},
		{1006, "", "close code 1006"},
		{1015, "", "close code 1015"},
		{1016, "", "close code 1016"},
		{2999, "", "close code 2999"},
		{5000, "", "close code 5000"},
		{65536 + 1000, "", "close code 66536"},
		{1000, strings.Repeat("x", 124), "124 bytes"},
		{1008, "\xff", "UTF-8"},
	}
	sh, ch := newRec(), newRec()
	srv, cli := pairEngines(t, nil, nil, sh, ch, nil, nil)
	for _, tt := range tests {
		err := srv.SendCloseCode(tt.code, tt.reason)
		require.Error(t, err, "code %d", tt.code)
		assert.Contains(t, err.Error(), tt.wantErr)
		err = srv.Fail(tt.code, tt.reason)
		require.Error(t, err, "Fail code %d", tt.code)
		assert.Contains(t, err.Error(), tt.wantErr)
	}
	// Nothing was sent: the connection still works.
	require.NoError(t, srv.SendMessage([]byte("still open"), false))
	assert.Equal(t, "still open", string(ch.nextMsg(t).payload))
	// The longest reason is fine.
	long := strings.Repeat("é", 61) + "x" // 123 bytes
	require.NoError(t, cli.SendCloseCode(CloseTryAgainLater, long))
	assert.Equal(t, closeInfo{true, CloseTryAgainLater, long}, sh.waitClose(t))
}

func TestSendCloseKeepsAutobahnRules(t *testing.T) {
	sh, ch := newRec(), newRec()
	srv, _ := pairEngines(t, nil, nil, sh, ch, nil, nil)
	err := srv.SendClose(ClosePolicyViolation, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SendCloseCode")
}

func TestFailByDrop(t *testing.T) {
	o := testOpts()
	o.FailByDrop = true
	c, h, p := serverWithPeer(t, o, nil)
	require.NoError(t, c.Fail(ClosePolicyViolation, "bad client"))
	p.expectEOF(OpClose) // dropped, no close frame
	ci := h.waitClose(t)
	assert.False(t, ci.wasClean)
	assert.Equal(t, CloseAbnormal, ci.code)
	assert.Contains(t, ci.reason, "bad client")
	assert.Contains(t, ci.reason, "1008")
	assert.ErrorIs(t, c.Fail(ClosePolicyViolation, ""), ErrClosed)
}

func TestFailWithoutDropDrains(t *testing.T) {
	c, h, p := serverWithPeer(t, nil, nil) // testOpts: FailByDrop off
	p.send(OpText, true, []byte("before"))
	assert.Equal(t, "before", string(h.nextMsg(t).payload))
	start := time.Now()
	require.NoError(t, c.Fail(CloseInternalError, "oops"))
	f := p.expectClose(CloseInternalError)
	assert.Equal(t, "oops", string(f.payload[2:]))
	// Data after the failure is discarded, control frames still handled.
	p.send(OpText, true, []byte("after"))
	p.send(OpBinary, false, []byte("frag"))
	p.send(OpContinuation, true, []byte("ment"))
	p.send(OpClose, true, closePayload(CloseNormal, ""))
	p.expectEOF(0xFF)
	ci := h.waitClose(t)
	assert.Equal(t, closeInfo{true, CloseNormal, ""}, ci)
	select {
	case m := <-h.msgs:
		t.Fatalf("message delivered after Fail: %q", m.payload)
	default:
	}
	t.Logf("fail to OnClose: %v", time.Since(start))
}

func TestFailWithoutDropTimesOut(t *testing.T) {
	o := testOpts()
	o.CloseHandshakeTimeout = 50 * time.Millisecond
	c, h, p := serverWithPeer(t, o, nil)
	start := time.Now()
	require.NoError(t, c.Fail(ClosePolicyViolation, "go away"))
	p.expectClose(ClosePolicyViolation)
	ci := h.waitClose(t)
	elapsed := time.Since(start)
	assert.False(t, ci.wasClean)
	assert.Equal(t, CloseAbnormal, ci.code)
	assert.Less(t, elapsed, 2*time.Second, "dropped after the close handshake timeout")
	t.Logf("dropped after %v (CloseHandshakeTimeout 50ms)", elapsed)
}

// failHandler fails the connection from OnMessage (on the read goroutine).
type failHandler struct{ *recHandler }

func (h failHandler) OnMessage(c *Conn, payload []byte, isBinary bool) {
	h.recHandler.OnMessage(c, payload, isBinary)
	_ = c.Fail(ClosePolicyViolation, "no "+string(payload))
}

func TestFailFromCallbackBothEnds(t *testing.T) {
	for _, drop := range []bool{false, true} {
		t.Run(fmt.Sprintf("FailByDrop=%t", drop), func(t *testing.T) {
			so := testOpts()
			so.FailByDrop = drop
			sh, ch := failHandler{newRec()}, newRec()
			_, cli := pairEngines(t, so, nil, sh, ch, nil, nil)
			require.NoError(t, cli.SendMessage([]byte("spam"), false))
			cci, sci := ch.waitClose(t), sh.waitClose(t)
			if drop {
				assert.Equal(t, CloseAbnormal, cci.code)
				assert.False(t, cci.wasClean)
				assert.False(t, sci.wasClean)
				assert.Contains(t, sci.reason, "no spam")
				return
			}
			assert.Equal(t, closeInfo{true, ClosePolicyViolation, "no spam"}, cci)
			assert.Equal(t, closeInfo{true, CloseNormal, ""}, sci)
		})
	}
}
