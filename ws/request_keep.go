package ws

import (
	"encoding/binary"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// What a server connection keeps of its opening handshake.
//
// During OnConnect and OnOpen, Conn.Request returns the ConnectionRequest
// the handshake built, with the *http.Request net/http parsed. Once OnOpen
// has returned (at once in blocking mode), a connection over HTTP/1.1
// (plain or TLS) drops it and keeps one string: the request's method,
// request URI, protocol, Host, remote address and every header name with
// its values, length-prefixed. That request, its header
// map, URL, query and contexts are then garbage (about 1.5 KB per idle
// connection). The first later call of Conn.Request decodes the string
// into an equal ConnectionRequest (the same Peer, Headers, Host, Path,
// Params, Version, Origin, Protocols, Extensions and Transport) and
// caches it; its Request is a rebuilt *http.Request with Method, URL,
// Proto, ProtoMajor, ProtoMinor, Header, Host, RequestURI, RemoteAddr, TLS
// (from Transport.TLS), an empty Body and context.Background as its
// context (the original context ended with net/http's handler).
// Without TLS the connection's
// TransportDetails (a few strings) go into the same string and are
// rebuilt equal by the first call of Conn.Transport or Conn.Request; with
// TLS the TransportDetails stay as they are. A connection over HTTP/2
// keeps the original request: its stream is the
// request's body, which net/http holds as long as the WebSocket lives
// anyway.

// keepRequest encodes r as the compact form a connection keeps: a
// sequence of strings (method, request URI, protocol, Host, remote
// address, the Peer, LocalAddr, RemoteAddr and HTTPVersion of td, then per
// header name: the name, the number of values, the values). Each string
// is a uvarint v then, when v is even, v/2 bytes; an odd v stands for
// keptWords[v/2-1], or for v == 1 the field's reference (the Peer made
// from the remote address, the request's own remote address and
// protocol), so the common header names and values and the repeated
// addresses take a byte. Exact for any strings, unlike the HTTP text
// form.
func keepRequest(r *http.Request, td *TransportDetails) string {
	uri := r.RequestURI
	if uri == "" && r.URL != nil {
		uri = r.URL.RequestURI()
	}
	if td == nil {
		td = &TransportDetails{}
	}
	fixed := [...][2]string{
		{r.Method, ""}, {uri, ""}, {r.Proto, ""}, {r.Host, ""}, {r.RemoteAddr, ""},
		{td.Peer, peerFromHostPort(r.RemoteAddr)}, {td.LocalAddr, ""},
		{td.RemoteAddr, r.RemoteAddr}, {td.HTTPVersion, r.Proto},
	}
	n := 0
	for _, f := range fixed {
		n += binary.MaxVarintLen64 + len(f[0])
	}
	for k, vs := range r.Header {
		n += 2*binary.MaxVarintLen64 + len(k)
		for _, v := range vs {
			n += binary.MaxVarintLen64 + len(v)
		}
	}
	b := make([]byte, 0, n)
	for _, f := range fixed {
		b = appendKeptString(b, f[0], f[1])
	}
	for k, vs := range r.Header {
		b = appendKeptString(b, k, "")
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendKeptString(b, v, "")
		}
	}
	// One string of exactly the encoded length (the estimate above is an
	// upper bound): what the connection holds.
	return string(b)
}

// keptWords are the strings of opening handshakes that a kept request
// writes as one byte (see keepRequest). Append only: the index is the
// encoding, though only within one process.
var keptWords = [...]string{
	"GET", "/", "HTTP/1.1", "Upgrade", "Connection", "websocket", "13",
	"Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions",
	"Sec-Websocket-Protocol", "User-Agent", "Origin", "Accept-Encoding",
	"Accept-Language", "Cache-Control", "Pragma", "Cookie", "Authorization",
	"X-Forwarded-For", "Go-http-client/1.1", "no-cache", "keep-alive, Upgrade",
	"gzip, deflate, br", "gzip, deflate, br, zstd",
	"permessage-deflate; client_max_window_bits",
	"permessage-deflate; client_max_window_bits; server_max_window_bits=15",
	"permessage-deflate",
}

// keptWordIndex maps a keptWords string to its index.
var keptWordIndex = func() map[string]int {
	m := make(map[string]int, len(keptWords))
	for i, w := range keptWords {
		m[w] = i
	}
	return m
}()

// appendKeptString appends s, as a reference to ref when they are equal
// (and not empty), else as a word of keptWords or literally.
func appendKeptString(b []byte, s, ref string) []byte {
	if ref != "" && s == ref {
		return binary.AppendUvarint(b, 1)
	}
	if i, ok := keptWordIndex[s]; ok {
		return binary.AppendUvarint(b, uint64(i+1)<<1|1)
	}
	b = binary.AppendUvarint(b, uint64(len(s))<<1)
	return append(b, s...)
}

// errKeptRequest is a kept request that does not decode (never produced
// by keepRequest; fuzzed).
var errKeptRequest = errors.New("ws: malformed kept request")

// keptReader decodes what keepRequest wrote.
type keptReader struct {
	s   string
	err error
}

func (d *keptReader) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	// binary.Uvarint needs a []byte; the prefix is at most 10 bytes.
	var p [binary.MaxVarintLen64]byte
	k := copy(p[:], d.s)
	v, n := binary.Uvarint(p[:k])
	if n <= 0 {
		d.err = errKeptRequest
		return 0
	}
	d.s = d.s[n:]
	return v
}

// str decodes a string written with reference ref.
func (d *keptReader) str(ref string) string {
	v := d.uvarint()
	if d.err != nil {
		return ""
	}
	if v&1 == 1 {
		switch i := v >> 1; {
		case i == 0:
			return ref
		case i <= uint64(len(keptWords)):
			return keptWords[i-1]
		}
		d.err = errKeptRequest
		return ""
	}
	n := v >> 1
	if n > uint64(len(d.s)) {
		d.err = errKeptRequest
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

// rebuildHTTPRequest decodes a kept request into an *http.Request (see
// the comment at the top of this file for its fields) and the
// TransportDetails of a server connection without TLS.
func rebuildHTTPRequest(kept string) (*http.Request, *TransportDetails, error) {
	d := &keptReader{s: kept}
	r := &http.Request{
		Method:     d.str(""),
		RequestURI: d.str(""),
		Proto:      d.str(""),
		Host:       d.str(""),
		RemoteAddr: d.str(""),
		Header:     http.Header{},
		Body:       http.NoBody,
	}
	td := &TransportDetails{IsServer: true}
	td.Peer = d.str(peerFromHostPort(r.RemoteAddr))
	td.LocalAddr = d.str("")
	td.RemoteAddr = d.str(r.RemoteAddr)
	td.HTTPVersion = d.str(r.Proto)
	for d.err == nil && d.s != "" {
		k := d.str("")
		nv := d.uvarint()
		if d.err == nil && nv > uint64(len(d.s)) { // each value takes at least a byte
			d.err = errKeptRequest
		}
		if d.err != nil {
			break
		}
		vs := make([]string, 0, nv)
		for i := uint64(0); i < nv && d.err == nil; i++ {
			vs = append(vs, d.str(""))
		}
		r.Header[k] = vs
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	r.ProtoMajor, r.ProtoMinor, _ = http.ParseHTTPVersion(r.Proto)
	// As net/http parses a request's target.
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		u = &url.URL{Path: r.RequestURI}
	}
	r.URL = u
	return r, td, nil
}

// rebuildConnectionRequest builds the ConnectionRequest of a kept request:
// the fields the handshake derived from the request are derived again by
// the same functions.
func rebuildConnectionRequest(kept string, td *TransportDetails) *ConnectionRequest {
	r, _, err := rebuildHTTPRequest(kept)
	if err != nil {
		// Not reachable (kept is ours); an empty request rather than nil.
		r = &http.Request{Header: http.Header{}, Body: http.NoBody, URL: &url.URL{}}
	}
	req := &ConnectionRequest{
		Headers:   r.Header,
		Host:      r.Host,
		Path:      r.URL.Path,
		Params:    r.URL.Query(),
		Version:   protocolVersion,
		Request:   r,
		Transport: td,
	}
	if td != nil {
		req.Peer = td.Peer
		r.TLS = td.TLS
	}
	// The values passed checkRequest: these cannot fail.
	req.Protocols, _ = parseTokenList(r.Header.Values("Sec-WebSocket-Protocol"))
	req.Extensions, _ = parseExtensions(r.Header.Values("Sec-WebSocket-Extensions"))
	if origins := r.Header.Values("Origin"); len(origins) == 1 {
		req.Origin = strings.Trim(origins[0], " \t")
	}
	return req
}

// compactRequest drops the server's full ConnectionRequest for its compact
// form (see the top of this file); it runs once OnOpen has returned.
func (c *Conn) compactRequest() {
	req := c.req.Load()
	if req == nil || req.Request == nil || req.Request.ProtoMajor != 1 || c.reqKept != "" {
		return // a client, HTTP/2, or done already
	}
	td := c.td.Load()
	c.reqKept = keepRequest(req.Request, td)
	c.req.Store(nil) // after reqKept: a Request that loads nil sees it
	if td != nil && td.TLS == nil && td.PeerCert == nil && td.ChannelID == nil && !td.IsSecure {
		c.td.Store(nil) // kept in reqKept too (Transport rebuilds it)
	}
}

// Request is the client's opening handshake (server side; nil on a
// client). Until OnOpen returns it is the ConnectionRequest OnConnect got;
// afterwards, over HTTP/1.1, an equal one rebuilt on the first call from
// what the connection keeps (see the package docs), then the same on
// every call.
func (c *Conn) Request() *ConnectionRequest {
	if req := c.req.Load(); req != nil || c.reqKept == "" {
		return req
	}
	req := rebuildConnectionRequest(c.reqKept, c.Transport())
	if !c.req.CompareAndSwap(nil, req) {
		return c.req.Load()
	}
	return req
}
