package ws

import (
	"net"
	"net/http"
)

// requestPeer names the peer of a server-side request the way Autobahn
// does: "tcp4:ip:port" style, or "unix:path" (the listening socket, as a
// Unix-socket client has no name of its own) on a Unix listener.
func requestPeer(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(*net.UnixAddr); ok {
		return "unix:" + a.Name
	}
	return peerFromHostPort(r.RemoteAddr)
}
