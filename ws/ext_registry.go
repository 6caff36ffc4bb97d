package ws

import (
	"fmt"
	"io"
	"strings"
)

// The per-message compression plug-in point, Autobahn's
// PERMESSAGE_COMPRESSION_EXTENSION registry in Go: an Extension builds a
// client's offers, accepts a client's offer on a server and accepts a
// server's response on a client, and each acceptance yields the Codec the
// engine compresses and decompresses messages with. permessage-deflate
// (DeflateExtension, or Options.PerMessageDeflate for short),
// permessage-snappy (SnappyExtension) and permessage-brotli
// (BrotliExtension) are built on it, and an application may add its own.
//
// At most one extension is in use per connection: they all mark
// compressed messages with RSV1. The engine is the same for every codec:
// it pulls decompressed bytes through Codec.DecompressReader in bounded
// chunks and applies MaxMessagePayloadSize, MaxFramePayloadSize and UTF-8
// validation to what comes out, so a codec needs no limits of its own.

// Extension is a per-message compression extension (RFC 7692's framework)
// that can be negotiated in the opening handshake. Its methods are called
// once per handshake, from the handshake's goroutine; an Extension is
// shared by every connection of a server or Dial, so it must keep no
// per-connection state outside the Codec it returns.
type Extension interface {
	// Name is the extension token ("permessage-snappy"); offers and
	// responses are matched to it case-insensitively.
	Name() string
	// ClientOffers returns what a client offers, in order of preference.
	// Every element must carry Name. An error fails the Dial.
	ClientOffers() ([]ExtensionOffer, error)
	// ServerAccept chooses among a client's offers of this extension, in
	// the client's order of preference. It returns the response element
	// (its Name must be Name) and the codec of the connection; a nil codec
	// declines, and the server tries its next extension. An offer it
	// cannot use (an unknown or malformed parameter) should be skipped, so
	// a later offer may be taken; an error denies the handshake (400).
	ServerAccept(offers []ExtensionOffer) (ExtensionOffer, Codec, error)
	// ClientAccept checks the server's response (its Name matches) against
	// what ClientOffers offered and returns the codec of the connection;
	// an error (or a nil codec) fails the Dial.
	ClientAccept(response ExtensionOffer) (Codec, error)
}

// Codec is one connection's negotiated per-message compression state, as
// returned by an Extension. The engine calls the send methods
// (ShouldCompress, Compress, CompressWriter and the writer's methods) from
// one sender at a time and the receive methods (DecompressReader, the
// reader's Read, EndMessage) from the reading goroutine; Close is called
// once, when neither is in progress any more.
type Codec interface {
	// ShouldCompress reports whether a message of n payload bytes is sent
	// compressed (with RSV1 set).
	ShouldCompress(n int) bool
	// Compress appends the wire form of one whole message payload to dst
	// and returns the result (dst, or a buffer append grew from it, never
	// one the codec keeps): once written, the engine reuses it as dst for
	// later messages, of this connection or another.
	Compress(dst, payload []byte) ([]byte, error)
	// CompressWriter returns a writer compressing one streamed message
	// into w; Close ends the message (it does not close w).
	CompressWriter(w io.Writer) io.WriteCloser
	// DecompressReader returns a reader of one message's decompressed
	// bytes; r yields the message's wire bytes (all frames), then io.EOF.
	// The reader returns io.EOF at the message's end and any other error
	// for invalid data (the engine fails the connection with 1007). It
	// must produce output as it is read (in calls of the engine's size),
	// never the whole message at once, so limits hold against bombs.
	DecompressReader(r io.Reader) io.Reader
	// EndMessage is called after a compressed message was read to its end.
	EndMessage()
	// Close releases the codec's state when the connection ends.
	Close()
}

// DeflateExtension returns permessage-deflate (RFC 7692) configured by o
// as an Extension, for ordering it among Options.Extensions (nil o: the
// zero DeflateOptions). Options.PerMessageDeflate is the same extension,
// placed before all of Options.Extensions.
func DeflateExtension(o *DeflateOptions) Extension {
	if o == nil {
		o = &DeflateOptions{}
	}
	return deflateExtension{d: o}
}

// deflateExtension adapts the permessage-deflate negotiation of
// extension.go to Extension.
type deflateExtension struct{ d *DeflateOptions }

func (e deflateExtension) Name() string { return deflateExtensionName }

func (e deflateExtension) ClientOffers() ([]ExtensionOffer, error) {
	if err := e.d.check(); err != nil {
		return nil, err
	}
	return parseExtensions([]string{clientExtensionOffer(&Options{PerMessageDeflate: e.d})})
}

func (e deflateExtension) ServerAccept(offers []ExtensionOffer) (ExtensionOffer, Codec, error) {
	resp, pmd, err := serverNegotiateExtensions(&Options{PerMessageDeflate: e.d}, offers)
	if err != nil || pmd == nil {
		return ExtensionOffer{}, nil, err
	}
	elems, err := parseExtensions([]string{resp})
	if err != nil || len(elems) != 1 {
		pmd.close()
		return ExtensionOffer{}, nil, fmt.Errorf("ws: permessage-deflate: rendering the response %q: %w", resp, err)
	}
	return elems[0], builtinCodec{pmd}, nil
}

func (e deflateExtension) ClientAccept(resp ExtensionOffer) (Codec, error) {
	pmd, err := clientAcceptExtensions(&Options{PerMessageDeflate: e.d}, []ExtensionOffer{resp})
	if err != nil {
		return nil, err
	}
	return builtinCodec{pmd}, nil
}

// extensionList is the server's (and client's) extensions in order of
// preference: PerMessageDeflate first, then Options.Extensions.
func extensionList(o *Options) ([]Extension, error) {
	var list []Extension
	if o.PerMessageDeflate != nil {
		list = append(list, deflateExtension{d: o.PerMessageDeflate})
	}
	for i, e := range o.Extensions {
		if e == nil {
			return nil, fmt.Errorf("ws: Options.Extensions[%d] is nil", i)
		}
		for _, prev := range list {
			if strings.EqualFold(prev.Name(), e.Name()) {
				return nil, fmt.Errorf("ws: Options.Extensions[%d]: %q is configured twice", i, e.Name())
			}
		}
		list = append(list, e)
	}
	return list, nil
}

// serverNegotiate chooses the extension of a connection: the first of the
// server's extensions (in its order of preference) that accepts one of the
// client's offers of it. It returns the Sec-WebSocket-Extensions response
// value ("" for none) and the codec (nil for none); an error denies the
// handshake with 400.
func serverNegotiate(o *Options, offers []ExtensionOffer) (string, pmdCodec, error) {
	if o == nil || len(o.Extensions) == 0 {
		return serverNegotiateExtensions(o, offers)
	}
	list, err := extensionList(o)
	if err != nil {
		return "", nil, err
	}
	for _, e := range list {
		var mine []ExtensionOffer
		for _, off := range offers {
			if strings.EqualFold(off.Name, e.Name()) {
				mine = append(mine, off)
			}
		}
		if len(mine) == 0 {
			continue
		}
		resp, codec, err := e.ServerAccept(mine)
		if err != nil {
			return "", nil, fmt.Errorf("ws: %s: %w", e.Name(), err)
		}
		if codec == nil {
			continue
		}
		if !strings.EqualFold(resp.Name, e.Name()) {
			codec.Close()
			return "", nil, fmt.Errorf("ws: %s: ServerAccept answered with extension %q", e.Name(), resp.Name)
		}
		out, err := formatExtension(resp)
		if err != nil {
			codec.Close()
			return "", nil, err
		}
		return out, toPMD(codec), nil
	}
	return "", nil, nil
}

// clientOffer returns the Sec-WebSocket-Extensions value a client sends
// ("" for none): every extension's offers, in order of preference.
func clientOffer(o *Options) (string, error) {
	if o == nil || len(o.Extensions) == 0 {
		return clientExtensionOffer(o), nil
	}
	list, err := extensionList(o)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, e := range list {
		offs, err := e.ClientOffers()
		if err != nil {
			return "", fmt.Errorf("ws: %s: offers: %w", e.Name(), err)
		}
		for _, off := range offs {
			if !strings.EqualFold(off.Name, e.Name()) {
				return "", fmt.Errorf("ws: %s: ClientOffers returned an offer of %q", e.Name(), off.Name)
			}
			s, err := formatExtension(off)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", "), nil
}

// clientAccept checks the server's accepted extensions and returns the
// codec (nil for none): at most one extension, one we offered.
func clientAccept(o *Options, accepted []ExtensionOffer) (pmdCodec, error) {
	if o == nil || len(o.Extensions) == 0 || len(accepted) == 0 {
		return clientAcceptExtensions(o, accepted)
	}
	list, err := extensionList(o)
	if err != nil {
		return nil, err
	}
	if len(accepted) > 1 {
		return nil, fmt.Errorf("ws: server accepted %d extensions; at most one compression extension can be used", len(accepted))
	}
	for _, e := range list {
		if !strings.EqualFold(accepted[0].Name, e.Name()) {
			continue
		}
		codec, err := e.ClientAccept(accepted[0])
		if err != nil {
			return nil, fmt.Errorf("ws: %s: %w", e.Name(), err)
		}
		if codec == nil {
			return nil, fmt.Errorf("ws: %s: response %+v not accepted", e.Name(), accepted[0])
		}
		return toPMD(codec), nil
	}
	return nil, fmt.Errorf("ws: server accepted extension %q that was not offered", accepted[0].Name)
}

// formatExtension renders one Sec-WebSocket-Extensions element. Names
// and values must be tokens (RFC 6455 9.1 allows a quoted value only when
// its content is a token, so quoting gains nothing).
func formatExtension(e ExtensionOffer) (string, error) {
	if !isToken(e.Name) {
		return "", fmt.Errorf("ws: extension name %q is not a token", e.Name)
	}
	var b strings.Builder
	b.WriteString(e.Name)
	for _, p := range e.Params {
		if !isToken(p.Name) {
			return "", fmt.Errorf("ws: %s: parameter name %q is not a token", e.Name, p.Name)
		}
		b.WriteString("; ")
		b.WriteString(p.Name)
		if p.HasValue {
			if !isToken(p.Value) {
				return "", fmt.Errorf("ws: %s: parameter %s value %q is not a token", e.Name, p.Name, p.Value)
			}
			b.WriteByte('=')
			b.WriteString(p.Value)
		}
	}
	return b.String(), nil
}

// builtinCodec presents one of our codecs as a Codec; toPMD unwraps it, so
// the engine calls the codec directly.
type builtinCodec struct{ c pmdCodec }

func (b builtinCodec) ShouldCompress(n int) bool { return b.c.shouldCompress(n) }
func (b builtinCodec) Compress(dst, payload []byte) ([]byte, error) {
	return b.c.compress(dst, payload)
}
func (b builtinCodec) CompressWriter(w io.Writer) io.WriteCloser { return b.c.compressWriter(w) }
func (b builtinCodec) DecompressReader(r io.Reader) io.Reader    { return b.c.decompressReader(r) }
func (b builtinCodec) EndMessage()                               { b.c.endMessage() }
func (b builtinCodec) Close()                                    { b.c.close() }

// userCodec is an application's Codec as the engine's pmdCodec.
type userCodec struct{ c Codec }

func (u userCodec) shouldCompress(n int) bool                    { return u.c.ShouldCompress(n) }
func (u userCodec) compress(dst, payload []byte) ([]byte, error) { return u.c.Compress(dst, payload) }
func (u userCodec) compressWriter(w io.Writer) io.WriteCloser    { return u.c.CompressWriter(w) }
func (u userCodec) decompressReader(r io.Reader) io.Reader       { return u.c.DecompressReader(r) }
func (u userCodec) endMessage()                                  { u.c.EndMessage() }
func (u userCodec) close()                                       { u.c.Close() }

func toPMD(c Codec) pmdCodec {
	if b, ok := c.(builtinCodec); ok {
		return b.c
	}
	return userCodec{c}
}
