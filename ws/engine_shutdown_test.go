package ws

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShutdownSendsGoingAwayOnTheWire: Server.Shutdown's close frame
// carries 1001 and "server shutting down"; once the client answers, the
// connection closes and Shutdown returns nil.
func TestShutdownSendsGoingAwayOnTheWire(t *testing.T) {
	captureConns(t)
	srv := NewServer(newPlain, nil)
	srv.Logger = discardLogger()
	addr := startServer(t, srv, "tcp4")
	resp, _, nc := rawExchange(t, addr, upgradeRequest("/"))
	require.Equal(t, 101, resp.StatusCode)

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()

	p := newPeer(t, nc, true)
	f := p.expectClose(CloseGoingAway)
	assert.Equal(t, "server shutting down", string(f.payload[2:]))
	p.send(OpClose, true, closePayload(CloseGoingAway, ""))
	p.expectEOF(0xFF)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(testTimeout):
		t.Fatal("Shutdown did not return")
	}
}

// TestShutdownGoingAwayBlockingClient: a blocking-mode client sees the
// server's 1001 as the CloseError of its read.
func TestShutdownGoingAwayBlockingClient(t *testing.T) {
	url, srv := serveEcho(t, testOpts())
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, url, nil, testOpts())
	require.NoError(t, err)
	read := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(ctx)
		read <- err
	}()
	require.NoError(t, srv.Shutdown(ctx))
	var ce *CloseError
	require.True(t, errors.As(<-read, &ce))
	assert.Equal(t, CloseError{Code: CloseGoingAway, Reason: "server shutting down", WasClean: true}, *ce)
}

// TestCloseWith: closeWith sends codes SendClose refuses to applications,
// once, and reports ErrClosed after the connection finished.
func TestCloseWith(t *testing.T) {
	c, h, p := serverWithPeer(t, nil, nil)
	require.Error(t, c.SendClose(CloseInternalError, "x"), "not an application code")
	require.NoError(t, c.closeWith(CloseInternalError, "internal"))
	require.NoError(t, c.closeWith(CloseGoingAway, "ignored: a close was sent"))
	f := p.expectClose(CloseInternalError)
	assert.Equal(t, "internal", string(f.payload[2:]))
	p.send(OpClose, true, closePayload(CloseNormal, ""))
	assert.True(t, h.waitClose(t).wasClean)
	select {
	case <-c.Done():
	case <-time.After(testTimeout):
		t.Fatal("connection did not finish")
	}
	assert.ErrorIs(t, c.closeWith(CloseGoingAway, ""), ErrClosed)
}
