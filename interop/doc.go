// Package interop holds the interoperability tests of autobahn-go: our client
// and server against Autobahn|Python 22.7 (driven through /usr/bin/python3
// and the scripts in py/), and, in interop/browser, headless Chromium against
// our server. Compression is covered with permessage-deflate,
// permessage-snappy and permessage-brotli in both directions (py/pmce.py
// adds permessage-brotli, which Autobahn 22.7 lacks, with the wire format
// of later Autobahn releases, and works around Debian python3-snappy's
// broken CRC-32C on Python 3.11). The package has no API; run it with
//
//	go test -race -count=1 ./interop/...
//
// The tests skip when the peer is not installed, unless CI is set, in which
// case they fail (make deps-interop installs the peers).
package interop
