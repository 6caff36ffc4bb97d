package interop

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

// autoPongRecorder is a client recorder that also reports OnAutoPong.
type autoPongRecorder struct {
	*clientRecorder
	autoPongs chan ws.AutoPong
}

func (r autoPongRecorder) OnAutoPong(c *ws.Conn, p ws.AutoPong) { r.autoPongs <- p }

// OnPing answers without recording: Autobahn's automatic pings would fill
// the recorder's channel and block the read goroutine.
func (r autoPongRecorder) OnPing(c *ws.Conn, payload []byte) { _ = c.SendPong(payload) }

// TestAutoPingFormatWithPython checks that our automatic pings carry
// Autobahn's payload (Autobahn decodes the same send time and sequence
// number from them), that an Autobahn peer's pong completes them
// (OnAutoPong), and that Autobahn's own automatic pings to us complete
// (its onAutoPong sees its send time and sequence come back).
func TestAutoPingFormatWithPython(t *testing.T) {
	requireAutobahn(t)
	srv := startPyServer(t, "--autoping", "0.2")
	opts := ws.DefaultOptions()
	opts.AutoPingInterval = 100 * time.Millisecond
	opts.AutoPingTimeout = 10 * time.Second
	opts.AutoPingSize = 20
	// Autobahn's pings to us are traffic too: ping on the clock anyway.
	opts.AutoPingRestartOnAnyTraffic = false
	rec := autoPongRecorder{newClientRecorder(), make(chan ws.AutoPong, 64)}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	c, err := ws.Dial(ctx, srv.URL+"/echo", rec, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })

	for seq := uint32(1); seq <= 2; seq++ {
		pong := recv(t, rec.autoPongs, "OnAutoPong")
		require.Equal(t, seq, pong.Seq)
		require.Len(t, pong.Payload, 20)
		assert.Greater(t, pong.RTT, time.Duration(0))
		// What Autobahn decoded from the same ping.
		ev, _ := srv.waitEvent(t, 0, "ping", func(e pyEvent) bool { return e.Event == "ping" && e.PingSeq == seq })
		assert.Equal(t, pong.PingSent.UnixNano(), ev.PingSent, "send time as Autobahn decodes it")
		assert.Equal(t, string(latin1(pong.Payload)), ev.Payload)
		t.Logf("seq %d: rtt %v", seq, pong.RTT)
	}
	// Autobahn's pings to us come back whole: its onAutoPong fires.
	ev, _ := srv.waitEvent(t, 0, "autopong", func(e pyEvent) bool { return e.Event == "autopong" })
	assert.Equal(t, uint32(1), ev.PingSeq)
	assert.Equal(t, 12, ev.Len)
	assert.InDelta(t, time.Now().UnixNano(), ev.PingSent, float64(30*time.Second))
}

// latin1 maps bytes to the runes py/server.py's payload.decode("latin1")
// gives, UTF-8 encoded as in its JSON.
func latin1(b []byte) []rune {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return r
}
