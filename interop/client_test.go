package interop

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

// dialTimeout bounds every Dial in these tests.
const dialTimeout = 20 * time.Second

// dial connects our client to url and waits for OnOpen; the connection is
// closed at test end if the test did not close it.
func dial(t *testing.T, url string, opts *ws.Options) (*ws.Conn, *clientRecorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	rec := newClientRecorder()
	c, err := ws.Dial(ctx, url, rec, opts)
	require.NoError(t, err, "Dial %s", url)
	t.Cleanup(func() {
		_ = c.SendClose(1000, "")
		select {
		case <-c.Done():
		case <-time.After(waitTimeout):
			t.Errorf("connection to %s not done %v after close", url, waitTimeout)
		}
	})
	recv(t, rec.opened, "OnOpen")
	return c, rec
}

// clientVariant is one way of configuring our client (and the Python
// server) for the echo script.
type clientVariant struct {
	name       string
	serverArgs []string
	opts       func(o *ws.Options)
	// fragment is the AutoFragmentSize we expect on the wire (0: one frame
	// per message); not checked with deflate, where frames carry
	// compressed bytes.
	fragment int
	// deflate, when non-nil, is the permessage-deflate state the Python
	// server must report.
	deflate *pmdParams
}

// TestGoClientAgainstPython runs our client (Dial) against Autobahn|Python's
// echo server: messages of every kind and size, fragmentation, ping/pong in
// both directions and a close with code and reason, asserting what our
// callbacks saw and what the Python side reports.
func TestGoClientAgainstPython(t *testing.T) {
	requireAutobahn(t)
	for _, v := range clientVariants() {
		t.Run(v.name, func(t *testing.T) {
			requireCompression(t, v.deflate)
			t.Parallel() // each variant has its own peer process
			srv := startPyServer(t, v.serverArgs...)
			opts := ws.DefaultOptions()
			if v.opts != nil {
				v.opts(opts)
			}
			c, rec := dial(t, srv.URL+"/echo", opts)

			assert.Equal(t, v.deflate != nil, c.Compressed(), "our client's view of permessage-deflate")
			_, openIdx := srv.waitEvent(t, 0, "open", func(e pyEvent) bool { return e.Event == "open" })
			if v.deflate != nil {
				open := srv.Events()[openIdx]
				var exts []pmdParams
				require.NoError(t, json.Unmarshal(open.Extensions, &exts))
				require.Len(t, exts, 1, "Python server negotiated extensions")
				assert.Equal(t, *v.deflate, exts[0])
				resp := recv(t, rec.resp, "OnConnect response")
				require.Len(t, resp.Extensions, 1, "extensions our client accepted")
				assert.Equal(t, v.deflate.Extension, resp.Extensions[0].Name)
			}

			from := openIdx
			for _, tc := range echoCases() {
				require.NoError(t, c.SendMessage(tc.payload, tc.binary), tc.name)
				got := recv(t, rec.msgs, tc.name+" echo")
				assert.Equal(t, tc.binary, got.IsBinary, "%s: echoed type", tc.name)
				assert.True(t, bytesEqual(tc.payload, got.Payload), "%s: echo differs (sent %d bytes, got %d)", tc.name, len(tc.payload), len(got.Payload))
				ev, idx := srv.waitEvent(t, from, "message", func(e pyEvent) bool { return e.Event == "message" })
				from = idx + 1
				assert.Equal(t, len(tc.payload), ev.Len, "%s: length Python received", tc.name)
				assert.Equal(t, tc.binary, ev.Binary, "%s: type Python received", tc.name)
				if v.deflate == nil {
					assert.Equal(t, wantFrames(len(tc.payload), v.fragment), ev.Frames, "%s: frames Python received", tc.name)
				}
			}

			// ping from us, pong from Python
			require.NoError(t, c.SendPing([]byte("go-ping-1")))
			assert.Equal(t, "go-ping-1", string(recv(t, rec.pongs, "pong")))
			ev, _ := srv.waitEvent(t, from, "ping", func(e pyEvent) bool { return e.Event == "ping" })
			assert.Equal(t, "go-ping-1", ev.Payload)

			// ping from Python, pong from BaseHandler
			require.NoError(t, c.SendMessage([]byte("@@ping py-ping-2"), false))
			assert.Equal(t, "py-ping-2", string(recv(t, rec.pings, "ping")))
			ev, _ = srv.waitEvent(t, from, "pong", func(e pyEvent) bool { return e.Event == "pong" })
			assert.Equal(t, "py-ping-2", ev.Payload)

			// close from us; Python echoes code and reason
			require.NoError(t, c.SendClose(4000, "bye from go ✓"))
			cl := recv(t, rec.closed, "OnClose")
			assert.Equal(t, closeInfo{WasClean: true, Code: 4000, Reason: "bye from go ✓"}, cl)
			ev, _ = srv.waitEvent(t, from, "close", func(e pyEvent) bool { return e.Event == "close" })
			assert.Equal(t, pyEvent{Event: "close", WasClean: true, Code: 4000, Reason: "bye from go ✓", InWS: ev.InWS, InApp: ev.InApp}, ev)
			assertCompressed(t, v.deflate != nil, ev.InWS, ev.InApp)
			select {
			case <-c.Done():
			case <-time.After(waitTimeout):
				t.Fatal("Done not closed after the close handshake")
			}
		})
	}
}

// wantFrames is the number of frames a message of n bytes takes with
// AutoFragmentSize frag.
func wantFrames(n, frag int) int {
	if frag <= 0 || n == 0 {
		return 1
	}
	return (n + frag - 1) / frag
}

func bytesEqual(a, b []byte) bool { return len(a) == len(b) && string(a) == string(b) }

// TestGoClientSubprotocol checks that our client offers its subprotocols in
// order and takes the one Autobahn chose (the server prefers bar, then foo).
func TestGoClientSubprotocol(t *testing.T) {
	requireAutobahn(t)
	srv := startPyServer(t)
	tests := []struct {
		offer []string
		want  string
	}{
		{[]string{"foo", "bar"}, "bar"},
		{[]string{"foo"}, "foo"},
		{[]string{"baz"}, ""},
		{nil, ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.offer, ","), func(t *testing.T) {
			opts := ws.DefaultOptions()
			opts.Protocols = tc.offer
			c, rec := dial(t, srv.URL+"/proto", opts)
			resp := recv(t, rec.resp, "OnConnect response")
			assert.Equal(t, tc.want, resp.Protocol)
			require.NoError(t, c.SendClose(1000, ""))
			assert.Equal(t, closeInfo{WasClean: true, Code: 1000}, recv(t, rec.closed, "OnClose"))
		})
	}
	var offered [][]string
	for _, e := range srv.Events() {
		if e.Event == "connect" {
			offered = append(offered, e.Protocols)
		}
	}
	assert.Equal(t, [][]string{{"foo", "bar"}, {"foo"}, {"baz"}, {}}, offered, "offers Python saw")
}

// TestGoClientServerClose checks a close started by Autobahn: our OnClose
// sees a clean close with its code and reason.
func TestGoClientServerClose(t *testing.T) {
	requireAutobahn(t)
	srv := startPyServer(t)
	c, rec := dial(t, srv.URL+"/close", nil)
	require.NoError(t, c.SendMessage([]byte("@@close 4001 server says bye"), false))
	assert.Equal(t, closeInfo{WasClean: true, Code: 4001, Reason: "server says bye"}, recv(t, rec.closed, "OnClose"))
	ev, _ := srv.waitEvent(t, 0, "close", func(e pyEvent) bool { return e.Event == "close" })
	assert.True(t, ev.WasClean, "Python saw a clean close: %+v", ev)
}

// TestGoClientDenied checks that a ConnectionDeny(403) from Autobahn's
// onConnect fails Dial with a *ws.HandshakeError carrying the status.
func TestGoClientDenied(t *testing.T) {
	requireAutobahn(t)
	srv := startPyServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	rec := newClientRecorder()
	c, err := ws.Dial(ctx, srv.URL+"/deny", rec, nil)
	require.Error(t, err)
	assert.Nil(t, c)
	assert.ErrorIs(t, err, ws.ErrBadHandshake)
	var he *ws.HandshakeError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 403, he.Status)
	ev, _ := srv.waitEvent(t, 0, "connect", func(e pyEvent) bool { return e.Event == "connect" })
	assert.Equal(t, "/deny", ev.Path)
	select {
	case <-rec.opened:
		t.Fatal("OnOpen ran for a denied connection")
	default:
	}
}
