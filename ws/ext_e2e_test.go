package ws

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Negotiation and end-to-end tests of the extension plug-in point.

func TestExtensionClientOffer(t *testing.T) {
	tests := []struct {
		name string
		o    *Options
		want string
	}{
		{"none", &Options{}, ""},
		{"deflate only, unchanged", &Options{PerMessageDeflate: &DeflateOptions{}}, "permessage-deflate; client_max_window_bits"},
		{"snappy", &Options{Extensions: []Extension{SnappyExtension(nil)}}, "permessage-snappy; client_no_context_takeover"},
		{"snappy no takeover", &Options{Extensions: []Extension{SnappyExtension(&SnappyOptions{NoContextTakeover: true})}},
			"permessage-snappy; client_no_context_takeover; server_no_context_takeover"},
		{"brotli", &Options{Extensions: []Extension{BrotliExtension(nil)}},
			"permessage-brotli; client_no_context_takeover; server_no_context_takeover"},
		{"deflate first, then the list", &Options{PerMessageDeflate: &DeflateOptions{NoContextTakeover: true},
			Extensions: []Extension{BrotliExtension(nil), SnappyExtension(nil)}},
			"permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, " +
				"permessage-brotli; client_no_context_takeover; server_no_context_takeover, permessage-snappy; client_no_context_takeover"},
		{"deflate placed by DeflateExtension", &Options{Extensions: []Extension{SnappyExtension(nil), DeflateExtension(nil)}},
			"permessage-snappy; client_no_context_takeover, permessage-deflate; client_max_window_bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := clientOffer(tt.o)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []*Options{
		{Extensions: []Extension{nil}},
		{Extensions: []Extension{SnappyExtension(nil), SnappyExtension(nil)}},
		{PerMessageDeflate: &DeflateOptions{}, Extensions: []Extension{DeflateExtension(nil)}},
		{Extensions: []Extension{BrotliExtension(&BrotliOptions{Level: 12})}},
		{Extensions: []Extension{BrotliExtension(&BrotliOptions{WindowBits: 9})}},
		{Extensions: []Extension{DeflateExtension(&DeflateOptions{Level: 10})}},
	} {
		_, err := clientOffer(bad)
		assert.Error(t, err, "%+v", bad.Extensions)
	}
}

func TestExtensionServerNegotiation(t *testing.T) {
	all := []Extension{SnappyExtension(nil), BrotliExtension(nil)}
	tests := []struct {
		name    string
		deflate *DeflateOptions
		exts    []Extension
		offer   string
		want    string
		wantErr bool
	}{
		{"no offer", nil, all, "", "", false},
		{"snappy", nil, all, "permessage-snappy", "permessage-snappy", false},
		{"snappy hint is not binding by default", nil, all, "permessage-snappy; client_no_context_takeover", "permessage-snappy", false},
		{"snappy server_no_context_takeover honoured", nil, all, "permessage-snappy; server_no_context_takeover", "permessage-snappy; server_no_context_takeover", false},
		{"snappy our no takeover", nil, []Extension{SnappyExtension(&SnappyOptions{NoContextTakeover: true})},
			"permessage-snappy; client_no_context_takeover", "permessage-snappy; server_no_context_takeover; client_no_context_takeover", false},
		{"snappy our no takeover, client cannot", nil, []Extension{SnappyExtension(&SnappyOptions{NoContextTakeover: true})},
			"permessage-snappy", "permessage-snappy; server_no_context_takeover", false},
		{"brotli always without takeover", nil, all, "permessage-brotli; client_no_context_takeover",
			"permessage-brotli; server_no_context_takeover; client_no_context_takeover", false},
		{"server preference, not the client's", nil, all, "permessage-brotli, permessage-snappy", "permessage-snappy", false},
		{"server preference, other order", nil, []Extension{BrotliExtension(nil), SnappyExtension(nil)},
			"permessage-snappy, permessage-brotli", "permessage-brotli; server_no_context_takeover", false},
		{"deflate first when set", &DeflateOptions{}, all, "permessage-snappy, permessage-deflate", "permessage-deflate", false},
		{"unknown extension only", nil, all, "x-foo, permessage-bzip2", "", false},
		{"malformed offer declined, later one taken", nil, all,
			"permessage-snappy; server_max_window_bits=10, permessage-snappy; x=1, permessage-snappy; server_no_context_takeover",
			"permessage-snappy; server_no_context_takeover", false},
		{"valued parameter declined", nil, all, "permessage-snappy; client_no_context_takeover=1", "", false},
		{"repeated parameter declined, next extension used", nil, all,
			"permessage-snappy; server_no_context_takeover; server_no_context_takeover, permessage-brotli",
			"permessage-brotli; server_no_context_takeover", false},
		{"malformed deflate offer declined (RFC 7692 5.1)", &DeflateOptions{}, all, "permessage-deflate; server_max_window_bits=99", "", false},
		{"malformed deflate offer declined, snappy taken", &DeflateOptions{}, all,
			"permessage-deflate; server_max_window_bits=99, permessage-snappy", "permessage-snappy", false},
		{"case-insensitive names", nil, all, "PerMessage-Snappy", "permessage-snappy", false},
		{"bad brotli options", nil, []Extension{BrotliExtension(&BrotliOptions{Level: -1})}, "permessage-brotli", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &Options{PerMessageDeflate: tt.deflate, Extensions: tt.exts}
			resp, codec, err := serverNegotiate(o, mustParseExt(t, tt.offer))
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, resp)
			assert.Equal(t, resp != "", codec != nil)
			if codec != nil {
				codec.close()
			}
		})
	}
}

func TestExtensionClientAccept(t *testing.T) {
	o := &Options{Extensions: []Extension{SnappyExtension(nil), BrotliExtension(nil)}}
	nct := &Options{Extensions: []Extension{SnappyExtension(&SnappyOptions{NoContextTakeover: true})}}
	tests := []struct {
		name     string
		o        *Options
		resp     string
		ok       bool
		snappyNC bool // the snappy codec sends without context takeover
	}{
		{"none", o, "", true, false},
		{"snappy", o, "permessage-snappy", true, false},
		{"snappy, client asked not to take over", o, "permessage-snappy; client_no_context_takeover", true, true},
		{"snappy, server declares its own", o, "permessage-snappy; server_no_context_takeover", true, false},
		{"brotli", o, "permessage-brotli; server_no_context_takeover", true, false},
		{"not offered", o, "permessage-deflate", false, false},
		{"unknown", o, "x-foo", false, false},
		{"two", o, "permessage-snappy, permessage-brotli", false, false},
		{"unknown parameter", o, "permessage-snappy; x=1", false, false},
		{"valued parameter", o, "permessage-snappy; server_no_context_takeover=yes", false, false},
		{"repeated parameter", o, "permessage-snappy; client_no_context_takeover; client_no_context_takeover", false, false},
		{"brotli without the requested server_no_context_takeover", o, "permessage-brotli", false, false},
		{"snappy without the requested server_no_context_takeover", nct, "permessage-snappy", false, false},
		{"snappy with it", nct, "permessage-snappy; server_no_context_takeover", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codec, err := clientAccept(tt.o, mustParseExt(t, tt.resp))
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			if tt.resp == "" {
				assert.Nil(t, codec)
				return
			}
			require.NotNil(t, codec)
			if sc, ok := codec.(*snappyCodec); ok {
				assert.Equal(t, tt.snappyNC, sc.sendNoTakeover)
			}
			codec.close()
		})
	}
}

// Every pair of our client and server configurations agrees on one
// extension and exchanges messages of several kinds and sizes.
func TestExtensionsEndToEnd(t *testing.T) {
	text := pmdText(200000, 3)
	bin := bytes.Repeat([]byte{0, 1, 2, 3, 250, 255}, 50000)
	tests := []struct {
		name   string
		server *Options
		client *Options
		want   string // negotiated extension name
	}{
		{"snappy", &Options{Extensions: []Extension{SnappyExtension(nil)}},
			&Options{Extensions: []Extension{SnappyExtension(nil)}}, "permessage-snappy"},
		{"snappy no takeover", &Options{Extensions: []Extension{SnappyExtension(&SnappyOptions{NoContextTakeover: true})}},
			&Options{Extensions: []Extension{SnappyExtension(nil)}}, "permessage-snappy"},
		{"brotli", &Options{Extensions: []Extension{BrotliExtension(nil)}},
			&Options{Extensions: []Extension{BrotliExtension(&BrotliOptions{Level: 1, WindowBits: 22})}}, "permessage-brotli"},
		{"client prefers brotli, server snappy", &Options{Extensions: []Extension{SnappyExtension(nil), BrotliExtension(nil)}},
			&Options{Extensions: []Extension{BrotliExtension(nil), SnappyExtension(nil)}}, "permessage-snappy"},
		{"deflate beside the others", &Options{PerMessageDeflate: &DeflateOptions{}, Extensions: []Extension{BrotliExtension(nil)}},
			&Options{Extensions: []Extension{BrotliExtension(nil), DeflateExtension(nil)}}, "permessage-deflate"},
		{"no common extension", &Options{Extensions: []Extension{SnappyExtension(nil)}},
			&Options{Extensions: []Extension{BrotliExtension(nil)}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := pmdServer(t, nil, func(o *Options) {
				o.PerMessageDeflate = tt.server.PerMessageDeflate
				o.Extensions = tt.server.Extensions
				o.AutoFragmentSize = 30000
			})
			co := DefaultOptions()
			co.PerMessageDeflate = tt.client.PerMessageDeflate
			co.Extensions = tt.client.Extensions
			ctx, cancel := context.WithTimeout(context.Background(), pmdTestTimeout)
			defer cancel()
			c, err := Dial(ctx, "ws://"+addr+"/", nil, co)
			require.NoError(t, err)
			defer c.CloseNow()
			var got string
			if exts := c.Response().Extensions; len(exts) > 0 {
				got = exts[0].Name
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want != "", c.Compressed())
			for i, m := range []struct {
				payload  []byte
				isBinary bool
			}{{text, false}, {bin, true}, {nil, false}, {nil, true}, {[]byte("small"), false}, {text[:70000], false}, {bin, true}} {
				if i == 3 {
					w, err := c.NextWriter(m.isBinary) // streamed send
					require.NoError(t, err)
					_, err = w.Write(text)
					require.NoError(t, err)
					require.NoError(t, w.Close())
					m.payload = text
				} else {
					require.NoError(t, c.SendMessage(m.payload, m.isBinary))
				}
				isBinary, payload, err := c.ReadMessage(ctx)
				require.NoError(t, err, "message %d", i)
				assert.Equal(t, m.isBinary, isBinary, "message %d", i)
				assert.True(t, bytes.Equal(m.payload, payload), "message %d: sent %d bytes, got %d", i, len(m.payload), len(payload))
			}
			require.NoError(t, c.Close())
		})
	}
}

// The engine's limits and checks hold for every codec: a bomb fails with
// 1009 as soon as the limit is crossed, invalid data and invalid UTF-8 in
// a compressed text message with 1007.
func TestExtensionEngineLimits(t *testing.T) {
	const limit = 256 << 10
	big := make([]byte, 4<<20)
	type codecCase struct {
		name string
		ext  Extension
		wire func(p []byte) []byte
	}
	cases := []codecCase{
		{"permessage-snappy", SnappyExtension(nil), func(p []byte) []byte {
			w, err := newSnappyCodec(true, 0).compress(nil, p)
			require.NoError(t, err)
			return w
		}},
		// level 1 keeps the echo quick under -race on a loaded machine
		{"permessage-brotli", BrotliExtension(&BrotliOptions{Level: 1}), func(p []byte) []byte { return brotliBytes(t, p) }},
	}
	for _, cc := range cases {
		server := func(t *testing.T, frameLimit int64) string {
			return pmdServer(t, nil, func(o *Options) {
				o.Extensions = []Extension{cc.ext}
				o.MaxMessagePayloadSize = limit
				o.MaxFramePayloadSize = frameLimit
			})
		}
		t.Run(cc.name+"/message limit", func(t *testing.T) {
			bomb := cc.wire(big)
			t.Logf("4 MiB of zeros: %d compressed bytes", len(bomb))
			p, ext := pmdDialRaw(t, server(t, 0), cc.name)
			require.True(t, strings.HasPrefix(ext, cc.name), ext)
			p.frame(OpBinary, false, 4, bomb) // the message is never finished
			p.expectClose(CloseMessageTooBig)
		})
		t.Run(cc.name+"/frame limit after decompression", func(t *testing.T) {
			p, _ := pmdDialRaw(t, server(t, 64<<10), cc.name)
			p.frame(OpBinary, true, 4, cc.wire(make([]byte, 200<<10)))
			p.expectClose(CloseMessageTooBig)
		})
		t.Run(cc.name+"/just under the limit", func(t *testing.T) {
			p, _ := pmdDialRaw(t, server(t, 0), cc.name)
			want := pmdText(limit-10, 4)
			want = want[:len(want)-utf8RuneTail(want)]
			p.frame(OpText, true, 4, cc.wire(want))
			f, err := p.read()
			require.NoError(t, err)
			require.Equal(t, byte(4), f.rsv)
			got, err := readAllChunks(toPMD(mustCodec(t, cc.ext)), f.payload, 4096)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
		t.Run(cc.name+"/invalid data", func(t *testing.T) {
			p, _ := pmdDialRaw(t, server(t, 0), cc.name)
			p.frame(OpBinary, true, 4, []byte{0x02, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0x13, 0x37})
			p.expectClose(CloseInvalidPayload)
		})
		t.Run(cc.name+"/invalid UTF-8", func(t *testing.T) {
			p, _ := pmdDialRaw(t, server(t, 0), cc.name)
			p.frame(OpText, true, 4, cc.wire(append(bytes.Repeat([]byte("ok "), 1000), 0xc3, 0x28)))
			p.expectClose(CloseInvalidPayload)
		})
	}
}

// mustCodec returns a receiving codec of ext as a client would get it.
func mustCodec(t *testing.T, ext Extension) Codec {
	offs, err := ext.ClientOffers()
	require.NoError(t, err)
	resp, _, err := ext.ServerAccept(offs)
	require.NoError(t, err)
	c, err := ext.ClientAccept(resp)
	require.NoError(t, err)
	return c
}

// utf8RuneTail is how many bytes at the end of b belong to an incomplete
// code point.
func utf8RuneTail(b []byte) int {
	for i := 1; i <= 3 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return i
			}
			return 0
		}
	}
	return 0
}

// An application's own Extension: a trivial "x-reverse" codec that sends
// each message byte-reversed, negotiated with a parameter, and its codec
// called by the engine (including Close at the end).
type reverseExt struct{ closed *atomic.Int32 }

func (reverseExt) Name() string { return "x-reverse" }
func (reverseExt) ClientOffers() ([]ExtensionOffer, error) {
	return []ExtensionOffer{{Name: "x-reverse", Params: []ExtensionParam{{Name: "mode", Value: "all-bytes", HasValue: true}}}}, nil
}
func (e reverseExt) ServerAccept(offers []ExtensionOffer) (ExtensionOffer, Codec, error) {
	for _, off := range offers {
		if len(off.Params) == 1 && off.Params[0].Value == "all-bytes" {
			return ExtensionOffer{Name: "x-reverse"}, reverseCodec{e.closed}, nil
		}
	}
	return ExtensionOffer{}, nil, nil
}
func (e reverseExt) ClientAccept(resp ExtensionOffer) (Codec, error) {
	if len(resp.Params) != 0 {
		return nil, errors.New("x-reverse takes no response parameters")
	}
	return reverseCodec{e.closed}, nil
}

type reverseCodec struct{ closed *atomic.Int32 }

func reversed(p []byte) []byte {
	out := make([]byte, len(p))
	for i, b := range p {
		out[len(p)-1-i] = b
	}
	return out
}

func (reverseCodec) ShouldCompress(n int) bool { return true }
func (reverseCodec) Compress(dst, p []byte) ([]byte, error) {
	return append(dst, reversed(p)...), nil
}
func (reverseCodec) CompressWriter(w io.Writer) io.WriteCloser { return &reverseWriter{w: w} }
func (reverseCodec) DecompressReader(r io.Reader) io.Reader {
	all, err := io.ReadAll(r) // a test codec: a real one must not buffer the message
	if err != nil {
		return &failingReader{}
	}
	return bytes.NewReader(reversed(all))
}
func (reverseCodec) EndMessage() {}
func (c reverseCodec) Close()    { c.closed.Add(1) }

type reverseWriter struct {
	w   io.Writer
	buf []byte
}

func (r *reverseWriter) Write(p []byte) (int, error) { r.buf = append(r.buf, p...); return len(p), nil }
func (r *reverseWriter) Close() error {
	_, err := r.w.Write(reversed(r.buf))
	return err
}

func TestExtensionUserDefined(t *testing.T) {
	var closed atomic.Int32
	ext := reverseExt{&closed}
	addr := pmdServer(t, nil, func(o *Options) { o.Extensions = []Extension{ext} })

	p, resp := pmdDialRaw(t, addr, `x-reverse; mode="all-bytes"`)
	require.Equal(t, "x-reverse", resp)
	p.frame(OpText, true, 4, []byte("olleh"))
	f, err := p.read()
	require.NoError(t, err)
	assert.Equal(t, byte(4), f.rsv, "sent with RSV1")
	assert.Equal(t, "olleh", string(f.payload), "echoed reversed on the wire")

	co := DefaultOptions()
	co.Extensions = []Extension{ext}
	ctx, cancel := context.WithTimeout(context.Background(), pmdTestTimeout)
	defer cancel()
	c, err := Dial(ctx, "ws://"+addr+"/", nil, co)
	require.NoError(t, err)
	require.NoError(t, c.SendMessage([]byte("hello, plug-in"), false))
	_, got, err := c.ReadMessage(ctx)
	require.NoError(t, err)
	assert.Equal(t, "hello, plug-in", string(got))
	require.NoError(t, c.Close())
	<-c.Done()
	assert.GreaterOrEqual(t, closed.Load(), int32(1), "the client's codec was closed")
}

// An extension rendering a parameter that is not a token is refused.
type badParamExt struct{ reverseExt }

func (badParamExt) ClientOffers() ([]ExtensionOffer, error) {
	return []ExtensionOffer{{Name: "x-reverse", Params: []ExtensionParam{{Name: "mode", Value: "two words", HasValue: true}}}}, nil
}

func TestExtensionOfferMustBeTokens(t *testing.T) {
	_, err := clientOffer(&Options{Extensions: []Extension{badParamExt{}}})
	require.ErrorContains(t, err, "not a token")
}
