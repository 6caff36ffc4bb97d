package ws

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestH2ExtensionPlugins: the compression plug-ins of Options.Extensions
// are offered and accepted over HTTP/2 as over HTTP/1.1 (the HTTP/2
// dialer offered and accepted permessage-deflate only, so a server that
// chose permessage-snappy or -brotli failed the handshake), and
// compressed messages echo intact.
func TestH2ExtensionPlugins(t *testing.T) {
	for _, tc := range []struct {
		name string
		exts func() []Extension
		want string
	}{
		{"snappy", func() []Extension { return []Extension{SnappyExtension(nil)} }, "permessage-snappy"},
		{"brotli", func() []Extension { return []Extension{BrotliExtension(nil)} }, "permessage-brotli"},
		{"brotli before snappy", func() []Extension { return []Extension{BrotliExtension(nil), SnappyExtension(nil)} }, "permessage-brotli"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH2Echo()
			so := DefaultOptions()
			so.Extensions = tc.exts()
			s := startH2Server(t, NewServer(func() Handler { return h }, so), true)
			o := s.h2Opts(nil)
			o.Extensions = tc.exts()
			c := h2Dial(t, s.url, o)
			assert.Equal(t, "HTTP/2.0", c.Transport().HTTPVersion)
			require.Len(t, c.Response().Extensions, 1)
			assert.Equal(t, tc.want, c.Response().Extensions[0].Name)
			for _, n := range []int{0, 100, 64 << 10} {
				p := bytes.Repeat([]byte("compress me, "), n/13+1)[:n]
				require.NoError(t, c.SendMessage(p, false))
				gotBin, got := readMsg(t, c)
				assert.False(t, gotBin)
				assert.True(t, bytes.Equal(p, got), "echo of %d bytes", n)
			}
			require.NoError(t, c.Close())
			assert.Equal(t, CloseNormal, h.waitClose(t).Code)
		})
	}
}
