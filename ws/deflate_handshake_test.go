package ws

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// permessage-deflate through the real opening handshake: what a server
// answers to offers on the wire, and what Dial accepts from a server.

func TestDeflateServerHandshake(t *testing.T) {
	tests := []struct {
		name   string
		opts   *DeflateOptions
		offer  string // Sec-WebSocket-Extensions request value, "" for none
		status int
		resp   string // Sec-WebSocket-Extensions response value
		params *deflateParams
	}{
		{name: "off declines", opts: nil, offer: "permessage-deflate", status: 101},
		{name: "no offer", opts: &DeflateOptions{}, status: 101},
		{name: "browser offer", opts: &DeflateOptions{}, offer: "permessage-deflate; client_max_window_bits", status: 101,
			resp: "permessage-deflate", params: &deflateParams{sendWindowBits: 15, recvWindowBits: 15}},
		{name: "bounded server", opts: &DeflateOptions{NoContextTakeover: true, MaxWindowBits: 9},
			offer: "permessage-deflate; client_max_window_bits", status: 101,
			resp:   "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9",
			params: &deflateParams{sendNoTakeover: true, recvNoTakeover: true, sendWindowBits: 9, recvWindowBits: 9}},
		{name: "unknown parameter declined", opts: &DeflateOptions{}, offer: "permessage-deflate; x=1", status: 101},
		// RFC 7692 §5.1: a bad offer is declined, the next may be accepted.
		{name: "malformed value declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=99", status: 101},
		{name: "repeated parameter declined", opts: &DeflateOptions{}, offer: "permessage-deflate; client_max_window_bits; client_max_window_bits", status: 101},
		{name: "bad offer then good one", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=99, permessage-deflate; client_max_window_bits",
			status: 101, resp: "permessage-deflate", params: &deflateParams{sendWindowBits: 15, recvWindowBits: 15}},
		{name: "malformed header fails", opts: &DeflateOptions{}, offer: "permessage-deflate; ;", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			capt := captureConns(t)
			srv := NewServer(newPlain, optsWith(func(o *Options) { o.PerMessageDeflate = tt.opts }))
			addr := startServer(t, srv, "tcp4")
			var lines []string
			if tt.offer != "" {
				lines = append(lines, "Sec-WebSocket-Extensions: "+tt.offer)
			}
			resp, body, _ := rawExchange(t, addr, upgradeRequest("/", lines...))
			require.Equal(t, tt.status, resp.StatusCode, body)
			if tt.status != http.StatusSwitchingProtocols {
				assert.Contains(t, body, "permessage-deflate")
				return
			}
			assert.Equal(t, tt.resp, resp.Header.Get("Sec-WebSocket-Extensions"))
			cfg := capt.next(t)
			if tt.params == nil {
				assert.Nil(t, cfg.pmd)
				return
			}
			assert.Equal(t, withCommon(*tt.params), codecParams(t, cfg.pmd))
		})
	}
}

func TestDeflateDialHandshake(t *testing.T) {
	tests := []struct {
		name    string
		opts    *DeflateOptions
		offered string // what the client must send
		resp    string // the fake server's Sec-WebSocket-Extensions, "" for none
		params  *deflateParams
		wantErr bool
	}{
		{name: "off offers nothing", opts: nil, offered: ""},
		{name: "off rejects an unoffered extension", opts: nil, offered: "", resp: "permessage-deflate", wantErr: true},
		{name: "declined", opts: &DeflateOptions{}, offered: "permessage-deflate; client_max_window_bits"},
		{name: "accepted", opts: &DeflateOptions{}, offered: "permessage-deflate; client_max_window_bits",
			resp: "permessage-deflate; client_max_window_bits=10", params: &deflateParams{sendWindowBits: 10, recvWindowBits: 15}},
		{name: "unrequested server limits accepted", opts: &DeflateOptions{}, offered: "permessage-deflate; client_max_window_bits",
			resp:   "permessage-deflate; server_no_context_takeover; server_max_window_bits=8",
			params: &deflateParams{recvNoTakeover: true, sendWindowBits: 15, recvWindowBits: 8}},
		{name: "requested limit ignored", opts: &DeflateOptions{MaxWindowBits: 10},
			offered: "permessage-deflate; client_max_window_bits=10; server_max_window_bits=10",
			resp:    "permessage-deflate", wantErr: true},
		{name: "unknown response parameter", opts: &DeflateOptions{}, offered: "permessage-deflate; client_max_window_bits",
			resp: "permessage-deflate; foo=bar", wantErr: true},
		{name: "other extension", opts: &DeflateOptions{}, offered: "permessage-deflate; client_max_window_bits",
			resp: "x-webkit-deflate-frame", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			capt := captureConns(t)
			addr, reqs := fakeServer(t, func(r *http.Request) string {
				if tt.resp == "" {
					return ok101(r)
				}
				return ok101(r, "Sec-WebSocket-Extensions: "+tt.resp)
			})
			_, err := Dial(dialCtx(t), "ws://"+addr+"/", &plainHandler{},
				optsWith(func(o *Options) { o.PerMessageDeflate = tt.opts }))
			req := <-reqs
			assert.Equal(t, tt.offered, req.Header.Get("Sec-WebSocket-Extensions"))
			if tt.wantErr {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrBadHandshake)
				return
			}
			require.NoError(t, err)
			cfg := capt.next(t)
			if tt.params == nil {
				assert.Nil(t, cfg.pmd)
				return
			}
			assert.Equal(t, withCommon(*tt.params), codecParams(t, cfg.pmd))
		})
	}
}

// A client and a server of this package agree, and their codecs talk.
func TestDeflateHandshakeBothEnds(t *testing.T) {
	capt := captureConns(t)
	srv := NewServer(newPlain, optsWith(func(o *Options) { o.PerMessageDeflate = &DeflateOptions{MaxWindowBits: 11} }))
	addr := startServer(t, srv, "tcp4")
	_, err := Dial(dialCtx(t), "ws://"+addr+"/", &plainHandler{},
		optsWith(func(o *Options) { o.PerMessageDeflate = &DeflateOptions{NoContextTakeover: true} }))
	require.NoError(t, err)
	var client, server *deflateCodec
	for i := 0; i < 2; i++ {
		cfg := capt.next(t)
		require.NotNil(t, cfg.pmd)
		if cfg.isServer {
			server = cfg.pmd.(*deflateCodec)
		} else {
			client = cfg.pmd.(*deflateCodec)
		}
	}
	require.NotNil(t, client)
	require.NotNil(t, server)
	assert.Equal(t, deflateParams{sendNoTakeover: true, recvNoTakeover: true, sendWindowBits: 11, recvWindowBits: 11,
		level: DefaultDeflateLevel, threshold: DefaultDeflateThreshold}, server.p)
	assert.Equal(t, server.p, client.p, "symmetric here: both directions bounded")
	msg := []byte("hello hello hello hello, permessage-deflate")
	for _, pair := range [][2]*deflateCodec{{client, server}, {server, client}} {
		comp, err := pair[0].compress(nil, msg)
		require.NoError(t, err)
		got, err := inflateAll(pair[1], comp, 16)
		require.NoError(t, err)
		assert.Equal(t, msg, got)
	}
}
