package interop

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

// TestGoBlockingClientAgainstPython runs our client in blocking mode (no
// Handler: ReadMessage) against Autobahn|Python, with and without
// permessage-deflate: every echo case comes back intact, a server-started
// close ends ReadMessage with a clean *ws.CloseError carrying code and
// reason.
func TestGoBlockingClientAgainstPython(t *testing.T) {
	requireAutobahn(t)
	for _, deflate := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "deflate"}[deflate]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var args []string
			opts := ws.DefaultOptions()
			if deflate {
				args = []string{"--deflate"}
				opts.PerMessageDeflate = &ws.DeflateOptions{}
			}
			srv := startPyServer(t, args...)
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			c, err := ws.Dial(ctx, srv.URL+"/blocking", nil, opts)
			require.NoError(t, err)
			defer c.CloseNow()
			assert.Equal(t, deflate, c.Compressed())

			for _, tc := range echoCases() {
				require.NoError(t, c.SendMessage(tc.payload, tc.binary), tc.name)
				isBinary, got, err := c.ReadMessage(ctx)
				require.NoError(t, err, tc.name)
				assert.Equal(t, tc.binary, isBinary, "%s: echoed type", tc.name)
				assert.True(t, bytesEqual(tc.payload, got), "%s: echo differs (sent %d bytes, got %d)", tc.name, len(tc.payload), len(got))
			}

			require.NoError(t, c.SendMessage([]byte("@@close 4002 blocking bye"), false))
			_, _, err = c.ReadMessage(ctx)
			var ce *ws.CloseError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, ws.CloseError{Code: 4002, Reason: "blocking bye", WasClean: true}, *ce)
			assert.ErrorIs(t, err, ws.ErrClosed)
		})
	}
}
