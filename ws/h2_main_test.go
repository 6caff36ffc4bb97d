package ws

import (
	"github.com/autobahn-go/autobahn/internal/h2env"
	"testing"
)

// TestMain re-runs the test binary with GODEBUG=http2xconnect=1 when the
// process did not start with it: net/http reads the setting once, at
// start, and without it its HTTP/2 server refuses RFC 8441 (see
// h2ExtendedConnect). The other tests do not depend on it. Set
// AUTOBAHN_H2_NO_REEXEC=1 to run without (the HTTP/2 tests then skip).
func TestMain(m *testing.M) { h2env.Main(m, h2ExtendedConnect, "ws") }
