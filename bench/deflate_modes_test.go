package bench

import "github.com/autobahn-go/autobahn/ws"

// deflateModes are the permessage-deflate settings BenchmarkEcho covers.
func deflateModes() []bool { return []bool{false, true} }

// setDeflate turns permessage-deflate on in o (offered by the client,
// accepted by the server) when on.
func setDeflate(o *ws.Options, on bool) {
	if on {
		o.PerMessageDeflate = &ws.DeflateOptions{}
	}
}
