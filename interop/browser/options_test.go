package browser

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/autobahn-go/autobahn/ws"
)

// serverOptions are our server's options for the browser: defaults, plus
// echoing the close code and reason so the page can check them, and
// permessage-deflate (any valid offer accepted) when deflate.
func serverOptions(deflate bool) *ws.Options {
	o := ws.DefaultOptions()
	o.EchoCloseCodeReason = true
	if deflate {
		o.PerMessageDeflate = &ws.DeflateOptions{}
	}
	return o
}

// checkDeflate asserts permessage-deflate was negotiated exactly when
// deflate: the browser offered it (req, our side), our connection uses it
// (c), and the browser's ws.extensions (ext) names it.
func checkDeflate(t *testing.T, deflate bool, ext string, req *ws.ConnectionRequest, c *ws.Conn) {
	t.Helper()
	var offered []string
	for _, e := range req.Extensions {
		offered = append(offered, e.Name)
	}
	assert.Contains(t, offered, "permessage-deflate", "Chromium offers permessage-deflate: %q", req.Headers.Values("Sec-WebSocket-Extensions"))
	assert.Equal(t, deflate, c.Compressed(), "our connection's permessage-deflate")
	assert.Equal(t, deflate, strings.HasPrefix(ext, "permessage-deflate"), "browser's ws.extensions = %q", ext)
}
