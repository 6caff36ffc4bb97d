package ws

import (
	"crypto/sha256"
	"crypto/tls"
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

// Channel binding types of TransportDetails.ChannelID.
const (
	// ChannelBindingTLSUnique is Autobahn's "tls-unique" channel id: the
	// SHA-256 of the TLS Finished message of RFC 5929's tls-unique (32
	// bytes). TLS 1.2 only: TLS 1.3 has no tls-unique (RFC 9266).
	ChannelBindingTLSUnique = "tls-unique"
	// ChannelBindingTLSExporter is RFC 9266's tls-exporter: 32 bytes of
	// keying material exported with the label "EXPORTER-Channel-Binding"
	// and no context. Available with TLS 1.3, and with TLS 1.2 when the
	// extended master secret was negotiated.
	ChannelBindingTLSExporter = "tls-exporter"
)

// exporterLabel is RFC 9266's exporter label.
const exporterLabel = "EXPORTER-Channel-Binding"

// setTLS fills the TLS fields of td from a finished handshake.
func (td *TransportDetails) setTLS(cs *tls.ConnectionState) {
	if cs == nil {
		return
	}
	td.IsSecure = true
	td.TLS = cs
	if len(cs.PeerCertificates) > 0 {
		td.PeerCert = cs.PeerCertificates[0]
	}
	td.ChannelID = map[string][]byte{}
	if len(cs.TLSUnique) > 0 {
		sum := sha256.Sum256(cs.TLSUnique)
		td.ChannelID[ChannelBindingTLSUnique] = sum[:]
	}
	if ekm, err := cs.ExportKeyingMaterial(exporterLabel, nil, 32); err == nil {
		td.ChannelID[ChannelBindingTLSExporter] = ekm
	}
}

// requestWireSize is the size of r's opening handshake as sent: request
// line, header block and the empty line (reconstructed: net/http has
// parsed it).
func requestWireSize(r *http.Request) int {
	uri := r.RequestURI
	if uri == "" && r.URL != nil {
		uri = r.URL.RequestURI()
	}
	return len(r.Method) + 1 + len(uri) + 1 + len(r.Proto) + 2 + requestHeaderSize(r) + 2
}
