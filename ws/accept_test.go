package ws

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type rejectCase struct {
	name       string
	req        string
	opts       func(*Options)
	status     int
	header     map[string]string // expected response headers
	bodyHas    string
	recorderOK bool // also meaningful through ServeHTTP on a recorder
}

func rejectCases() []rejectCase {
	long := strings.Repeat("a", 300)
	return []rejectCase{
		{name: "POST", req: strings.Replace(upgradeRequest("/"), "GET", "POST", 1),
			status: 405, header: map[string]string{"Allow": "GET"}, bodyHas: "GET", recorderOK: true},
		{name: "HTTP/1.0", req: strings.Replace(upgradeRequest("/"), "HTTP/1.1", "HTTP/1.0", 1),
			status: 505, bodyHas: "HTTP/1.1", recorderOK: true},
		{name: "plain GET gets status page", req: upgradeRequest("/", "Upgrade:", "Connection:"),
			status: 200, bodyHas: "WebSocket", recorderOK: true},
		{name: "plain GET without WebStatus", req: upgradeRequest("/", "Upgrade:", "Connection:"),
			opts: func(o *Options) { o.WebStatus = false }, status: 426,
			header: map[string]string{"Upgrade": "websocket"}, recorderOK: true},
		{name: "Upgrade without websocket", req: upgradeRequest("/", "Upgrade: h2c"),
			status: 426, header: map[string]string{"Upgrade": "websocket"}, recorderOK: true},
		{name: "Upgrade token case-insensitive", req: upgradeRequest("/", "Upgrade: WebSocket", "Connection: keep-alive, UPGRADE"),
			status: 101},
		{name: "no Connection upgrade", req: upgradeRequest("/", "Connection: keep-alive"),
			status: 400, bodyHas: "Connection", recorderOK: true},
		{name: "version missing", req: upgradeRequest("/", "Sec-WebSocket-Version:"),
			status: 400, header: map[string]string{"Sec-WebSocket-Version": "13"}, recorderOK: true},
		{name: "version 8", req: upgradeRequest("/", "Sec-WebSocket-Version: 8"),
			status: 426, header: map[string]string{"Sec-WebSocket-Version": "13"}, bodyHas: "version", recorderOK: true},
		{name: "version malformed", req: upgradeRequest("/", "Sec-WebSocket-Version: thirteen"),
			status: 400, header: map[string]string{"Sec-WebSocket-Version": "13"}, recorderOK: true},
		{name: "version repeated", req: upgradeRequest("/", "Sec-WebSocket-Version: 13, 8"),
			status: 400, header: map[string]string{"Sec-WebSocket-Version": "13"}, recorderOK: true},
		{name: "key missing", req: upgradeRequest("/", "Sec-WebSocket-Key:"),
			status: 400, bodyHas: "Sec-WebSocket-Key", recorderOK: true},
		{name: "key 15 bytes", req: upgradeRequest("/", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j"),
			status: 400, bodyHas: "Sec-WebSocket-Key", recorderOK: true},
		{name: "key not base64", req: upgradeRequest("/", "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!=="),
			status: 400, bodyHas: "Sec-WebSocket-Key", recorderOK: true},
		{name: "bad subprotocol token", req: upgradeRequest("/", "Sec-WebSocket-Protocol: chat room"),
			status: 400, bodyHas: "Sec-WebSocket-Protocol", recorderOK: true},
		{name: "duplicate subprotocol", req: upgradeRequest("/", "Sec-WebSocket-Protocol: chat, chat"),
			status: 400, bodyHas: "duplicate", recorderOK: true},
		{name: "malformed extensions", req: upgradeRequest("/", "Sec-WebSocket-Extensions: permessage-deflate;"),
			status: 400, bodyHas: "Sec-WebSocket-Extensions", recorderOK: true},
		{name: "origin not allowed", req: upgradeRequest("/", "Origin: https://evil.org"),
			opts:   func(o *Options) { o.AllowedOrigins = []string{"https://*.example.com"} },
			status: 403, bodyHas: "evil.org", recorderOK: true},
		{name: "origin allowed by wildcard", req: upgradeRequest("/", "Origin: https://app.example.com"),
			opts: func(o *Options) { o.AllowedOrigins = []string{"https://*.example.com"} }, status: 101},
		{name: "origin with explicit default port allowed", req: upgradeRequest("/", "Origin: https://app.example.com:443"),
			opts: func(o *Options) { o.AllowedOrigins = []string{"https://*.example.com"} }, status: 101},
		{name: "origin on another port refused", req: upgradeRequest("/", "Origin: https://app.example.com:8443"),
			opts:   func(o *Options) { o.AllowedOrigins = []string{"https://*.example.com"} },
			status: 403, bodyHas: "8443", recorderOK: true},
		{name: "malformed origin", req: upgradeRequest("/", "Origin: not-a-url"),
			status: 400, bodyHas: "malformed Origin", recorderOK: true},
		{name: "file origin is null", req: upgradeRequest("/", "Origin: file://"),
			opts: func(o *Options) { o.AllowNullOrigin = false }, status: 403, recorderOK: true},
		{name: "null origin refused", req: upgradeRequest("/", "Origin: null"),
			opts: func(o *Options) { o.AllowNullOrigin = false }, status: 403, recorderOK: true},
		{name: "request line too long", req: upgradeRequest("/" + long),
			opts: func(o *Options) { o.MaxRequestLineSize = 100 }, status: 414, recorderOK: true},
		{name: "headers too large", req: upgradeRequest("/", "X-Big: "+long),
			opts: func(o *Options) { o.MaxHeaderBytes = 256 }, status: 431, recorderOK: true},
		{name: "request with a body", req: upgradeRequest("/", "Content-Length: 5") + "hello",
			status: 400, bodyHas: "body", recorderOK: true},
		{name: "valid", req: upgradeRequest("/chat?x=1"), status: 101},
	}
}

func TestServerRejectsRawTCP(t *testing.T) {
	for _, tc := range rejectCases() {
		t.Run(tc.name, func(t *testing.T) {
			captureConns(t)
			srv := NewServer(newPlain, optsWith(tc.opts))
			addr := startServer(t, srv, "tcp4")
			resp, body, _ := rawExchange(t, addr, tc.req)
			assert.Equal(t, tc.status, resp.StatusCode, "body: %s", body)
			for k, v := range tc.header {
				assert.Equal(t, v, resp.Header.Get(k), "header %s", k)
			}
			if tc.bodyHas != "" {
				assert.Contains(t, body, tc.bodyHas)
			}
			if tc.status == 101 {
				assert.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", resp.Header.Get("Sec-WebSocket-Accept"))
				assert.Equal(t, "websocket", resp.Header.Get("Upgrade"))
				assert.Equal(t, "Upgrade", resp.Header.Get("Connection"))
			}
		})
	}
}

func TestServerRejectsRecorder(t *testing.T) {
	for _, tc := range rejectCases() {
		if !tc.recorderOK {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tc.req)))
			require.NoError(t, err)
			r.RemoteAddr = "192.0.2.1:1234"
			rec := httptest.NewRecorder()
			NewServer(newPlain, optsWith(tc.opts)).ServeHTTP(rec, r)
			assert.Equal(t, tc.status, rec.Code, "body: %s", rec.Body.String())
			for k, v := range tc.header {
				assert.Equal(t, v, rec.Header().Get(k), "header %s", k)
			}
			if tc.bodyHas != "" {
				assert.Contains(t, rec.Body.String(), tc.bodyHas)
			}
		})
	}
}

func TestServerRejectsMissingHost(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host = ""
	for _, l := range []string{"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + testKey, "Sec-WebSocket-Version: 13"} {
		k, v, _ := strings.Cut(l, ": ")
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	NewServer(newPlain, nil).ServeHTTP(rec, r)
	assert.Equal(t, 400, rec.Code)
	assert.Contains(t, rec.Body.String(), "Host")
}

func TestServerCannotHijackRecorder(t *testing.T) {
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(upgradeRequest("/"))))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	NewServer(newPlain, nil).ServeHTTP(rec, r)
	assert.Equal(t, 500, rec.Code)
}

func TestAcceptBlockingMode(t *testing.T) {
	capt := captureConns(t)
	type result struct {
		c   *Conn
		err error
	}
	results := make(chan result, 4)
	opts := optsWith(func(o *Options) { o.Protocols = []string{"v2", "v1"} })
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, opts)
		results <- result{c, err}
	}))
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")

	// Subprotocol: the first of ours the client offered (our preference).
	resp, _, _ := rawExchange(t, addr, upgradeRequest("/", "Sec-WebSocket-Protocol: v1, v2, v3"))
	require.Equal(t, 101, resp.StatusCode)
	assert.Equal(t, "v2", resp.Header.Get("Sec-WebSocket-Protocol"))
	res := <-results
	require.NoError(t, res.err)
	assert.NotNil(t, res.c)
	cfg := capt.next(t)
	assert.Nil(t, cfg.handler, "blocking mode has no handler")
	assert.Equal(t, "v2", cfg.protocol)
	assert.True(t, cfg.isServer)
	assert.NotNil(t, cfg.onDone)
	assert.NotNil(t, cfg.logger)

	// No common subprotocol: accepted without one.
	resp, _, _ = rawExchange(t, addr, upgradeRequest("/", "Sec-WebSocket-Protocol: other"))
	require.Equal(t, 101, resp.StatusCode)
	assert.Empty(t, resp.Header.Values("Sec-WebSocket-Protocol"))
	require.NoError(t, (<-results).err)
	assert.Equal(t, "", capt.next(t).protocol)

	// A refusal comes back as a *HandshakeError with the status sent.
	resp, _, _ = rawExchange(t, addr, upgradeRequest("/", "Sec-WebSocket-Version: 7"))
	assert.Equal(t, 426, resp.StatusCode)
	res = <-results
	var he *HandshakeError
	require.True(t, errors.As(res.err, &he), "%v", res.err)
	assert.Equal(t, 426, he.Status)
	assert.ErrorIs(t, res.err, ErrBadHandshake)
	assert.Nil(t, res.c)
}

func TestBuildUpgradeResponseSkipsReservedAndInvalidHeaders(t *testing.T) {
	extra := http.Header{
		"X-Ok":                 {"1"},
		"Sec-Websocket-Accept": {"forged"},
		"Upgrade":              {"h2c"},
		"X-Bad":                {"a\r\nInjected: yes"},
		"Bad Name":             {"x"},
	}
	raw := string(buildUpgradeResponse(testKey, "chat", "permessage-deflate", extra))
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
	require.NoError(t, err)
	assert.Equal(t, 101, resp.StatusCode)
	assert.Equal(t, []string{"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}, resp.Header.Values("Sec-WebSocket-Accept"))
	assert.Equal(t, []string{"websocket"}, resp.Header.Values("Upgrade"))
	assert.Equal(t, "chat", resp.Header.Get("Sec-WebSocket-Protocol"))
	assert.Equal(t, "permessage-deflate", resp.Header.Get("Sec-WebSocket-Extensions"))
	assert.Equal(t, "1", resp.Header.Get("X-Ok"))
	assert.Empty(t, resp.Header.Get("X-Bad"))
	assert.Empty(t, resp.Header.Get("Injected"))
	assert.NotContains(t, raw, "Bad Name")
}

func TestUpgradeResponseServerHeaders(t *testing.T) {
	tests := []struct {
		name    string
		opts    func() *Options
		perConn http.Header
		want    map[string][]string // header -> values; nil values: absent
	}{
		{"default Server header", DefaultOptions, nil,
			map[string][]string{"Server": {DefaultServer}}},
		{"literal gets the default Server header", func() *Options { return &Options{} }, nil,
			map[string][]string{"Server": {DefaultServer}}},
		{"no Server header", func() *Options { o := DefaultOptions(); o.Server = ""; return o }, nil,
			map[string][]string{"Server": nil}},
		{"server-wide headers", func() *Options {
			o := DefaultOptions()
			o.Server = "MyApp/1.0"
			o.Headers = http.Header{"X-Frame": {"a", "b"}, "x-lower": {"c"}, "Sec-Websocket-Accept": {"forged"}}
			return o
		}, nil, map[string][]string{"Server": {"MyApp/1.0"}, "X-Frame": {"a", "b"}, "X-Lower": {"c"}}},
		{"per-connection headers replace same-named ones", func() *Options {
			o := DefaultOptions()
			o.Headers = http.Header{"X-Frame": {"server"}, "X-Keep": {"k"}}
			return o
		}, http.Header{"X-Frame": {"conn"}, "Server": {"Conn/2"}},
			map[string][]string{"Server": {"Conn/2"}, "X-Frame": {"conn"}, "X-Keep": {"k"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts().clone()
			raw := string(buildUpgradeResponse(testKey, "", "", responseHeaders(o, tt.perConn)))
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
			require.NoError(t, err)
			assert.Equal(t, 101, resp.StatusCode)
			assert.Equal(t, []string{"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}, resp.Header.Values("Sec-WebSocket-Accept"))
			for k, v := range tt.want {
				assert.Equal(t, v, resp.Header.Values(k), k)
			}
		})
	}
}

func TestServerHeadersEndToEnd(t *testing.T) {
	o := DefaultOptions()
	o.Server = "Test/3"
	o.Headers = http.Header{"X-Server-Wide": {"yes"}}
	s := NewServer(func() Handler { return &BaseHandler{} }, o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = s.Serve(ln) }()
	defer func() { _ = s.Shutdown(context.Background()) }()
	co := DefaultOptions()
	co.Headers = http.Header{"X-Client": {"1"}}
	c, err := Dial(context.Background(), "ws://"+ln.Addr().String()+"/", nil, co)
	require.NoError(t, err)
	defer c.CloseNow()
	assert.Equal(t, "Test/3", c.Response().Headers.Get("Server"))
	assert.Equal(t, "yes", c.Response().Headers.Get("X-Server-Wide"))
}

func TestOptionsValidateServerHeader(t *testing.T) {
	o := DefaultOptions()
	o.Server = "x\r\nInjected: 1"
	require.Error(t, o.Validate())
}
