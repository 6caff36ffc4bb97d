package ws

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPeerFromHostPort(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:5000", "tcp4:127.0.0.1:5000"},
		{"[::1]:5000", "tcp6:[::1]:5000"},
		{"[::ffff:10.0.0.1]:80", "tcp4:10.0.0.1:80"},
		{"[2001:db8::1]:443", "tcp6:[2001:db8::1]:443"},
		{"[fe80::1%eth0]:443", "tcp6:[fe80::1%eth0]:443"},
		{"example.com:80", "tcp:example.com:80"},
		{"garbage", "tcp:garbage"},
		{"", "tcp:"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, peerFromHostPort(tt.addr), tt.addr)
	}
}

func TestPeerFromAddr(t *testing.T) {
	assert.Equal(t, "tcp4:127.0.0.1:9", peerFromAddr(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}))
	assert.Equal(t, "tcp6:[::1]:9", peerFromAddr(&net.TCPAddr{IP: net.IPv6loopback, Port: 9}))
	assert.Equal(t, "unix:/tmp/s", peerFromAddr(&net.UnixAddr{Name: "/tmp/s", Net: "unix"}))
	assert.Equal(t, "", peerFromAddr(nil))
}

func TestForwardedPeer(t *testing.T) {
	const sock = "tcp4:10.0.0.9:4000"
	tests := []struct {
		name string
		xff  []string
		hops int
		want string
	}{
		{"not trusted", []string{"1.1.1.1"}, 0, sock},
		{"no header", nil, 1, sock},
		{"one hop, one address", []string{"1.1.1.1"}, 1, "1.1.1.1"},
		{"one hop, rightmost", []string{"1.1.1.1, 2.2.2.2, 3.3.3.3"}, 1, "3.3.3.3"},
		{"two hops", []string{"1.1.1.1, 2.2.2.2, 3.3.3.3"}, 2, "2.2.2.2"},
		{"hops = len", []string{"1.1.1.1, 2.2.2.2, 3.3.3.3"}, 3, "1.1.1.1"},
		{"more hops than addresses: leftmost", []string{"1.1.1.1, 2.2.2.2"}, 5, "1.1.1.1"},
		{"several header lines join", []string{"1.1.1.1", "2.2.2.2"}, 1, "2.2.2.2"},
		{"spaces trimmed", []string{"  1.1.1.1 ,\t2.2.2.2  "}, 2, "1.1.1.1"},
		{"empty element keeps socket", []string{"1.1.1.1, "}, 1, sock},
		{"ipv6 element", []string{"2001:db8::1"}, 1, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, forwardedPeer(sock, tt.xff, tt.hops))
		})
	}
}
