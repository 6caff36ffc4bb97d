package browser

import (
	"testing"

	"github.com/autobahn-go/autobahn/internal/h2env"
	"github.com/autobahn-go/autobahn/ws"
)

// TestMain re-runs the test binary with GODEBUG=http2xconnect=1 when the
// process did not start with it: net/http reads the setting once, at
// start, and without it its HTTP/2 server does not advertise
// SETTINGS_ENABLE_CONNECT_PROTOCOL, so Chromium would never open a
// WebSocket over HTTP/2 (TestChromiumEchoHTTP2). The HTTP/1.1 tests do not
// depend on it.
func TestMain(m *testing.M) { h2env.Main(m, ws.HTTP2ExtendedConnect(), "interop/browser") }
