package ws

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// This file is the seam between the opening handshake (accept.go, dial.go),
// the engine (conn.go and friends) and permessage-deflate (deflate.go,
// compress.go): the header parser and the three negotiation entry points.

// pmdCodec is one connection's negotiated permessage-deflate state, used by
// the engine; nil when not negotiated. The send methods (shouldCompress,
// compress, compressWriter) are called by one sender at a time, the receive
// methods (decompressReader, endMessage) by the reader; close is called once
// neither is in progress.
type pmdCodec interface {
	// shouldCompress reports whether a message of n payload bytes is sent
	// compressed (size threshold).
	shouldCompress(n int) bool
	// compress appends the compressed form of one whole message payload
	// (without the trailing 00 00 ff ff) to dst.
	compress(dst, payload []byte) ([]byte, error)
	// compressWriter returns a writer compressing one streamed message into
	// w; Close flushes it (without the trailing 00 00 ff ff).
	compressWriter(w io.Writer) io.WriteCloser
	// decompressReader returns a reader of one message's inflated bytes; r
	// yields the message's compressed bytes (all frames) then io.EOF; the
	// codec appends the 00 00 ff ff tail itself. Invalid compressed data
	// gives an error wrapping ErrInvalidCompressedData.
	decompressReader(r io.Reader) io.Reader
	// endMessage is called after a compressed message was read to its end
	// (keeps or drops the sliding window as negotiated).
	endMessage()
	// close releases pooled state when the connection ends.
	close()
}

// serverNegotiateExtensions chooses, from the client's offers, what the
// server accepts. It returns the Sec-WebSocket-Extensions response value
// ("" for none) and the codec (nil for none). An error denies the handshake
// with 400.
//
// Offers are judged one by one (RFC 7692 §5.1): one with a parameter RFC
// 7692 does not define for an offer, a parameter given twice, or a value
// that is not valid (window bits outside 8..15, a value on a
// *_no_context_takeover, none on server_max_window_bits) is declined, and
// the next offer may still be accepted; with none left the connection
// goes on without compression. Only a Sec-WebSocket-Extensions header that
// does not parse at all (checkRequest: 400), invalid DeflateOptions or an
// AcceptOffer error fail the handshake. The work is linear in the number
// of offers and allocates nothing per declined offer.
func serverNegotiateExtensions(o *Options, offers []ExtensionOffer) (string, pmdCodec, error) {
	if o == nil || o.PerMessageDeflate == nil {
		return "", nil, nil
	}
	d := o.PerMessageDeflate
	if err := d.check(); err != nil {
		return "", nil, err
	}
	var valid []DeflateOffer
	for _, ext := range offers {
		if !strings.EqualFold(ext.Name, deflateExtensionName) {
			continue
		}
		if off, fault, _ := scanDeflateOffer(ext); fault == offerOK {
			valid = append(valid, off)
		}
	}
	if len(valid) == 0 {
		return "", nil, nil
	}
	choose := d.AcceptOffer
	if choose == nil {
		choose = d.DefaultAcceptOffer
	}
	acc, err := choose(valid)
	if err != nil {
		return "", nil, fmt.Errorf("ws: permessage-deflate offer not accepted: %w", err)
	}
	if acc == nil {
		return "", nil, nil
	}
	if err := acc.validate(); err != nil {
		return "", nil, err
	}
	return acc.String(), newDeflateCodec(acc.params(d)), nil
}

// clientExtensionOffer returns the Sec-WebSocket-Extensions value a client
// sends ("" for none).
func clientExtensionOffer(o *Options) string {
	if o == nil || o.PerMessageDeflate == nil {
		return ""
	}
	var parts []string
	for _, off := range o.PerMessageDeflate.offers() {
		parts = append(parts, off.String())
	}
	return strings.Join(parts, ", ")
}

// clientAcceptExtensions checks the server's accepted extensions against
// what the client offered and returns the codec (nil for none). Any
// extension we did not offer, more than one extension, or a response that
// fits none of our offers fails the handshake.
func clientAcceptExtensions(o *Options, accepted []ExtensionOffer) (pmdCodec, error) {
	if len(accepted) == 0 {
		return nil, nil
	}
	if o == nil || o.PerMessageDeflate == nil || !strings.EqualFold(accepted[0].Name, deflateExtensionName) {
		return nil, fmt.Errorf("ws: server accepted extension %q that was not offered", accepted[0].Name)
	}
	if len(accepted) > 1 {
		return nil, negotiationError("server accepted %d extensions, we offered permessage-deflate once", len(accepted))
	}
	d := o.PerMessageDeflate
	if err := d.check(); err != nil {
		return nil, err
	}
	resp, err := parseDeflateResponse(accepted[0])
	if err != nil {
		return nil, err
	}
	var firstErr error
	for _, off := range d.offers() {
		err := off.matches(resp)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		acceptFn := d.AcceptResponse
		if acceptFn == nil {
			acceptFn = DefaultAcceptResponse
		}
		acc, err := acceptFn(off, resp)
		if err != nil {
			return nil, fmt.Errorf("ws: permessage-deflate response not accepted: %w", err)
		}
		if acc == nil {
			return nil, negotiationError("response %+v not accepted", resp)
		}
		acc.Response = resp
		if err := acc.validate(); err != nil {
			return nil, err
		}
		return newDeflateCodec(acc.params(off, d)), nil
	}
	return nil, firstErr
}

// errBadExtensionHeader is wrapped by every parseExtensions error.
var errBadExtensionHeader = errors.New("malformed Sec-WebSocket-Extensions header")

// parseExtensions parses Sec-WebSocket-Extensions header values (RFC 6455
// 9.1 grammar: comma-separated extensions, each a token followed by
// ;-separated token[=token|quoted-string] parameters). Names and values
// are substrings of the header (a quoted value with escapes excepted).
// A first pass checks the syntax and counts, a second fills two arrays of
// exactly that size (the offers, and the parameters of all offers), so a
// header with thousands of offers or parameters costs two allocations and
// a malformed one none.
func parseExtensions(values []string) ([]ExtensionOffer, error) {
	nExt, nParam, err := walkExtensions(values, nil, nil)
	if err != nil || nExt == 0 {
		return nil, err
	}
	out := make([]ExtensionOffer, 0, nExt)
	var params []ExtensionParam
	if nParam > 0 {
		params = make([]ExtensionParam, 0, nParam)
	}
	if _, _, err := walkExtensions(values, &out, &params); err != nil {
		return nil, err // not reached: the first pass accepted the same input
	}
	return out, nil
}

// walkExtensions parses values for parseExtensions and returns the number
// of extensions and parameters. With out and params nil it only checks
// and counts; otherwise it appends to them, and every ext.Params is a
// capped window of *params (appending to one offer's Params cannot
// overwrite the next offer's).
func walkExtensions(values []string, out *[]ExtensionOffer, params *[]ExtensionParam) (nExt, nParam int, err error) {
	for _, v := range values {
		p := extParser{s: v}
		for {
			p.skipSpace()
			if p.done() {
				break
			}
			if p.peek() == ',' { // empty list element, allowed by #rule
				p.i++
				continue
			}
			name, err := p.token()
			if err != nil {
				return 0, 0, err
			}
			first := nParam
			for {
				p.skipSpace()
				if p.done() || p.peek() == ',' {
					break
				}
				if p.peek() != ';' {
					return 0, 0, fmt.Errorf("ws: %w: unexpected %q at offset %d of %s", errBadExtensionHeader, p.peek(), p.i, quoteClip(v))
				}
				p.i++
				p.skipSpace()
				pn, err := p.token()
				if err != nil {
					return 0, 0, err
				}
				param := ExtensionParam{Name: pn}
				p.skipSpace()
				if !p.done() && p.peek() == '=' {
					p.i++
					p.skipSpace()
					val, err := p.value()
					if err != nil {
						return 0, 0, err
					}
					param.Value, param.HasValue = val, true
				}
				nParam++
				if params != nil {
					*params = append(*params, param)
				}
			}
			nExt++
			if out != nil {
				ext := ExtensionOffer{Name: name}
				if nParam > first {
					ext.Params = (*params)[first:nParam:nParam]
				}
				*out = append(*out, ext)
			}
			if !p.done() {
				p.i++ // ','
			}
		}
	}
	return nExt, nParam, nil
}

type extParser struct {
	s string
	i int
}

func (p *extParser) done() bool { return p.i >= len(p.s) }
func (p *extParser) peek() byte { return p.s[p.i] }
func (p *extParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *extParser) token() (string, error) {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	if p.i == start {
		return "", fmt.Errorf("ws: %w: expected a token at offset %d of %s", errBadExtensionHeader, start, quoteClip(p.s))
	}
	return p.s[start:p.i], nil
}

func (p *extParser) value() (string, error) {
	if p.done() || p.peek() != '"' {
		return p.token()
	}
	p.i++
	// Without escapes the value is a substring of the header.
	if end := strings.IndexAny(p.s[p.i:], `"\\`); end >= 0 && p.s[p.i+end] == '"' {
		v := p.s[p.i : p.i+end]
		p.i += end + 1
		return checkQuotedToken(v)
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return checkQuotedToken(b.String())
		case '\\':
			if p.i >= len(p.s) {
				return "", fmt.Errorf("ws: %w: unterminated escape in %s", errBadExtensionHeader, quoteClip(p.s))
			}
			b.WriteByte(p.s[p.i])
			p.i++
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("ws: %w: unterminated quoted string in %s", errBadExtensionHeader, quoteClip(p.s))
}

// checkQuotedToken returns v, the content of a quoted parameter value,
// when it is a token, as RFC 6455 9.1 requires.
func checkQuotedToken(v string) (string, error) {
	if !isToken(v) {
		return "", fmt.Errorf("ws: %w: quoted value %s is not a token", errBadExtensionHeader, quoteClip(v))
	}
	return v, nil
}

// isTokenChar reports whether c may appear in an RFC 7230 token.
func isTokenChar(c byte) bool { return tokenChars[c] }

// tokenChars[c] is whether byte c may appear in an RFC 7230 token: a
// visible ASCII character other than the separators.
var tokenChars = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`()<>@,;:\"/[]?={}`, c)
	}
	return t
}()
