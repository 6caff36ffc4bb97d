package ws

import (
	"net"
	"strings"
)

// peerFromHostPort renders a "host:port" socket address the way Autobahn
// names peers: "tcp4:127.0.0.1:5000", "tcp6:[::1]:5000". An IPv4-mapped
// IPv6 address counts as tcp4. Anything that is not ip:port comes back as
// "tcp:" + addr.
func peerFromHostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "tcp:" + addr
	}
	if i := strings.IndexByte(host, '%'); i >= 0 { // zone: keep it, parse without it
		if ip := net.ParseIP(host[:i]); ip != nil && ip.To4() == nil {
			return "tcp6:[" + host + "]:" + port
		}
		return "tcp:" + addr
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return "tcp:" + addr
	case ip.To4() != nil:
		return "tcp4:" + ip.To4().String() + ":" + port
	default:
		return "tcp6:[" + ip.String() + "]:" + port
	}
}

// peerFromAddr renders a socket address as a peer string (see
// peerFromHostPort); unix sockets give "unix:path".
func peerFromAddr(a net.Addr) string {
	switch a := a.(type) {
	case nil:
		return ""
	case *net.TCPAddr:
		return peerFromHostPort(a.String())
	case *net.UnixAddr:
		return "unix:" + a.Name
	default:
		return a.Network() + ":" + a.String()
	}
}

// forwardedPeer applies Autobahn's trustXForwardedFor: with hops > 0 and an
// X-Forwarded-For header, the peer is the hops-th address from the right of
// the (comma-joined) header, or the leftmost when the list is shorter. The
// socket peer is kept when hops is 0, there is no header, or the chosen
// element is empty.
func forwardedPeer(socketPeer string, xff []string, hops int) string {
	if hops <= 0 || len(xff) == 0 {
		return socketPeer
	}
	// Walk the elements from the right, without splitting the whole
	// header: the cost is that of the elements skipped, nothing is
	// allocated.
	chosen := ""
	found := false
	for j := len(xff) - 1; j >= 0 && !found; j-- {
		v := xff[j]
		for {
			i := strings.LastIndexByte(v, ',')
			hops--
			if hops == 0 {
				chosen, found = v[i+1:], true
				break
			}
			if i < 0 {
				break
			}
			v = v[:i]
		}
	}
	if !found {
		// Fewer elements than hops: the leftmost.
		chosen, _, _ = strings.Cut(xff[0], ",")
	}
	if chosen = strings.TrimSpace(chosen); chosen == "" {
		return socketPeer
	}
	return chosen
}
