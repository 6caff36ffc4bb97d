package ws

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestComputeAcceptKeyRFCExample(t *testing.T) {
	// RFC 6455 1.3.
	assert.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
}

func TestGenerateKey(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 32; i++ {
		k, err := generateKey()
		require.NoError(t, err)
		require.True(t, validKey(k), k)
		b, err := base64.StdEncoding.DecodeString(k)
		require.NoError(t, err)
		assert.Len(t, b, 16)
		assert.False(t, seen[k], "key repeated")
		seen[k] = true
	}
}

func TestValidKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"dGhlIHNhbXBsZSBub25jZQ==", true},
		{"AAAAAAAAAAAAAAAAAAAAAA==", true},
		{"", false},
		{"dGhlIHNhbXBsZSBub25jZQ", false},     // no padding
		{"dGhlIHNhbXBsZSBub25jZQ=", false},    // short padding
		{"dGhlIHNhbXBsZSBub25jZXg=", false},   // 17 bytes
		{"dGhlIHNhbXBsZSBub25j", false},       // 15 bytes
		{"dGhlIHNhbXBsZSBub25jZQ!=", false},   // bad char
		{"dGhlIHNhbXBsZSBub25jZQ===", false},  // too long
		{"dGhlIHNhbXBsZSBub25jZQ-_", false},   // URL alphabet
		{"ZGhlIHNhbXBsZSBub25jZQ====", false}, // extra padding
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, validKey(tt.key), "%q", tt.key)
	}
}

func TestHeaderHasToken(t *testing.T) {
	tests := []struct {
		values []string
		token  string
		want   bool
	}{
		{[]string{"Upgrade"}, "upgrade", true},
		{[]string{"keep-alive, Upgrade"}, "upgrade", true},
		{[]string{"keep-alive", "UPGRADE"}, "upgrade", true},
		{[]string{" upgrade\t"}, "upgrade", true},
		{[]string{"upgrade2"}, "upgrade", false},
		{[]string{"keep-alive"}, "upgrade", false},
		{nil, "upgrade", false},
		{[]string{"WebSocket"}, "websocket", true},
		{[]string{"h2c, websocket"}, "websocket", true},
		{[]string{"websocket/13"}, "websocket", false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.values {
			h.Add("Connection", v)
		}
		assert.Equal(t, tt.want, headerHasToken(h, "Connection", tt.token), "%q", tt.values)
	}
}

func TestParseTokenList(t *testing.T) {
	tests := []struct {
		values  []string
		want    []string
		wantErr bool
	}{
		{nil, nil, false},
		{[]string{"chat"}, []string{"chat"}, false},
		{[]string{"chat, superchat"}, []string{"chat", "superchat"}, false},
		{[]string{"chat", "v2.wamp.json"}, []string{"chat", "v2.wamp.json"}, false},
		{[]string{" , chat ,, "}, []string{"chat"}, false},
		{[]string{"chat room"}, nil, true},
		{[]string{"chat;x"}, nil, true},
		{[]string{"\"chat\""}, nil, true},
		{[]string{"ch\x01at"}, nil, true},
		{[]string{"ché"}, nil, true},
	}
	for _, tt := range tests {
		got, err := parseTokenList(tt.values)
		if tt.wantErr {
			assert.Error(t, err, "%q", tt.values)
			continue
		}
		require.NoError(t, err, "%q", tt.values)
		assert.Equal(t, tt.want, got, "%q", tt.values)
	}
}

func TestHandshakeErrorWrapsErrBadHandshake(t *testing.T) {
	var err error = &HandshakeError{Status: 403, Body: "origin not allowed\n"}
	assert.True(t, errors.Is(err, ErrBadHandshake))
	assert.Contains(t, err.Error(), "403")
	assert.Contains(t, err.Error(), "origin not allowed")
}

func FuzzParseTokenList(f *testing.F) {
	for _, s := range []string{"chat", "a, b", " , ,", "a b", "\"x\"", "v2.wamp.json, wamp.2.cbor"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks, err := parseTokenList([]string{s})
		if err != nil {
			return
		}
		for _, tok := range toks {
			if !isToken(tok) {
				t.Fatalf("parseTokenList(%q) returned non-token %q", s, tok)
			}
		}
	})
}

func FuzzParseExtensions(f *testing.F) {
	for _, s := range []string{
		"permessage-deflate",
		"permessage-deflate; client_max_window_bits, permessage-deflate",
		"permessage-deflate; server_max_window_bits=10; client_no_context_takeover",
		`foo; bar="baz"`,
		`foo; bar="b\"az"`,
		"foo;;", ", ,", `x; y="`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		exts, err := parseExtensions([]string{s})
		if err != nil {
			return
		}
		for _, e := range exts {
			if !isToken(e.Name) {
				t.Fatalf("parseExtensions(%q): extension name %q is not a token", s, e.Name)
			}
			for _, p := range e.Params {
				if !isToken(p.Name) {
					t.Fatalf("parseExtensions(%q): param name %q is not a token", s, p.Name)
				}
				if p.HasValue && !isToken(p.Value) {
					t.Fatalf("parseExtensions(%q): param value %q is not a token", s, p.Value)
				}
			}
		}
	})
}
