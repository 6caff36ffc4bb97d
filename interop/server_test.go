package interop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

// goServer is our server (NewServer) on a loopback port; every
// connection's handler is sent on conns.
type goServer struct {
	URL   string
	conns chan *serverEcho
}

// startGoServer serves NewServer with serverEcho handlers on 127.0.0.1 and
// shuts it down at test end.
func startGoServer(t *testing.T, opts *ws.Options) *goServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gs := &goServer{URL: "ws://" + ln.Addr().String(), conns: make(chan *serverEcho, 64)}
	srv := ws.NewServer(func() ws.Handler {
		h := newServerEcho()
		gs.conns <- h
		return h
	}, opts)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx), "Shutdown")
		select {
		case err := <-served:
			if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after Shutdown")
		}
	})
	return gs
}

// serverOptions are our server's options in these tests: defaults, plus
// echoing the peer's close code and reason (py/client.py checks them).
func serverOptions() *ws.Options {
	o := ws.DefaultOptions()
	o.EchoCloseCodeReason = true
	return o
}

// serverVariant is one way of configuring our server (and the Python
// client) for py/client.py's script.
type serverVariant struct {
	name       string
	clientArgs []string
	opts       func(o *ws.Options)
	// deflate, when non-nil, is the permessage-deflate state the Python
	// client must report.
	deflate *pmdParams
}

// TestPythonClientAgainstGoServer runs Autobahn|Python's scripted client
// (py/client.py) against our server and asserts both its JSON report and
// what our server's callbacks saw.
func TestPythonClientAgainstGoServer(t *testing.T) {
	requireAutobahn(t)
	for _, v := range serverVariants() {
		t.Run(v.name, func(t *testing.T) {
			requireCompression(t, v.deflate)
			t.Parallel() // each variant has its own peer process
			opts := serverOptions()
			if v.opts != nil {
				v.opts(opts)
			}
			gs := startGoServer(t, opts)
			res, runErr := runPyClient(t, gs.URL+"/echo?x=1", append([]string{"--protocols", "foo,bar"}, v.clientArgs...)...)

			// Python's view
			var names []string
			for _, c := range res.Checks {
				names = append(names, c.Name)
				assert.True(t, c.OK, "py/client.py check %q failed: %s", c.Name, c.Detail)
			}
			assert.Equal(t, pyClientChecks, names, "checks py/client.py ran")
			assert.True(t, res.OK, "py/client.py overall result")
			assert.NoError(t, runErr, "py/client.py exit status")
			require.NotNil(t, res.Protocol, "subprotocol Python saw")
			assert.Equal(t, "bar", *res.Protocol)
			require.NotNil(t, res.Close)
			assert.True(t, res.Close.WasClean)
			assert.Equal(t, 4000, res.Close.Code)
			assert.Equal(t, "bye from python", res.Close.Reason)
			assert.Equal(t, []string{"go-ping-456"}, res.Pings)
			if assert.NotNil(t, res.Stats) {
				assertCompressed(t, v.deflate != nil, res.Stats.InWS, res.Stats.InApp)
			}
			if v.deflate != nil {
				require.Len(t, res.Extensions, 1, "extensions Python negotiated")
				assert.Equal(t, *v.deflate, res.Extensions[0])
			} else {
				assert.Empty(t, res.Extensions)
			}

			// our view
			h := recv(t, gs.conns, "server handler")
			req := recv(t, h.req, "OnConnect request")
			assert.Equal(t, "/echo", req.Path)
			assert.Equal(t, []string{"1"}, req.Params["x"])
			assert.Equal(t, []string{"foo", "bar"}, req.Protocols)
			if v.deflate != nil {
				require.NotEmpty(t, req.Extensions, "extensions Python offered")
				assert.Equal(t, v.deflate.Extension, req.Extensions[0].Name)
			}
			sc := recv(t, h.opened, "OnOpen")
			assert.Equal(t, v.deflate != nil, sc.Compressed(), "our server's view of permessage-deflate")
			wantLens := []struct {
				n      int
				binary bool
			}{{27, false}, {1024, true}, {0, false}, {0, true}, {1 << 20, true}, {-1, false}, {1 << 20, true}, {120000, false}, {70000, true}, {len("@@ping go-ping-456"), false}}
			for i, w := range wantLens {
				m := recv(t, h.msgs, fmt.Sprintf("message %d", i))
				assert.Equal(t, w.binary, m.IsBinary, "message %d type", i)
				if w.n >= 0 {
					assert.Len(t, m.Payload, w.n, "message %d length", i)
				} else {
					assert.InDelta(t, 1<<20, len(m.Payload), 4, "message %d length", i)
				}
			}
			assert.Equal(t, "py-ping-123", string(recv(t, h.pings, "OnPing")))
			assert.Equal(t, "go-ping-456", string(recv(t, h.pongs, "OnPong")))
			assert.Equal(t, closeInfo{WasClean: true, Code: 4000, Reason: "bye from python"}, recv(t, h.closed, "OnClose"))
		})
	}
}

// TestPythonClientDenied checks that a ConnectionDeny(403) from our
// server's OnConnect reaches Autobahn's client as a failed handshake with
// status 403, and that our OnOpen never runs.
func TestPythonClientDenied(t *testing.T) {
	requireAutobahn(t)
	gs := startGoServer(t, serverOptions())
	res, runErr := runPyClient(t, gs.URL+"/deny")
	assert.Error(t, runErr, "py/client.py must fail against /deny")
	assert.False(t, res.OK)
	assert.Empty(t, res.Checks, "no script check may have run")
	require.NotNil(t, res.Close, "py/client.py reports the failed connection as a close")
	assert.False(t, res.Close.WasClean)
	assert.Contains(t, res.Close.Reason, "403")
	h := recv(t, gs.conns, "server handler")
	assert.Equal(t, "/deny", recv(t, h.req, "OnConnect request").Path)
	select {
	case <-h.opened:
		t.Fatal("OnOpen ran for a denied connection")
	default:
	}
}
