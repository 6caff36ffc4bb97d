package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"github.com/autobahn-go/autobahn/internal/h2env"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

// TestMain re-runs the tests with GODEBUG=http2xconnect=1 (read by
// net/http once, at start) so that the server offers RFC 8441.
func TestMain(m *testing.M) { h2env.Main(m, ws.HTTP2ExtendedConnect(), "echo") }

// writeTestCert writes a self-signed certificate for 127.0.0.1 and its key
// as PEM files and returns their paths and a pool trusting it.
func writeTestCert(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "autobahn-go test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

// TestEchoHTTP2: -tls-cert/-tls-key serve HTTP/1.1 and h2 on one port,
// -h2c serves h2c; a WebSocket echoes over each.
func TestEchoHTTP2(t *testing.T) {
	certFile, keyFile, roots := writeTestCert(t)
	cases := []struct {
		name    string
		args    []string
		scheme  string
		http2   bool
		version string
	}{
		{"tls-h2", []string{"-tls-cert", certFile, "-tls-key", keyFile}, "wss", true, "HTTP/2.0"},
		{"tls-h1", []string{"-tls-cert", certFile, "-tls-key", keyFile}, "wss", false, "HTTP/1.1"},
		{"h2c", []string{"-h2c"}, "ws", true, "HTTP/2.0"},
		{"h2c-h1", []string{"-h2c"}, "ws", false, "HTTP/1.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFlags(tc.args, io.Discard)
			require.NoError(t, err)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			ln, scheme, err := wrapTLS(ln, c)
			require.NoError(t, err)
			assert.Equal(t, tc.scheme+"://", scheme)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- serve(ctx, ln, c, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
			defer func() {
				cancel()
				assert.NoError(t, <-done)
			}()

			o := ws.DefaultOptions()
			o.HTTP2 = tc.http2
			o.TLSConfig = &tls.Config{RootCAs: roots}
			dctx, dcancel := context.WithTimeout(context.Background(), testTimeout)
			defer dcancel()
			conn, err := ws.Dial(dctx, scheme+ln.Addr().String()+"/", nil, o)
			require.NoError(t, err)
			assert.Equal(t, tc.version, conn.Transport().HTTPVersion)
			require.NoError(t, conn.SendMessage([]byte("hello over "+tc.name), false))
			_, got, err := conn.ReadMessage(dctx)
			require.NoError(t, err)
			assert.Equal(t, "hello over "+tc.name, string(got))
			require.NoError(t, conn.Close())
		})
	}
}

func TestEchoTLSFlags(t *testing.T) {
	for _, args := range [][]string{{"-tls-cert", "x"}, {"-tls-key", "y"}, {"-h2c", "-tls-cert", "x", "-tls-key", "y"}} {
		_, err := parseFlags(args, io.Discard)
		assert.Error(t, err, "%v", args)
	}
	c, err := parseFlags([]string{"-tls-cert", "/nonexistent", "-tls-key", "/nonexistent"}, io.Discard)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, _, err = wrapTLS(ln, c)
	assert.ErrorContains(t, err, "TLS certificate")
}
