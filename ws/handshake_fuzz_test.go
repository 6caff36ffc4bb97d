package ws

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func handshakeSeeds() []string {
	return []string{
		upgradeRequest("/"),
		upgradeRequest("/chat?x=1", "Sec-WebSocket-Protocol: a, b", "Origin: https://x.example", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"),
		upgradeRequest("/") + "\x81\x85\x01\x02\x03\x04hello",
		strings.Replace(upgradeRequest("/"), "GET", "POST", 1),
		upgradeRequest("/", "Sec-WebSocket-Version: 8"),
		upgradeRequest("/", "Sec-WebSocket-Key: short"),
		"GET / HTTP/1.1\r\nHost: x\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\x00\x01\x02garbage\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"",
	}
}

// FuzzCheckRequest feeds arbitrary requests to the server's checks: they
// never panic, and whatever they accept is a well-formed handshake.
func FuzzCheckRequest(f *testing.F) {
	for _, s := range handshakeSeeds() {
		f.Add(s)
	}
	opts := DefaultOptions()
	opts.AllowedOrigins = []string{"https://*.example"}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		hello, rj := checkRequest(r, opts)
		if rj != nil {
			if hello != nil {
				t.Fatal("both accepted and refused")
			}
			if rj.status < 200 || rj.status > 599 || (!rj.statusPage && rj.reason == "") {
				t.Fatalf("bad rejection %+v", rj)
			}
			return
		}
		if !validKey(hello.key) || r.Method != http.MethodGet || !headerHasToken(r.Header, "Upgrade", "websocket") {
			t.Fatalf("accepted a bad handshake: %q", raw)
		}
		for _, p := range hello.protocols {
			if !isToken(p) {
				t.Fatalf("accepted non-token subprotocol %q", p)
			}
		}
	})
}

// FuzzServerHandshake sends arbitrary bytes as the opening handshake to a
// real server on loopback: it never panics, and always answers with an
// HTTP status or closes the connection, within a deadline.
func FuzzServerHandshake(f *testing.F) {
	for _, s := range handshakeSeeds() {
		f.Add([]byte(s))
	}
	// Connections that pass the handshake are closed at once: this fuzzes
	// the handshake, not the engine.
	hook := func(cfg *connConfig) { _ = cfg.netConn.Close() }
	if !testHookStartConn.CompareAndSwap(nil, &hook) {
		f.Fatal("another test's hook is still installed")
	}
	f.Cleanup(func() { testHookStartConn.Store(nil) })

	srv := NewServer(newPlain, optsWith(func(o *Options) {
		o.OpenHandshakeTimeout = time.Second
		o.MaxHeaderBytes = 4096
		o.MaxRequestLineSize = 1024
	}))
	srv.Logger = discardLogger()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		f.Skip("no loopback:", err)
	}
	go func() { _ = srv.Serve(ln) }()
	f.Cleanup(func() { _ = ln.Close() })
	addr := ln.Addr().String()

	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
		if err != nil {
			t.Skip("dial:", err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write(in); err != nil {
			return // the server may close early on garbage
		}
		_ = c.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("server neither answered nor closed within the deadline (input %q)", in)
		}
		if len(out) == 0 {
			return // closed without an answer
		}
		if !bytes.HasPrefix(out, []byte("HTTP/1.")) {
			t.Fatalf("answer is not HTTP: %q", out)
		}
		if _, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil); err != nil {
			t.Fatalf("unparsable answer %q: %v", out, err)
		}
	})
}

// FuzzClientResponse feeds arbitrary answers to the client's checks of the
// 101: they never panic, and what they accept carries the right
// Sec-WebSocket-Accept and an offered subprotocol.
func FuzzClientResponse(f *testing.F) {
	accept := computeAcceptKey(testKey)
	for _, s := range []string{
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n",
		"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
	} {
		f.Add(s)
	}
	offered := []string{"chat", "v2"}
	f.Fuzz(func(t *testing.T, raw string) {
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), &http.Request{Method: http.MethodGet})
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			return
		}
		protocol, _, err := checkResponse(resp, testKey, offered)
		if err != nil {
			if !errors.Is(err, ErrBadHandshake) {
				t.Fatalf("check error does not wrap ErrBadHandshake: %v", err)
			}
			return
		}
		if strings.Trim(resp.Header.Get("Sec-WebSocket-Accept"), " \t") != accept {
			t.Fatalf("accepted a wrong Sec-WebSocket-Accept: %q", raw)
		}
		if protocol != "" && !contains(offered, protocol) {
			t.Fatalf("accepted unoffered subprotocol %q", protocol)
		}
	})
}
