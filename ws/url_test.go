package ws

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in   string
		want URL
		err  string
	}{
		{in: "ws://localhost", want: URL{Host: "localhost", Port: 80, Resource: "/", Path: "/"}},
		{in: "wss://example.com", want: URL{IsSecure: true, Host: "example.com", Port: 443, Resource: "/", Path: "/"}},
		{in: "WS://Example.COM:9000/a%20b?x=1&y=2&x=3", want: URL{Host: "example.com", Port: 9000, Resource: "/a%20b?x=1&y=2&x=3", Path: "/a b", Params: url.Values{"x": {"1", "3"}, "y": {"2"}}}},
		{in: "ws://[::1]:8080/ws", want: URL{Host: "::1", Port: 8080, Resource: "/ws", Path: "/ws"}},
		{in: "ws://localhost/#", want: URL{Host: "localhost", Port: 80, Resource: "/", Path: "/"}},
		{in: "ws://unix:/tmp/file.sock", want: URL{Host: "unix", SocketPath: "/tmp/file.sock", Resource: "/tmp/file.sock", Path: "/tmp/file.sock"}},
		{in: "ws+unix:///run/app.sock", want: URL{Host: "localhost", SocketPath: "/run/app.sock", Resource: "/", Path: "/"}},
		{in: "wss+unix:///run/app.sock:/chat?room=1", want: URL{IsSecure: true, Host: "localhost", SocketPath: "/run/app.sock", Resource: "/chat?room=1", Path: "/chat", Params: url.Values{"room": {"1"}}}},
		{in: "ws+unix:rel/app%3A1.sock:/x", want: URL{Host: "localhost", SocketPath: "rel/app:1.sock", Resource: "/x", Path: "/x"}},
		{in: "http://localhost/", err: "scheme"},
		{in: "ws:///path", err: "missing hostname"},
		{in: "ws:opaque", err: "missing hostname"},
		{in: "ws://localhost/#frag", err: "fragment"},
		{in: "ws://localhost:0/", err: "invalid port"},
		{in: "ws://localhost:65536/", err: "invalid port"},
		{in: "ws://localhost:http/", err: "invalid"},
		{in: "ws://localhost/?a=%zz", err: "query"},
		{in: "ws+unix://host/run/app.sock", err: "no host"},
		{in: "ws+unix:///run/app.sock:chat", err: "must start with '/'"},
		{in: "ws+unix:", err: "missing socket path"},
		{in: "ws+unix:///s:/x#f", err: "fragment"},
		{in: "ws+unix:/s%00:/x", err: "NUL"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseURL(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.Contains(t, err.Error(), "ws: invalid WebSocket URL")
				return
			}
			require.NoError(t, err)
			if tc.want.Params == nil {
				tc.want.Params = url.Values{}
			}
			assert.Equal(t, &tc.want, got)
			// String gives a URL that parses back to the same values.
			again, err := ParseURL(got.String())
			require.NoError(t, err, got.String())
			assert.Equal(t, got, again, got.String())
		})
	}
}

func TestCreateURL(t *testing.T) {
	tests := []struct {
		host     string
		port     int
		secure   bool
		path     string
		params   url.Values
		want     string
		err      bool
		wantPort int
	}{
		{host: "localhost", want: "ws://localhost:80/", wantPort: 80},
		{host: "localhost", secure: true, want: "wss://localhost:443/", wantPort: 443},
		{host: "example.com", port: 9000, path: "/a b/c", params: url.Values{"b": {"2"}, "a": {"1 x"}}, want: "ws://example.com:9000/a%20b/c?a=1+x&b=2", wantPort: 9000},
		{host: "::1", port: 8080, path: "ws", want: "ws://[::1]:8080/ws", wantPort: 8080},
		{host: "", err: true},
		{host: "h", port: 65536, err: true},
		{host: "h", port: -1, err: true},
	}
	for _, tc := range tests {
		got, err := CreateURL(tc.host, tc.port, tc.secure, tc.path, tc.params)
		if tc.err {
			assert.Error(t, err, tc.host)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
		u, err := ParseURL(got)
		require.NoError(t, err)
		assert.Equal(t, tc.wantPort, u.Port)
		assert.Equal(t, tc.secure, u.IsSecure)
	}

	s, err := CreateUnixURL("/run/my app.sock", true, "/chat", url.Values{"k": {"v"}})
	require.NoError(t, err)
	assert.Equal(t, "wss+unix:///run/my%20app.sock:/chat?k=v", s)
	u, err := ParseURL(s)
	require.NoError(t, err)
	assert.Equal(t, "/run/my app.sock", u.SocketPath)
	assert.Equal(t, "/chat?k=v", u.Resource)
	_, err = CreateUnixURL("", false, "", nil)
	assert.Error(t, err)
}

// FuzzParseURL checks that ParseURL never panics, that what it accepts is
// usable (a resource for the request line, a port or a socket) and that
// String renders a URL that parses back to the same values.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"ws://localhost", "wss://h:1/p?q=1", "ws://[::1]:9/x", "ws://unix:/tmp/s",
		"ws+unix:///tmp/s:/r?x", "wss+unix:a%3Ab:/", "ws://h/#", "ws://h:65535", "ws://user:pw@h/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURL(s)
		if err != nil {
			return
		}
		if u.Resource == "" || u.Resource[0] != '/' {
			t.Fatalf("%q: resource %q", s, u.Resource)
		}
		if u.SocketPath == "" && (u.Port < 1 || u.Port > 65535 || u.Host == "") {
			t.Fatalf("%q: host %q port %d", s, u.Host, u.Port)
		}
		again, err := ParseURL(u.String())
		if err != nil {
			t.Fatalf("%q rendered as %q: %v", s, u.String(), err)
		}
		if again.String() != u.String() || again.SocketPath != u.SocketPath || again.Port != u.Port || again.Resource != u.Resource || again.IsSecure != u.IsSecure {
			t.Fatalf("%q: %+v rendered as %q parses to %+v", s, u, u.String(), again)
		}
	})
}
