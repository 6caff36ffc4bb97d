package ws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testClientCert makes a self-signed client certificate.
func testClientCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "test client"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTransportDetailsTLS(t *testing.T) {
	tests := []struct {
		name       string
		version    uint16
		clientCert bool
		wantUnique bool
	}{
		{name: "TLS 1.3 with client certificate", version: tls.VersionTLS13, clientCert: true},
		{name: "TLS 1.3 without client certificate", version: tls.VersionTLS13},
		{name: "TLS 1.2", version: tls.VersionTLS12, clientCert: true, wantUnique: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reqs := make(chan *ConnectionRequest, 1)
			srv := NewServer(func() Handler { return &reqEchoHandler{reqs: reqs} }, nil)
			ts := httptest.NewUnstartedServer(srv)
			ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert, MinVersion: tc.version, MaxVersion: tc.version}
			ts.StartTLS()
			defer ts.Close()
			pool := x509.NewCertPool()
			pool.AddCert(ts.Certificate())
			cfg := &tls.Config{RootCAs: pool}
			var cert tls.Certificate
			if tc.clientCert {
				cert = testClientCert(t)
				cfg.Certificates = []tls.Certificate{cert}
			}
			u := strings.Replace(ts.URL, "https://", "wss://", 1) + "/"
			c, err := Dial(dialCtx(t), u, nil, optsWith(func(o *Options) { o.TLSConfig = cfg }))
			require.NoError(t, err)
			defer c.CloseNow()
			client := c.Transport()
			server := (<-reqs).Transport

			for _, td := range []*TransportDetails{client, server} {
				assert.True(t, td.IsSecure)
				require.NotNil(t, td.TLS)
				assert.Equal(t, tc.version, td.TLS.Version)
				exp := td.ChannelID[ChannelBindingTLSExporter]
				assert.Len(t, exp, 32)
				if tc.wantUnique {
					assert.Len(t, td.ChannelID[ChannelBindingTLSUnique], 32)
				} else {
					assert.NotContains(t, td.ChannelID, ChannelBindingTLSUnique, "TLS 1.3 has no tls-unique")
				}
			}
			assert.Equal(t, client.ChannelID, server.ChannelID, "both ends see the same channel bindings")
			require.NotNil(t, client.PeerCert)
			assert.True(t, client.PeerCert.Equal(ts.Certificate()), "the client sees the server's leaf")
			if tc.clientCert {
				require.NotNil(t, server.PeerCert)
				assert.Equal(t, "test client", server.PeerCert.Subject.CommonName)
				assert.Equal(t, cert.Certificate[0], server.PeerCert.Raw)
			} else {
				assert.Nil(t, server.PeerCert)
			}

			// Another connection has other bindings.
			c2, err := Dial(dialCtx(t), u, nil, optsWith(func(o *Options) { o.TLSConfig = cfg }))
			require.NoError(t, err)
			defer c2.CloseNow()
			<-reqs
			assert.NotEqual(t, client.ChannelID[ChannelBindingTLSExporter], c2.Transport().ChannelID[ChannelBindingTLSExporter])
		})
	}

	// Without TLS the fields stay empty.
	reqs := make(chan *ConnectionRequest, 1)
	srv := NewServer(func() Handler { return &reqEchoHandler{reqs: reqs} }, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, err := Dial(dialCtx(t), "ws"+strings.TrimPrefix(ts.URL, "http")+"/", nil, nil)
	require.NoError(t, err)
	defer c.CloseNow()
	for _, td := range []*TransportDetails{c.Transport(), (<-reqs).Transport} {
		assert.False(t, td.IsSecure)
		assert.Nil(t, td.TLS)
		assert.Nil(t, td.PeerCert)
		assert.Empty(t, td.ChannelID)
	}
}
