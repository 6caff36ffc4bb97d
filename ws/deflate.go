package ws

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// permessage-deflate (RFC 7692) configuration and Autobahn's negotiation
// model: a client sends DeflateOffers, the server picks one and answers with
// a DeflateAccept (rendered as the response), the client checks the
// DeflateResponse and accepts it with a DeflateResponseAccept. The codec
// itself is in compress.go, the header plumbing in extension.go.

// deflateExtensionName is the registered extension token (RFC 7692 §5).
const deflateExtensionName = "permessage-deflate"

// RFC 7692 §7 parameter names.
const (
	paramServerNoContextTakeover = "server_no_context_takeover"
	paramClientNoContextTakeover = "client_no_context_takeover"
	paramServerMaxWindowBits     = "server_max_window_bits"
	paramClientMaxWindowBits     = "client_max_window_bits"
)

// Window bits limits (RFC 7692 §7.1.2): the LZ77 window is 2^bits bytes.
const (
	MinDeflateWindowBits = 8
	MaxDeflateWindowBits = 15
)

// DefaultDeflateThreshold is the payload size below which messages are sent
// uncompressed when DeflateOptions.Threshold is 0: for tiny messages the
// deflate block overhead outweighs the saving and costs CPU for nothing.
const DefaultDeflateThreshold = 64

// DefaultDeflateLevel is the compression level used when
// DeflateOptions.Level is 0: klauspost/compress's fastest level, which keeps
// CPU and per-connection memory lowest and still compresses typical text
// messages well.
const DefaultDeflateLevel = 1

// DeflateOptions configures permessage-deflate (RFC 7692) for both roles; a
// nil *DeflateOptions in Options leaves the extension off. The zero value is
// a sensible configuration: context takeover where the peer allows it, full
// 32 KiB windows, level DefaultDeflateLevel, threshold
// DefaultDeflateThreshold.
//
// Memory: a connection that compresses with context takeover keeps its own
// compressor alive between messages (about 0.8-1.4 MiB with
// klauspost/compress, depending on the level), allocated on its first
// compressed message; a connection that decompresses with context takeover
// keeps up to 1.25x the negotiated window (40 KiB at 15 bits) of history.
// Without context takeover compressors and decompressors are pooled and an
// idle connection holds none of them. Measured server heap per idle
// connection after one 1 KiB message each way, 10,000 connections
// (TestDeflateMemoryPerConn, `make deflate-memory`):
//
//	no deflate                                     11.7 KiB
//	NoContextTakeover                              11.0 KiB
//	TakeoverHistory 4096, MaxWindowBits 12         12.9 KiB (24 KiB once windows are full)
//	TakeoverHistory 4096                           13.3 KiB (61 KiB once windows are full)
//	default: full context takeover                821 KiB
//
// Those kept compressors are charged to the connection's MemoryBudget: a
// Server with its default budget keeps at most about 40 of them (half of
// DefaultMemoryBudget) and compresses the other connections' messages with
// pooled compressors, so that at 1,000 full context takeover connections
// the server holds 47-49 KiB per connection on average, not 822 KiB
// (measured by the same test; NewMemoryBudget(0) in Options.MemoryBudget
// gives every connection its compressor, as in the table above).
//
// The worst case per connection is one mid-message at the limit: measured
// server heap per connection holding a message of
// DefaultMaxMessagePayloadSize-1 bytes not yet ended, after one small
// compressed message each way, 6 connections (TestDeflateMemoryInFlight,
// `make deflate-memory`), and what the MemoryBudget charged for it:
//
//	                                               heap      charged
//	no deflate                                     16.0 MiB  15.9 MiB
//	NoContextTakeover                              16.2 MiB  16.0 MiB
//	TakeoverHistory 4096, MaxWindowBits 12         16.2 MiB  16.0 MiB
//	TakeoverHistory 4096                           16.2 MiB  16.0 MiB
//	default: full context takeover                 17.0 MiB  16.8 MiB
//
// An uncompressed message's buffer doubles as it grows, so for a moment
// it holds half as much again (old and new buffer during the copy); a
// compressed one grows in pooled 256 KiB chunks and is copied into one
// right-sized buffer when it ends. Both are charged to the MemoryBudget
// as they happen, which bounds the sum over all connections (see
// Options.MemoryBudget; a Server has one of DefaultMemoryBudget).
//
// To bound per-connection memory on a server with many connections, set
// NoContextTakeover (no state between messages), or TakeoverHistory (keeps
// context takeover at a bounded cost) with MaxWindowBits (bounds the
// receive history to 2^N bytes). A kept compressor of full context
// takeover is charged to the MemoryBudget (about 0.8-1.4 MiB by level)
// while the budget is less than half used; past that, messages are
// compressed with pooled compressors, as with TakeoverHistory 0 and
// NoContextTakeover on our side (RFC 7692 lets a sender always do so).
type DeflateOptions struct {
	// Level is the compression level, 1 (fastest) to 9 (smallest); 0 picks
	// DefaultDeflateLevel. When a window below 15 bits is negotiated for our
	// direction, klauspost's window-limited encoder (comparable to level 5)
	// is used whatever the level.
	Level int
	// Threshold: messages with fewer payload bytes are sent uncompressed.
	// 0 picks DefaultDeflateThreshold; a negative value compresses every
	// message, including empty ones. OutgoingMessage.SkipCompress opts one
	// message out.
	Threshold int
	// NoContextTakeover bounds memory: a client offers (and a server
	// responds with) both server_no_context_takeover and
	// client_no_context_takeover, so neither side keeps compression state
	// between messages and compressors/decompressors are pooled.
	NoContextTakeover bool
	// MaxWindowBits (8..15, 0 = 15) caps the LZ77 window of both
	// directions: a client offers server_max_window_bits=N and
	// client_max_window_bits=N; a server compresses with at most N bits and
	// asks the client for client_max_window_bits=N when the client allows
	// it. Smaller windows shrink the kept history (2^N bytes).
	MaxWindowBits int
	// TakeoverHistory, when > 0, bounds the memory of compressing with
	// context takeover: instead of keeping a live compressor per connection
	// (about 0.8-1.4 MiB), a connection keeps the last TakeoverHistory bytes
	// (at most the window) of what it sent and primes a pooled compressor
	// with them for each message. That costs CPU per message in proportion
	// to TakeoverHistory, and repeats are found only within that distance.
	// 0 keeps a live compressor (best ratio and speed, most memory).
	TakeoverHistory int

	// Client side.

	// Offers are the offers a client sends, in order of preference. Empty:
	// one offer built from NoContextTakeover and MaxWindowBits (see
	// DefaultOffer).
	Offers []DeflateOffer
	// AcceptResponse, when set, checks the server's (already validated)
	// response to offer and returns how we use it; an error or a nil accept
	// fails the handshake. Nil: DefaultAcceptResponse.
	AcceptResponse func(offer DeflateOffer, resp DeflateResponse) (*DeflateResponseAccept, error)

	// Server side.

	// AcceptOffer, when set, chooses which of the client's valid offers (in
	// the client's order of preference) to accept: a nil accept declines
	// permessage-deflate, an error denies the handshake (400). Nil: the
	// DefaultAcceptOffer method.
	AcceptOffer func(offers []DeflateOffer) (*DeflateAccept, error)
}

// DeflateOffer is one permessage-deflate offer of a client (Autobahn's
// PerMessageDeflateOffer).
type DeflateOffer struct {
	// AcceptNoContextTakeover renders client_no_context_takeover: the
	// client hints it will not use context takeover when compressing (and
	// so does not mind the server asking for it).
	AcceptNoContextTakeover bool
	// AcceptMaxWindowBits renders client_max_window_bits: the server may
	// limit the client's window. ClientMaxWindowBits (8..15) gives it a
	// value, the window the client will use at most; 0 leaves it valueless.
	AcceptMaxWindowBits bool
	ClientMaxWindowBits int
	// RequestNoContextTakeover renders server_no_context_takeover: the
	// server must not use context takeover.
	RequestNoContextTakeover bool
	// RequestMaxWindowBits (8..15, 0 = none) renders
	// server_max_window_bits: the server must compress with at most this
	// window.
	RequestMaxWindowBits int
}

// DeflateAccept is a server's acceptance of one offer (Autobahn's
// PerMessageDeflateOfferAccept); it becomes the response header.
type DeflateAccept struct {
	// Offer is the accepted offer.
	Offer DeflateOffer
	// NoContextTakeover renders server_no_context_takeover: we compress
	// without context takeover. Required when the offer requested it.
	NoContextTakeover bool
	// WindowBits (8..15, 0 = not sent, 15 used) renders
	// server_max_window_bits: the window we compress with. Required, and at
	// most the requested value, when the offer requested one.
	WindowBits int
	// RequestNoContextTakeover renders client_no_context_takeover: the
	// client must compress without context takeover (always allowed).
	RequestNoContextTakeover bool
	// RequestMaxWindowBits (8..15, 0 = not sent) renders
	// client_max_window_bits=N: the client must compress with at most this
	// window. Only allowed when the offer has client_max_window_bits.
	RequestMaxWindowBits int
}

// DeflateResponse is a server's permessage-deflate response as a client
// sees it (Autobahn's PerMessageDeflateResponse). Window bits of 0 mean the
// parameter was absent.
type DeflateResponse struct {
	ClientMaxWindowBits     int
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ServerNoContextTakeover bool
}

// DeflateResponseAccept is a client's acceptance of the server's response
// (Autobahn's PerMessageDeflateResponseAccept): how the client compresses,
// within what the response allows.
type DeflateResponseAccept struct {
	Response DeflateResponse
	// NoContextTakeover compresses without context takeover even though
	// the response allows it (it is forced when the response or our offer
	// says so).
	NoContextTakeover bool
	// WindowBits (8..15, 0 = as allowed) compresses with a smaller window
	// than the response allows.
	WindowBits int
}

// Errors of permessage-deflate negotiation, wrapped with detail.
var (
	// ErrDeflateNegotiation is wrapped by every permessage-deflate
	// negotiation failure (malformed, conflicting or unexpected
	// parameters, a response that was not offered).
	ErrDeflateNegotiation = errors.New("ws: permessage-deflate negotiation failed")
	// errUnknownDeflateParam marks an offer with a parameter RFC 7692 does
	// not define: a server declines such an offer instead of failing.
	errUnknownDeflateParam = errors.New("unknown parameter")
)

func negotiationError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDeflateNegotiation, fmt.Sprintf(format, args...))
}

// DefaultOffer is the offer a client sends when Offers is empty: it allows
// the server to limit our window (client_max_window_bits), and applies
// NoContextTakeover and MaxWindowBits.
func (o *DeflateOptions) DefaultOffer() DeflateOffer {
	off := DeflateOffer{AcceptMaxWindowBits: true}
	if o.NoContextTakeover {
		off.AcceptNoContextTakeover = true
		off.RequestNoContextTakeover = true
	}
	if bits := o.MaxWindowBits; bits >= MinDeflateWindowBits && bits < MaxDeflateWindowBits {
		off.ClientMaxWindowBits = bits
		off.RequestMaxWindowBits = bits
	}
	return off
}

// offers returns the offers a client sends, in order.
func (o *DeflateOptions) offers() []DeflateOffer {
	if len(o.Offers) > 0 {
		return o.Offers
	}
	return []DeflateOffer{o.DefaultOffer()}
}

// DefaultAcceptOffer is the server's default choice: the first offer,
// honouring every parameter it carries, plus our own NoContextTakeover and
// MaxWindowBits limits. A client_no_context_takeover hint in the offer is
// answered with client_no_context_takeover, so we keep no history for that
// client's messages. It never declines a valid offer.
func (o *DeflateOptions) DefaultAcceptOffer(offers []DeflateOffer) (*DeflateAccept, error) {
	if len(offers) == 0 {
		return nil, nil
	}
	off := offers[0]
	acc := &DeflateAccept{
		Offer:             off,
		NoContextTakeover: off.RequestNoContextTakeover || o.NoContextTakeover,
		WindowBits:        off.RequestMaxWindowBits,
	}
	// A client offering client_no_context_takeover announces it will not
	// use context takeover; making that binding costs it nothing and lets
	// us keep no history for its messages.
	if o.NoContextTakeover || off.AcceptNoContextTakeover {
		acc.RequestNoContextTakeover = true
	}
	if bits := o.MaxWindowBits; bits >= MinDeflateWindowBits && bits < MaxDeflateWindowBits {
		if acc.WindowBits == 0 || acc.WindowBits > bits {
			acc.WindowBits = bits
		}
		if off.AcceptMaxWindowBits {
			acc.RequestMaxWindowBits = bits
		}
	}
	return acc, nil
}

// DefaultAcceptResponse is the client's default acceptance: use the
// response as it is, keeping the promises of our offer (no context takeover
// and the window hint of client_max_window_bits=N).
func DefaultAcceptResponse(offer DeflateOffer, resp DeflateResponse) (*DeflateResponseAccept, error) {
	return &DeflateResponseAccept{Response: resp}, nil
}

// validate checks an offer's own values (for offers we build or are given).
func (off DeflateOffer) validate() error {
	if off.ClientMaxWindowBits != 0 && !validWindowBits(off.ClientMaxWindowBits) {
		return negotiationError("offer %s=%d out of range 8..15", paramClientMaxWindowBits, off.ClientMaxWindowBits)
	}
	if off.ClientMaxWindowBits != 0 && !off.AcceptMaxWindowBits {
		return negotiationError("offer has a %s value without AcceptMaxWindowBits", paramClientMaxWindowBits)
	}
	if off.RequestMaxWindowBits != 0 && !validWindowBits(off.RequestMaxWindowBits) {
		return negotiationError("offer %s=%d out of range 8..15", paramServerMaxWindowBits, off.RequestMaxWindowBits)
	}
	return nil
}

// String renders the offer as a Sec-WebSocket-Extensions element.
func (off DeflateOffer) String() string {
	var b strings.Builder
	b.WriteString(deflateExtensionName)
	if off.AcceptNoContextTakeover {
		b.WriteString("; " + paramClientNoContextTakeover)
	}
	if off.AcceptMaxWindowBits {
		b.WriteString("; " + paramClientMaxWindowBits)
		if off.ClientMaxWindowBits != 0 {
			b.WriteString("=" + strconv.Itoa(off.ClientMaxWindowBits))
		}
	}
	if off.RequestNoContextTakeover {
		b.WriteString("; " + paramServerNoContextTakeover)
	}
	if off.RequestMaxWindowBits != 0 {
		b.WriteString("; " + paramServerMaxWindowBits + "=" + strconv.Itoa(off.RequestMaxWindowBits))
	}
	return b.String()
}

// validate checks an accept against its offer (RFC 7692 §7.1).
func (a *DeflateAccept) validate() error {
	if a.WindowBits != 0 && !validWindowBits(a.WindowBits) {
		return negotiationError("accept %s=%d out of range 8..15", paramServerMaxWindowBits, a.WindowBits)
	}
	if a.RequestMaxWindowBits != 0 && !validWindowBits(a.RequestMaxWindowBits) {
		return negotiationError("accept %s=%d out of range 8..15", paramClientMaxWindowBits, a.RequestMaxWindowBits)
	}
	if a.Offer.RequestNoContextTakeover && !a.NoContextTakeover {
		return negotiationError("the offer requests %s but the accept does not grant it", paramServerNoContextTakeover)
	}
	if req := a.Offer.RequestMaxWindowBits; req != 0 && (a.WindowBits == 0 || a.WindowBits > req) {
		return negotiationError("the offer requests %s=%d but the accept uses %d", paramServerMaxWindowBits, req, a.WindowBits)
	}
	if a.RequestMaxWindowBits != 0 && !a.Offer.AcceptMaxWindowBits {
		return negotiationError("the accept requests %s but the offer does not allow it", paramClientMaxWindowBits)
	}
	return nil
}

// String renders the accept as the Sec-WebSocket-Extensions response value.
func (a *DeflateAccept) String() string {
	var b strings.Builder
	b.WriteString(deflateExtensionName)
	if a.NoContextTakeover {
		b.WriteString("; " + paramServerNoContextTakeover)
	}
	if a.WindowBits != 0 {
		b.WriteString("; " + paramServerMaxWindowBits + "=" + strconv.Itoa(a.WindowBits))
	}
	if a.RequestNoContextTakeover {
		b.WriteString("; " + paramClientNoContextTakeover)
	}
	if a.RequestMaxWindowBits != 0 {
		b.WriteString("; " + paramClientMaxWindowBits + "=" + strconv.Itoa(a.RequestMaxWindowBits))
	}
	return b.String()
}

// params resolves a server's codec parameters from its accept.
func (a *DeflateAccept) params(o *DeflateOptions) deflateParams {
	p := deflateParams{
		sendNoTakeover: a.NoContextTakeover,
		sendWindowBits: orMaxBits(a.WindowBits),
		recvNoTakeover: a.RequestNoContextTakeover,
		recvWindowBits: orMaxBits(a.RequestMaxWindowBits),
	}
	p.setCommon(o)
	return p
}

// deflateParam identifies an RFC 7692 §7 parameter (names compare
// case-insensitively); each is also its bit in a set of seen parameters.
type deflateParam uint8

const (
	dpUnknown                 deflateParam = 0
	dpServerNoContextTakeover deflateParam = 1 << iota
	dpClientNoContextTakeover
	dpServerMaxWindowBits
	dpClientMaxWindowBits
)

// lookupDeflateParam returns the parameter called name, or dpUnknown.
func lookupDeflateParam(name string) deflateParam {
	switch {
	case strings.EqualFold(name, paramServerNoContextTakeover):
		return dpServerNoContextTakeover
	case strings.EqualFold(name, paramClientNoContextTakeover):
		return dpClientNoContextTakeover
	case strings.EqualFold(name, paramServerMaxWindowBits):
		return dpServerMaxWindowBits
	case strings.EqualFold(name, paramClientMaxWindowBits):
		return dpClientMaxWindowBits
	}
	return dpUnknown
}

// offerFault is why a client's offer cannot be accepted as it is (RFC 7692
// §5.1: the server declines it).
type offerFault uint8

const (
	offerOK           offerFault = iota
	offerUnknown                 // a parameter not defined for an offer
	offerRepeated                // a parameter given twice
	offerNeedsValue              // server_max_window_bits without a value
	offerTakesNoValue            // *_no_context_takeover with a value
	offerBadValue                // window bits that are not 8..15
)

// scanDeflateOffer reads one permessage-deflate offer from a client and
// reports the first fault in it with the parameter at fault. It allocates
// nothing: the server calls it for every offer, and a request may carry
// thousands.
func scanDeflateOffer(ext ExtensionOffer) (DeflateOffer, offerFault, ExtensionParam) {
	var off DeflateOffer
	var seen deflateParam
	for _, p := range ext.Params {
		dp := lookupDeflateParam(p.Name)
		if dp == dpUnknown {
			return off, offerUnknown, p
		}
		if seen&dp != 0 {
			return off, offerRepeated, p
		}
		seen |= dp
		switch dp {
		case dpServerNoContextTakeover, dpClientNoContextTakeover:
			if p.HasValue {
				return off, offerTakesNoValue, p
			}
			if dp == dpServerNoContextTakeover {
				off.RequestNoContextTakeover = true
			} else {
				off.AcceptNoContextTakeover = true
			}
		case dpServerMaxWindowBits:
			if !p.HasValue {
				return off, offerNeedsValue, p
			}
			n, ok := parseWindowBits(p.Value)
			if !ok {
				return off, offerBadValue, p
			}
			off.RequestMaxWindowBits = n
		case dpClientMaxWindowBits:
			off.AcceptMaxWindowBits = true
			if p.HasValue {
				n, ok := parseWindowBits(p.Value)
				if !ok {
					return off, offerBadValue, p
				}
				off.ClientMaxWindowBits = n
			}
		}
	}
	return off, offerOK, ExtensionParam{}
}

// parseDeflateOffer reads one permessage-deflate offer from a client; the
// error says what makes a server decline it.
func parseDeflateOffer(ext ExtensionOffer) (DeflateOffer, error) {
	off, fault, p := scanDeflateOffer(ext)
	switch fault {
	case offerOK:
		return off, nil
	case offerUnknown:
		return off, fmt.Errorf("%w: offer has %w %q", ErrDeflateNegotiation, errUnknownDeflateParam, p.Name)
	case offerRepeated:
		return off, negotiationError("offer repeats parameter %s", p.Name)
	case offerNeedsValue:
		return off, negotiationError("parameter %s needs a value", p.Name)
	case offerTakesNoValue:
		return off, noValue(p)
	default:
		return off, negotiationError("parameter %s has invalid value %q (want 8..15)", p.Name, p.Value)
	}
}

// parseDeflateResponse reads a server's permessage-deflate response.
func parseDeflateResponse(ext ExtensionOffer) (DeflateResponse, error) {
	var r DeflateResponse
	var seen deflateParam
	for _, p := range ext.Params {
		dp := lookupDeflateParam(p.Name)
		if dp == dpUnknown {
			return r, negotiationError("response has unknown parameter %q", p.Name)
		}
		if seen&dp != 0 {
			return r, negotiationError("response repeats parameter %s", p.Name)
		}
		seen |= dp
		var err error
		switch dp {
		case dpServerNoContextTakeover:
			err = noValue(p)
			r.ServerNoContextTakeover = true
		case dpClientNoContextTakeover:
			err = noValue(p)
			r.ClientNoContextTakeover = true
		case dpServerMaxWindowBits:
			r.ServerMaxWindowBits, err = windowBitsValue(p)
		case dpClientMaxWindowBits:
			r.ClientMaxWindowBits, err = windowBitsValue(p)
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// matches reports why resp is not a valid response to off (nil: it is).
func (off DeflateOffer) matches(resp DeflateResponse) error {
	if resp.ClientMaxWindowBits != 0 && !off.AcceptMaxWindowBits {
		return negotiationError("response has %s, which was not offered", paramClientMaxWindowBits)
	}
	if off.RequestNoContextTakeover && !resp.ServerNoContextTakeover {
		return negotiationError("response lacks the requested %s", paramServerNoContextTakeover)
	}
	if req := off.RequestMaxWindowBits; req != 0 {
		if resp.ServerMaxWindowBits == 0 {
			return negotiationError("response lacks the requested %s=%d", paramServerMaxWindowBits, req)
		}
		if resp.ServerMaxWindowBits > req {
			return negotiationError("response %s=%d exceeds the requested %d", paramServerMaxWindowBits, resp.ServerMaxWindowBits, req)
		}
	}
	return nil
}

// validate checks a client's accept against the response and offer.
func (a *DeflateResponseAccept) validate() error {
	if a.WindowBits != 0 && !validWindowBits(a.WindowBits) {
		return negotiationError("response accept window bits %d out of range 8..15", a.WindowBits)
	}
	return nil
}

// params resolves a client's codec parameters.
func (a *DeflateResponseAccept) params(off DeflateOffer, o *DeflateOptions) deflateParams {
	r := a.Response
	p := deflateParams{
		// We promised no context takeover when we offered
		// client_no_context_takeover; keep the promise.
		sendNoTakeover: r.ClientNoContextTakeover || off.AcceptNoContextTakeover || a.NoContextTakeover,
		sendWindowBits: orMaxBits(r.ClientMaxWindowBits),
		recvNoTakeover: r.ServerNoContextTakeover,
		recvWindowBits: orMaxBits(r.ServerMaxWindowBits),
	}
	for _, lim := range []int{off.ClientMaxWindowBits, a.WindowBits} {
		if lim != 0 && lim < p.sendWindowBits {
			p.sendWindowBits = lim
		}
	}
	p.setCommon(o)
	return p
}

func noValue(p ExtensionParam) error {
	if p.HasValue {
		return negotiationError("parameter %s takes no value (got %q)", p.Name, p.Value)
	}
	return nil
}

// windowBitsValue parses a window bits parameter's value (see
// parseWindowBits).
func windowBitsValue(p ExtensionParam) (int, error) {
	if !p.HasValue {
		return 0, negotiationError("parameter %s needs a value", p.Name)
	}
	n, ok := parseWindowBits(p.Value)
	if !ok {
		return 0, negotiationError("parameter %s has invalid value %q (want 8..15)", p.Name, p.Value)
	}
	return n, nil
}

// parseWindowBits parses a window bits value: 1*DIGIT without leading
// zeros, 8..15 (RFC 7692 §7.1.2).
func parseWindowBits(v string) (int, bool) {
	ok := v != "" && v[0] != '0' && len(v) <= 2
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] >= '0' && v[i] <= '9'
	}
	if !ok {
		return 0, false
	}
	n, _ := strconv.Atoi(v)
	return n, validWindowBits(n)
}

func validWindowBits(n int) bool { return n >= MinDeflateWindowBits && n <= MaxDeflateWindowBits }

func orMaxBits(n int) int {
	if n == 0 {
		return MaxDeflateWindowBits
	}
	return n
}

// check validates the options themselves (a configuration error, reported
// on the first handshake that uses them).
func (o *DeflateOptions) check() error {
	if o.Level < 0 || o.Level > 9 {
		return fmt.Errorf("ws: DeflateOptions.Level %d out of range 1..9 (0 = default)", o.Level)
	}
	if o.MaxWindowBits != 0 && !validWindowBits(o.MaxWindowBits) {
		return fmt.Errorf("ws: DeflateOptions.MaxWindowBits %d out of range 8..15 (0 = 15)", o.MaxWindowBits)
	}
	for i, off := range o.Offers {
		if err := off.validate(); err != nil {
			return fmt.Errorf("ws: DeflateOptions.Offers[%d]: %w", i, err)
		}
	}
	return nil
}
