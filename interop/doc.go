// Package interop holds the interoperability tests of autobahn-go: our client
// and server against Autobahn|Python 22.7 (driven through /usr/bin/python3
// and the scripts in py/), and, in interop/browser, headless Chromium against
// our server. The package has no API; run it with
//
//	go test -race -count=1 ./interop/...
//
// The tests skip when the peer is not installed, unless CI is set, in which
// case they fail (make deps-interop installs the peers).
package interop
