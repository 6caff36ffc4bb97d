package ws

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RFC 7692 §5.1: a server declines a permessage-deflate offer with an
// unknown parameter, an invalid value or a repeated parameter, offer by
// offer; a later valid offer may still be accepted, and with none the
// connection goes on without compression (issue 8, item 5).

// TestParseDeflateOfferFaults: why each bad offer is declined.
func TestParseDeflateOfferFaults(t *testing.T) {
	tests := []struct {
		offer   string
		fault   offerFault
		wantErr string // in the error of parseDeflateOffer
	}{
		{"permessage-deflate; x=1", offerUnknown, `unknown parameter "x"`},
		{"permessage-deflate; mux", offerUnknown, `unknown parameter "mux"`},
		{"permessage-deflate; server_no_context_takeover; foo", offerUnknown, `"foo"`},
		{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", offerRepeated, "repeats parameter server_no_context_takeover"},
		{"permessage-deflate; client_no_context_takeover; CLIENT_NO_CONTEXT_TAKEOVER", offerRepeated, "repeats parameter"},
		{"permessage-deflate; server_max_window_bits=10; server_max_window_bits=11", offerRepeated, "repeats parameter server_max_window_bits"},
		{"permessage-deflate; client_max_window_bits; client_max_window_bits=10", offerRepeated, "repeats parameter client_max_window_bits"},
		{"permessage-deflate; server_max_window_bits", offerNeedsValue, "server_max_window_bits needs a value"},
		{"permessage-deflate; server_max_window_bits=7", offerBadValue, `invalid value "7"`},
		{"permessage-deflate; server_max_window_bits=16", offerBadValue, `invalid value "16"`},
		{"permessage-deflate; server_max_window_bits=09", offerBadValue, `invalid value "09"`},
		{"permessage-deflate; server_max_window_bits=ten", offerBadValue, `invalid value "ten"`},
		{"permessage-deflate; server_max_window_bits=10a", offerBadValue, `invalid value "10a"`},
		{"permessage-deflate; server_max_window_bits=100", offerBadValue, `invalid value "100"`},
		{`permessage-deflate; server_max_window_bits="99"`, offerBadValue, `invalid value "99"`},
		{"permessage-deflate; client_max_window_bits=0", offerBadValue, `invalid value "0"`},
		{"permessage-deflate; client_max_window_bits=16", offerBadValue, `invalid value "16"`},
		{"permessage-deflate; client_max_window_bits=-9", offerBadValue, `invalid value "-9"`},
		{"permessage-deflate; server_no_context_takeover=1", offerTakesNoValue, "takes no value"},
		{"permessage-deflate; client_no_context_takeover=true", offerTakesNoValue, "takes no value"},
		{`permessage-deflate; client_no_context_takeover="x"`, offerTakesNoValue, "takes no value"},
	}
	for _, tt := range tests {
		t.Run(tt.offer, func(t *testing.T) {
			exts := mustParseExt(t, tt.offer)
			require.Len(t, exts, 1)
			_, fault, _ := scanDeflateOffer(exts[0])
			assert.Equal(t, tt.fault, fault)
			_, err := parseDeflateOffer(exts[0])
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrDeflateNegotiation)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, tt.fault == offerUnknown, errors.Is(err, errUnknownDeflateParam))
		})
	}
}

// TestServerDeclinesBadOffers: negotiation over several offers with bad
// ones among them.
func TestServerDeclinesBadOffers(t *testing.T) {
	good := "permessage-deflate; server_max_window_bits=11"
	goodResp := "permessage-deflate; server_max_window_bits=11"
	goodParams := deflateParams{sendWindowBits: 11, recvWindowBits: 15, level: DefaultDeflateLevel, threshold: DefaultDeflateThreshold}
	bad := []string{
		"permessage-deflate; x=1",
		"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
		"permessage-deflate; server_max_window_bits",
		"permessage-deflate; server_max_window_bits=16",
		"permessage-deflate; client_max_window_bits=7",
		"permessage-deflate; client_no_context_takeover=1",
		"permessage-deflate; server_no_context_takeover=yes",
	}
	tests := []struct {
		name   string
		offer  string
		accept bool // the good offer is accepted; else no compression
	}{
		{name: "only good", offer: good, accept: true},
		{name: "all bad", offer: strings.Join(bad, ", ")},
		{name: "all bad then good", offer: strings.Join(bad, ", ") + ", " + good, accept: true},
		{name: "good then bad", offer: good + ", " + strings.Join(bad, ", "), accept: true},
		{name: "other extensions around", offer: "x-webkit-deflate-frame, " + bad[0] + ", foo; a=1, " + good, accept: true},
		{name: "bad offers over several header values", offer: bad[1] + "\x00" + bad[2] + "\x00" + good, accept: true},
		{name: "thousand bad then good", offer: strings.Repeat(bad[3]+", ", 1000) + good, accept: true},
		{name: "thousand bad", offer: strings.TrimSuffix(strings.Repeat(bad[4]+", ", 1000), ", ")},
	}
	for _, b := range bad {
		tests = append(tests,
			struct {
				name   string
				offer  string
				accept bool
			}{name: "bad first: " + b, offer: b + ", " + good, accept: true},
			struct {
				name   string
				offer  string
				accept bool
			}{name: "bad only: " + b, offer: b})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			o.PerMessageDeflate = &DeflateOptions{}
			exts, err := parseExtensions(strings.Split(tt.offer, "\x00"))
			require.NoError(t, err)
			resp, codec, err := serverNegotiateExtensions(o, exts)
			require.NoError(t, err, "a bad offer must be declined, not fail the handshake")
			if !tt.accept {
				assert.Empty(t, resp)
				assert.Nil(t, codec)
				return
			}
			assert.Equal(t, goodResp, resp)
			assert.Equal(t, goodParams, codecParams(t, codec))
		})
	}
}

// TestServerAcceptOfferSeesOnlyValidOffers: AcceptOffer gets the valid
// offers only, in the client's order.
func TestServerAcceptOfferSeesOnlyValidOffers(t *testing.T) {
	var got []DeflateOffer
	o := DefaultOptions()
	o.PerMessageDeflate = &DeflateOptions{AcceptOffer: func(offers []DeflateOffer) (*DeflateAccept, error) {
		got = offers
		return nil, nil
	}}
	exts := mustParseExt(t, "permessage-deflate; server_max_window_bits=9, permessage-deflate; bogus, "+
		"permessage-deflate; client_max_window_bits=20, permessage-deflate; client_no_context_takeover")
	resp, codec, err := serverNegotiateExtensions(o, exts)
	require.NoError(t, err)
	assert.Empty(t, resp)
	assert.Nil(t, codec)
	assert.Equal(t, []DeflateOffer{{RequestMaxWindowBits: 9}, {AcceptNoContextTakeover: true}}, got)
}

// TestDeflateDeclineOverTheWire: the same through a real Server: 101
// whatever the offers hold, 400 only for a header that does not parse.
func TestDeflateDeclineOverTheWire(t *testing.T) {
	tests := []struct {
		name   string
		lines  []string
		status int
		resp   string
	}{
		{name: "bad offer first, good accepted", lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=99, permessage-deflate; client_max_window_bits"},
			status: 101, resp: "permessage-deflate"},
		{name: "bad offers only: no compression", lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; x, permessage-deflate; server_no_context_takeover=1"},
			status: 101},
		{name: "bad offer in one header line, good in the next", lines: []string{
			"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; client_max_window_bits",
			"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover"},
			status: 101, resp: "permessage-deflate; server_no_context_takeover"},
		{name: "unparsable header still 400", lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=\"unterminated"},
			status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(newPlain, optsWith(func(o *Options) { o.PerMessageDeflate = &DeflateOptions{} }))
			addr := startServer(t, srv, "tcp4")
			req := shapeRequest(tt.lines)
			resp, body, _ := rawExchange(t, addr, req)
			require.Equal(t, tt.status, resp.StatusCode, body)
			if tt.status == http.StatusSwitchingProtocols {
				assert.Equal(t, tt.resp, resp.Header.Get("Sec-WebSocket-Extensions"))
			} else {
				assert.Contains(t, body, "Sec-WebSocket-Extensions")
			}
		})
	}
}

// FuzzServerNegotiateOffers: whatever offers a parsable header holds, the
// server never fails the handshake over them (valid options, default
// AcceptOffer), and what it answers is a response a client can parse.
func FuzzServerNegotiateOffers(f *testing.F) {
	for _, s := range []string{
		"permessage-deflate",
		"permessage-deflate; server_max_window_bits=99, permessage-deflate; client_max_window_bits",
		"permessage-deflate; x, permessage-deflate; server_no_context_takeover=1",
		"permessage-deflate; client_max_window_bits; client_max_window_bits",
		`permessage-deflate; server_max_window_bits="9"; client_no_context_takeover`,
		"foo, permessage-deflate; SERVER_NO_CONTEXT_TAKEOVER",
	} {
		f.Add(s, false, uint8(0))
	}
	f.Fuzz(func(t *testing.T, header string, noTakeover bool, bits uint8) {
		exts, err := parseExtensions([]string{header})
		if err != nil {
			return
		}
		o := DefaultOptions()
		o.PerMessageDeflate = &DeflateOptions{NoContextTakeover: noTakeover}
		if b := int(bits % 9); b > 0 {
			o.PerMessageDeflate.MaxWindowBits = b + 7
		}
		resp, codec, err := serverNegotiateExtensions(o, exts)
		if err != nil {
			t.Fatalf("offers %q failed the handshake: %v", header, err)
		}
		if codec != nil {
			defer codec.close()
		}
		if (resp == "") != (codec == nil) {
			t.Fatalf("offers %q: response %q but codec %v", header, resp, codec)
		}
		if resp == "" {
			return
		}
		back, err := parseExtensions([]string{resp})
		if err != nil || len(back) != 1 {
			t.Fatalf("response %q does not parse: %v", resp, err)
		}
		if _, err := parseDeflateResponse(back[0]); err != nil {
			t.Fatalf("response %q is not a valid permessage-deflate response: %v", resp, err)
		}
	})
}
