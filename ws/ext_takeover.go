package ws

import (
	"errors"
	"fmt"
	"strings"
)

// Negotiation shared by permessage-snappy and permessage-brotli: Autobahn
// gives both the same two valueless parameters, client_no_context_takeover
// and server_no_context_takeover, with permessage-deflate's meaning (in an
// offer, client_no_context_takeover says the client accepts being asked
// for it and server_no_context_takeover asks it of the server; in a
// response each binds its direction).

// noTakeoverExtension is an Extension with only the two context takeover
// parameters.
type noTakeoverExtension struct {
	name string
	// noTakeover: offer server_no_context_takeover as a client; respond
	// with server_no_context_takeover, and client_no_context_takeover when
	// the offer allows it, as a server.
	noTakeover bool
	// newCodec returns the codec; sendNoTakeover says whether our
	// direction drops its context after each message.
	newCodec func(sendNoTakeover bool) Codec
}

// takeoverParams are the parsed parameters of one offer or response.
type takeoverParams struct {
	client bool // client_no_context_takeover
	server bool // server_no_context_takeover
}

// errTakeoverParams is wrapped by every parse error of these parameters.
var errTakeoverParams = errors.New("invalid extension parameters")

// parseTakeoverParams reads the parameters of one offer or response: only
// the two, each at most once, without a value.
func parseTakeoverParams(ext ExtensionOffer) (takeoverParams, error) {
	var tp takeoverParams
	for _, p := range ext.Params {
		var flag *bool
		switch strings.ToLower(p.Name) {
		case paramClientNoContextTakeover:
			flag = &tp.client
		case paramServerNoContextTakeover:
			flag = &tp.server
		default:
			return tp, fmt.Errorf("%w: %s has unknown parameter %q", errTakeoverParams, ext.Name, p.Name)
		}
		if *flag {
			return tp, fmt.Errorf("%w: %s repeats parameter %s", errTakeoverParams, ext.Name, p.Name)
		}
		if p.HasValue {
			return tp, fmt.Errorf("%w: %s parameter %s takes no value (got %q)", errTakeoverParams, ext.Name, p.Name, p.Value)
		}
		*flag = true
	}
	return tp, nil
}

func (e noTakeoverExtension) Name() string { return e.name }

func (e noTakeoverExtension) ClientOffers() ([]ExtensionOffer, error) {
	off := ExtensionOffer{Name: e.name, Params: []ExtensionParam{{Name: paramClientNoContextTakeover}}}
	if e.noTakeover {
		off.Params = append(off.Params, ExtensionParam{Name: paramServerNoContextTakeover})
	}
	return []ExtensionOffer{off}, nil
}

// ServerAccept takes the first offer with valid parameters; offers with
// unknown, repeated or valued parameters are declined.
func (e noTakeoverExtension) ServerAccept(offers []ExtensionOffer) (ExtensionOffer, Codec, error) {
	for _, off := range offers {
		tp, err := parseTakeoverParams(off)
		if err != nil {
			continue
		}
		resp := ExtensionOffer{Name: e.name}
		sendNoTakeover := tp.server || e.noTakeover
		if sendNoTakeover {
			resp.Params = append(resp.Params, ExtensionParam{Name: paramServerNoContextTakeover})
		}
		if tp.client && e.noTakeover {
			resp.Params = append(resp.Params, ExtensionParam{Name: paramClientNoContextTakeover})
		}
		return resp, e.newCodec(sendNoTakeover), nil
	}
	return ExtensionOffer{}, nil, nil
}

// ClientAccept checks the response against our one offer.
func (e noTakeoverExtension) ClientAccept(resp ExtensionOffer) (Codec, error) {
	tp, err := parseTakeoverParams(resp)
	if err != nil {
		return nil, err
	}
	if e.noTakeover && !tp.server {
		return nil, fmt.Errorf("%w: %s response lacks the requested %s", errTakeoverParams, e.name, paramServerNoContextTakeover)
	}
	return e.newCodec(tp.client || e.noTakeover), nil
}
