package browser

import (
	"testing"

	"github.com/autobahn-go/autobahn/ws"
)

// serverOptions are our server's options for the browser: defaults, plus
// echoing the close code and reason so the page can check them.
func serverOptions() *ws.Options {
	o := ws.DefaultOptions()
	o.EchoCloseCodeReason = true
	return o
}

// checkDeflate asserts permessage-deflate was negotiated, once the library
// has it: req (our side, may be nil) must carry the browser's offer and ext
// is the browser's ws.extensions.
func checkDeflate(t *testing.T, ext string, req *ws.ConnectionRequest) {
	t.Helper()
	_ = ext
	_ = req
}
