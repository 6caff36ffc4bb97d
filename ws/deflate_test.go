package ws

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParseExt(t *testing.T, h string) []ExtensionOffer {
	t.Helper()
	if h == "" {
		return nil
	}
	exts, err := parseExtensions([]string{h})
	require.NoError(t, err, h)
	return exts
}

func codecParams(t *testing.T, c pmdCodec) deflateParams {
	t.Helper()
	require.NotNil(t, c)
	dc, ok := c.(*deflateCodec)
	require.True(t, ok)
	return dc.p
}

// defaults for the parameters that are not negotiated.
func withCommon(p deflateParams) deflateParams {
	p.level, p.threshold = DefaultDeflateLevel, DefaultDeflateThreshold
	return p
}

func TestServerNegotiation(t *testing.T) {
	full := deflateParams{sendWindowBits: 15, recvWindowBits: 15}
	tests := []struct {
		name    string
		opts    *DeflateOptions
		offer   string
		resp    string
		params  deflateParams
		wantErr string // substring; "" = no error
	}{
		{name: "no offer", opts: &DeflateOptions{}, offer: "", resp: ""},
		{name: "deflate off", opts: nil, offer: "permessage-deflate", resp: ""},
		{name: "other extension only", opts: &DeflateOptions{}, offer: "x-webkit-deflate-frame", resp: ""},
		{name: "plain", opts: &DeflateOptions{}, offer: "permessage-deflate", resp: "permessage-deflate", params: full},
		{name: "name case-insensitive", opts: &DeflateOptions{}, offer: "PerMessage-Deflate", resp: "permessage-deflate", params: full},
		{name: "other extension first", opts: &DeflateOptions{}, offer: "foo; a=1, permessage-deflate", resp: "permessage-deflate", params: full},
		{name: "client_max_window_bits valueless", opts: &DeflateOptions{}, offer: "permessage-deflate; client_max_window_bits",
			resp: "permessage-deflate", params: full},
		{name: "client_max_window_bits hint", opts: &DeflateOptions{}, offer: "permessage-deflate; client_max_window_bits=12",
			resp: "permessage-deflate", params: full},
		{name: "client_no_context_takeover hint made binding", opts: &DeflateOptions{}, offer: "permessage-deflate; client_no_context_takeover",
			resp: "permessage-deflate; client_no_context_takeover", params: deflateParams{recvNoTakeover: true, sendWindowBits: 15, recvWindowBits: 15}},
		{name: "server_no_context_takeover", opts: &DeflateOptions{}, offer: "permessage-deflate; server_no_context_takeover",
			resp:   "permessage-deflate; server_no_context_takeover",
			params: deflateParams{sendNoTakeover: true, sendWindowBits: 15, recvWindowBits: 15}},
		{name: "server_max_window_bits=10", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=10",
			resp: "permessage-deflate; server_max_window_bits=10", params: deflateParams{sendWindowBits: 10, recvWindowBits: 15}},
		{name: "server_max_window_bits=8", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=8",
			resp: "permessage-deflate; server_max_window_bits=8", params: deflateParams{sendWindowBits: 8, recvWindowBits: 15}},
		{name: "server_max_window_bits=15", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=15",
			resp: "permessage-deflate; server_max_window_bits=15", params: full},
		{name: "quoted value", opts: &DeflateOptions{}, offer: `permessage-deflate; server_max_window_bits="9"`,
			resp: "permessage-deflate; server_max_window_bits=9", params: deflateParams{sendWindowBits: 9, recvWindowBits: 15}},
		{name: "our MaxWindowBits caps both directions", opts: &DeflateOptions{MaxWindowBits: 10}, offer: "permessage-deflate; client_max_window_bits",
			resp:   "permessage-deflate; server_max_window_bits=10; client_max_window_bits=10",
			params: deflateParams{sendWindowBits: 10, recvWindowBits: 10}},
		{name: "MaxWindowBits without client_max_window_bits offered", opts: &DeflateOptions{MaxWindowBits: 10}, offer: "permessage-deflate",
			resp: "permessage-deflate; server_max_window_bits=10", params: deflateParams{sendWindowBits: 10, recvWindowBits: 15}},
		{name: "requested window below our cap", opts: &DeflateOptions{MaxWindowBits: 12}, offer: "permessage-deflate; server_max_window_bits=9",
			resp: "permessage-deflate; server_max_window_bits=9", params: deflateParams{sendWindowBits: 9, recvWindowBits: 15}},
		{name: "NoContextTakeover asks both sides", opts: &DeflateOptions{NoContextTakeover: true}, offer: "permessage-deflate",
			resp:   "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			params: deflateParams{sendNoTakeover: true, recvNoTakeover: true, sendWindowBits: 15, recvWindowBits: 15}},
		{name: "all parameters", opts: &DeflateOptions{MaxWindowBits: 12},
			offer:  "permessage-deflate; client_no_context_takeover; client_max_window_bits=9; server_no_context_takeover; server_max_window_bits=9",
			resp:   "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=12",
			params: deflateParams{sendNoTakeover: true, recvNoTakeover: true, sendWindowBits: 9, recvWindowBits: 12}},
		{name: "offer with unknown parameter declined, next accepted", opts: &DeflateOptions{},
			offer: "permessage-deflate; foo=1, permessage-deflate; server_max_window_bits=11",
			resp:  "permessage-deflate; server_max_window_bits=11", params: deflateParams{sendWindowBits: 11, recvWindowBits: 15}},
		{name: "only offer has unknown parameter: declined", opts: &DeflateOptions{}, offer: "permessage-deflate; mux", resp: ""},
		{name: "first valid offer wins", opts: &DeflateOptions{},
			offer: "permessage-deflate; server_no_context_takeover, permessage-deflate",
			resp:  "permessage-deflate; server_no_context_takeover", params: deflateParams{sendNoTakeover: true, sendWindowBits: 15, recvWindowBits: 15}},
		{name: "custom level and threshold", opts: &DeflateOptions{Level: 9, Threshold: -1}, offer: "permessage-deflate",
			resp: "permessage-deflate", params: deflateParams{sendWindowBits: 15, recvWindowBits: 15, level: 9, threshold: 0}},

		// RFC 7692 §5.1: an offer with a bad parameter is declined, not
		// an error (the reasons: TestParseDeflateOfferFaults).
		{name: "repeated parameter declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_no_context_takeover; server_no_context_takeover"},
		{name: "repeated window bits declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=10; server_max_window_bits=11"},
		{name: "server_max_window_bits without value declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits"},
		{name: "server_max_window_bits=7 declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=7"},
		{name: "server_max_window_bits=16 declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=16"},
		{name: "leading zero declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=09"},
		{name: "not a number declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=ten"},
		{name: "trailing junk declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_max_window_bits=10a"},
		{name: "client_max_window_bits=0 declined", opts: &DeflateOptions{}, offer: "permessage-deflate; client_max_window_bits=0"},
		{name: "client_max_window_bits=16 declined", opts: &DeflateOptions{}, offer: "permessage-deflate; client_max_window_bits=16"},
		{name: "server_no_context_takeover with value declined", opts: &DeflateOptions{}, offer: "permessage-deflate; server_no_context_takeover=1"},
		{name: "client_no_context_takeover with value declined", opts: &DeflateOptions{}, offer: "permessage-deflate; client_no_context_takeover=true"},
		{name: "bad level", opts: &DeflateOptions{Level: 10}, offer: "permessage-deflate", wantErr: "Level"},
		{name: "bad MaxWindowBits", opts: &DeflateOptions{MaxWindowBits: 7}, offer: "permessage-deflate", wantErr: "MaxWindowBits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			o.PerMessageDeflate = tt.opts
			resp, codec, err := serverNegotiateExtensions(o, mustParseExt(t, tt.offer))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, codec)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.resp, resp)
			if tt.resp == "" {
				assert.Nil(t, codec)
				return
			}
			want := tt.params
			if want.level == 0 {
				want.level = DefaultDeflateLevel
				want.threshold = DefaultDeflateThreshold
			}
			assert.Equal(t, want, codecParams(t, codec))
		})
	}
}

func TestServerAcceptOfferCallback(t *testing.T) {
	offers := mustParseExt(t, "permessage-deflate; server_max_window_bits=10, permessage-deflate; client_max_window_bits")
	tests := []struct {
		name    string
		accept  func([]DeflateOffer) (*DeflateAccept, error)
		resp    string
		wantErr string
	}{
		{name: "decline", accept: func([]DeflateOffer) (*DeflateAccept, error) { return nil, nil }, resp: ""},
		{name: "deny", accept: func([]DeflateOffer) (*DeflateAccept, error) { return nil, errors.New("go away") }, wantErr: "go away"},
		{name: "choose second and restrict client", accept: func(o []DeflateOffer) (*DeflateAccept, error) {
			require.Len(t, o, 2)
			return &DeflateAccept{Offer: o[1], RequestMaxWindowBits: 9, RequestNoContextTakeover: true}, nil
		}, resp: "permessage-deflate; client_no_context_takeover; client_max_window_bits=9"},
		{name: "ignoring requested window", accept: func(o []DeflateOffer) (*DeflateAccept, error) {
			return &DeflateAccept{Offer: o[0]}, nil
		}, wantErr: "server_max_window_bits=10 but the accept uses 0"},
		{name: "exceeding requested window", accept: func(o []DeflateOffer) (*DeflateAccept, error) {
			return &DeflateAccept{Offer: o[0], WindowBits: 11}, nil
		}, wantErr: "but the accept uses 11"},
		{name: "client window not offered", accept: func(o []DeflateOffer) (*DeflateAccept, error) {
			return &DeflateAccept{Offer: o[0], WindowBits: 10, RequestMaxWindowBits: 9}, nil
		}, wantErr: "offer does not allow it"},
		{name: "ignoring requested no context takeover", accept: func(o []DeflateOffer) (*DeflateAccept, error) {
			return &DeflateAccept{Offer: DeflateOffer{RequestNoContextTakeover: true}}, nil
		}, wantErr: "does not grant it"},
		{name: "window out of range", accept: func(o []DeflateOffer) (*DeflateAccept, error) {
			return &DeflateAccept{Offer: o[1], WindowBits: 16}, nil
		}, wantErr: "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			o.PerMessageDeflate = &DeflateOptions{AcceptOffer: tt.accept}
			resp, codec, err := serverNegotiateExtensions(o, offers)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.resp, resp)
			assert.Equal(t, tt.resp == "", codec == nil)
		})
	}
}

func TestClientOffer(t *testing.T) {
	tests := []struct {
		name string
		opts *DeflateOptions
		want string
	}{
		{"off", nil, ""},
		{"default", &DeflateOptions{}, "permessage-deflate; client_max_window_bits"},
		{"no context takeover", &DeflateOptions{NoContextTakeover: true},
			"permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover"},
		{"max window bits", &DeflateOptions{MaxWindowBits: 10},
			"permessage-deflate; client_max_window_bits=10; server_max_window_bits=10"},
		{"max window bits 15 is the default", &DeflateOptions{MaxWindowBits: 15}, "permessage-deflate; client_max_window_bits"},
		{"explicit offers in order", &DeflateOptions{Offers: []DeflateOffer{
			{RequestNoContextTakeover: true, RequestMaxWindowBits: 9},
			{},
		}}, "permessage-deflate; server_no_context_takeover; server_max_window_bits=9, permessage-deflate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			o.PerMessageDeflate = tt.opts
			got := clientExtensionOffer(o)
			assert.Equal(t, tt.want, got)
			if got != "" {
				// What we offer, a server parses back to the same offers.
				var parsed []DeflateOffer
				for _, ext := range mustParseExt(t, got) {
					off, err := parseDeflateOffer(ext)
					require.NoError(t, err)
					parsed = append(parsed, off)
				}
				assert.Equal(t, tt.opts.offers(), parsed)
			}
		})
	}
}

func TestClientAcceptResponse(t *testing.T) {
	full := deflateParams{sendWindowBits: 15, recvWindowBits: 15}
	plain := &DeflateOptions{Offers: []DeflateOffer{{}}}
	tests := []struct {
		name    string
		opts    *DeflateOptions
		resp    string
		params  deflateParams
		none    bool
		wantErr string
	}{
		{name: "none", opts: &DeflateOptions{}, resp: "", none: true},
		{name: "plain", opts: &DeflateOptions{}, resp: "permessage-deflate", params: full},
		{name: "server_no_context_takeover unrequested", opts: &DeflateOptions{}, resp: "permessage-deflate; server_no_context_takeover",
			params: deflateParams{recvNoTakeover: true, sendWindowBits: 15, recvWindowBits: 15}},
		{name: "client_no_context_takeover", opts: &DeflateOptions{}, resp: "permessage-deflate; client_no_context_takeover",
			params: deflateParams{sendNoTakeover: true, sendWindowBits: 15, recvWindowBits: 15}},
		{name: "server_max_window_bits unrequested", opts: &DeflateOptions{}, resp: "permessage-deflate; server_max_window_bits=9",
			params: deflateParams{sendWindowBits: 15, recvWindowBits: 9}},
		{name: "client_max_window_bits", opts: &DeflateOptions{}, resp: "permessage-deflate; client_max_window_bits=8",
			params: deflateParams{sendWindowBits: 8, recvWindowBits: 15}},
		{name: "all four", opts: &DeflateOptions{NoContextTakeover: true, MaxWindowBits: 12},
			resp:   "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11",
			params: deflateParams{sendNoTakeover: true, recvNoTakeover: true, sendWindowBits: 11, recvWindowBits: 10}},
		{name: "our window hint is kept", opts: &DeflateOptions{MaxWindowBits: 11},
			resp: "permessage-deflate; server_max_window_bits=11", params: deflateParams{sendWindowBits: 11, recvWindowBits: 11}},
		{name: "our no context takeover hint is kept", opts: &DeflateOptions{Offers: []DeflateOffer{{AcceptNoContextTakeover: true}}},
			resp: "permessage-deflate", params: deflateParams{sendNoTakeover: true, sendWindowBits: 15, recvWindowBits: 15}},
		{name: "second offer matches", opts: &DeflateOptions{Offers: []DeflateOffer{{RequestNoContextTakeover: true}, {AcceptMaxWindowBits: true}}},
			resp: "permessage-deflate; client_max_window_bits=10", params: deflateParams{sendWindowBits: 10, recvWindowBits: 15}},
		{name: "accept callback restricts", opts: &DeflateOptions{AcceptResponse: func(o DeflateOffer, r DeflateResponse) (*DeflateResponseAccept, error) {
			return &DeflateResponseAccept{NoContextTakeover: true, WindowBits: 10}, nil
		}}, resp: "permessage-deflate", params: deflateParams{sendNoTakeover: true, sendWindowBits: 10, recvWindowBits: 15}},

		{name: "not offered at all", opts: nil, resp: "permessage-deflate", wantErr: "not offered"},
		{name: "unknown extension", opts: &DeflateOptions{}, resp: "x-webkit-deflate-frame", wantErr: "not offered"},
		{name: "two extensions", opts: &DeflateOptions{}, resp: "permessage-deflate, permessage-deflate", wantErr: "2 extensions"},
		{name: "unknown parameter", opts: &DeflateOptions{}, resp: "permessage-deflate; foo", wantErr: "unknown parameter"},
		{name: "repeated parameter", opts: &DeflateOptions{}, resp: "permessage-deflate; client_no_context_takeover; client_no_context_takeover", wantErr: "repeats"},
		{name: "valueless client_max_window_bits", opts: &DeflateOptions{}, resp: "permessage-deflate; client_max_window_bits", wantErr: "needs a value"},
		{name: "valueless server_max_window_bits", opts: &DeflateOptions{}, resp: "permessage-deflate; server_max_window_bits", wantErr: "needs a value"},
		{name: "window 16", opts: &DeflateOptions{}, resp: "permessage-deflate; server_max_window_bits=16", wantErr: "invalid value"},
		{name: "window 7", opts: &DeflateOptions{}, resp: "permessage-deflate; client_max_window_bits=7", wantErr: "invalid value"},
		{name: "no_context_takeover with value", opts: &DeflateOptions{}, resp: "permessage-deflate; server_no_context_takeover=x", wantErr: "takes no value"},
		{name: "client_max_window_bits not offered", opts: plain, resp: "permessage-deflate; client_max_window_bits=10", wantErr: "was not offered"},
		{name: "requested server_no_context_takeover missing", opts: &DeflateOptions{NoContextTakeover: true}, resp: "permessage-deflate", wantErr: "lacks the requested server_no_context_takeover"},
		{name: "requested server_max_window_bits missing", opts: &DeflateOptions{MaxWindowBits: 10}, resp: "permessage-deflate", wantErr: "lacks the requested server_max_window_bits=10"},
		{name: "server_max_window_bits above request", opts: &DeflateOptions{MaxWindowBits: 10}, resp: "permessage-deflate; server_max_window_bits=11", wantErr: "exceeds"},
		{name: "accept callback fails", opts: &DeflateOptions{AcceptResponse: func(DeflateOffer, DeflateResponse) (*DeflateResponseAccept, error) {
			return nil, errors.New("nope")
		}}, resp: "permessage-deflate", wantErr: "nope"},
		{name: "accept callback returns nil", opts: &DeflateOptions{AcceptResponse: func(DeflateOffer, DeflateResponse) (*DeflateResponseAccept, error) {
			return nil, nil
		}}, resp: "permessage-deflate", wantErr: "not accepted"},
		{name: "bad offer in options", opts: &DeflateOptions{Offers: []DeflateOffer{{RequestMaxWindowBits: 20}}}, resp: "permessage-deflate", wantErr: "Offers[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			o.PerMessageDeflate = tt.opts
			codec, err := clientAcceptExtensions(o, mustParseExt(t, tt.resp))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, codec)
				return
			}
			require.NoError(t, err)
			if tt.none {
				assert.Nil(t, codec)
				return
			}
			assert.Equal(t, withCommon(tt.params), codecParams(t, codec))
		})
	}
}

// Every combination of the client's and server's options negotiates to
// mirror-image codecs: what one side sends with, the other receives with.
func TestNegotiationEndToEndMatrix(t *testing.T) {
	var clientOpts, serverOpts []*DeflateOptions
	for _, nct := range []bool{false, true} {
		for _, bits := range []int{0, 8, 9, 12, 15} {
			clientOpts = append(clientOpts, &DeflateOptions{NoContextTakeover: nct, MaxWindowBits: bits})
			serverOpts = append(serverOpts, &DeflateOptions{NoContextTakeover: nct, MaxWindowBits: bits})
		}
	}
	// Explicit offers exercising each parameter alone.
	for _, off := range []DeflateOffer{
		{}, {AcceptNoContextTakeover: true}, {AcceptMaxWindowBits: true}, {AcceptMaxWindowBits: true, ClientMaxWindowBits: 9},
		{RequestNoContextTakeover: true}, {RequestMaxWindowBits: 8}, {RequestMaxWindowBits: 15},
	} {
		clientOpts = append(clientOpts, &DeflateOptions{Offers: []DeflateOffer{off}})
	}
	for _, co := range clientOpts {
		for _, so := range serverOpts {
			c := DefaultOptions()
			c.PerMessageDeflate = co
			s := DefaultOptions()
			s.PerMessageDeflate = so
			offer := clientExtensionOffer(c)
			resp, sc, err := serverNegotiateExtensions(s, mustParseExt(t, offer))
			require.NoError(t, err, offer)
			require.NotEmpty(t, resp, offer)
			cc, err := clientAcceptExtensions(c, mustParseExt(t, resp))
			require.NoError(t, err, "offer %q response %q", offer, resp)
			sp, cp := codecParams(t, sc), codecParams(t, cc)
			// The receiver keeps at least the window the sender uses, and
			// keeps no history only when the sender uses none.
			assert.LessOrEqual(t, cp.sendWindowBits, sp.recvWindowBits, "offer %q response %q", offer, resp)
			assert.LessOrEqual(t, sp.sendWindowBits, cp.recvWindowBits, "offer %q response %q", offer, resp)
			if sp.recvNoTakeover {
				assert.True(t, cp.sendNoTakeover, "offer %q response %q", offer, resp)
			}
			if cp.recvNoTakeover {
				assert.True(t, sp.sendNoTakeover, "offer %q response %q", offer, resp)
			}
			if co.NoContextTakeover || so.NoContextTakeover {
				assert.True(t, sp.sendNoTakeover && cp.sendNoTakeover, "offer %q response %q", offer, resp)
			}
			if bits := co.MaxWindowBits; bits != 0 {
				assert.LessOrEqual(t, sp.sendWindowBits, bits)
				assert.LessOrEqual(t, cp.sendWindowBits, bits)
			}
			if bits := so.MaxWindowBits; bits != 0 {
				assert.LessOrEqual(t, sp.sendWindowBits, bits)
				if strings.Contains(offer, "client_max_window_bits") {
					assert.LessOrEqual(t, cp.sendWindowBits, bits)
				}
			}
		}
	}
}
