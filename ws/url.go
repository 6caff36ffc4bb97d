package ws

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// URL is a WebSocket URL taken apart (the result of Autobahn's
// parse_url), as ParseURL returns it and Dial uses it.
type URL struct {
	// IsSecure is true for wss:// and wss+unix:// (TLS).
	IsSecure bool
	// Host is the host name or IP address (without brackets), lower-cased.
	// It is "unix" for Autobahn's Unix-socket form ws://unix:/path and
	// "localhost" (the Host header sent) for ws+unix:// URLs.
	Host string
	// Port is the TCP port: the URL's, or the scheme's default (80 for ws,
	// 443 for wss). It is 0 for a Unix socket.
	Port int
	// SocketPath is the Unix-domain socket to connect to; "" for TCP.
	SocketPath string
	// Resource is the HTTP resource of the opening handshake: the path
	// (escaped, "/" when empty) and the query.
	Resource string
	// Path is the path, unescaped ("/" when empty).
	Path string
	// Params are the query parameters (empty, never nil, without a query).
	Params url.Values
}

// Scheme prefixes of the Unix-socket URLs (see ParseURL).
const (
	schemeUnix       = "ws+unix:"
	schemeUnixSecure = "wss+unix:"
)

// ParseURL takes a WebSocket URL apart with the rules of Autobahn's
// parse_url: the scheme must be ws or wss, the host must not be empty, a
// fragment ("#...") is not allowed, the port must be 1 to 65535 and
// defaults to 80 (ws) or 443 (wss). Autobahn's Unix-socket form
// ws://unix:/tmp/file.sock (host unix, no port, a path) is accepted as
// Autobahn reads it: Host "unix", SocketPath the path up to its first ':',
// and the whole path as the resource.
//
// ParseURL also accepts ws+unix:// and wss+unix:// URLs, which name the
// socket and the resource apart (the form Node's ws and others use):
//
//	ws+unix:///run/app.sock              socket /run/app.sock, resource /
//	ws+unix:///run/app.sock:/chat?room=1 socket /run/app.sock, resource /chat?room=1
//	ws+unix:relative.sock:/chat          socket relative.sock (relative path)
//
// The socket path ends at the first ':' (a socket path with a ':' cannot
// be written; escape it as %3A); it may be percent-escaped. The resource,
// when present, starts with '/'. Such URLs have no host (the opening
// handshake sends Host: localhost) and no port.
func ParseURL(rawURL string) (*URL, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("ws: %w", err)
	}
	return u, nil
}

// parseURL is ParseURL with errors left for the caller to prefix.
func parseURL(rawURL string) (*URL, error) {
	lower := strings.ToLower(rawURL)
	if strings.HasPrefix(lower, schemeUnix) || strings.HasPrefix(lower, schemeUnixSecure) {
		return parseUnixURL(rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("invalid WebSocket URL: %w", err)
	}
	out := &URL{}
	switch strings.ToLower(u.Scheme) {
	case "ws":
	case "wss":
		out.IsSecure = true
	default:
		return nil, fmt.Errorf("invalid WebSocket URL %q: scheme %q is not for WebSocket (want ws, wss, ws+unix or wss+unix)", u.Redacted(), u.Scheme)
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("invalid WebSocket URL %q: missing hostname", u.Redacted())
	}
	out.Host = strings.ToLower(u.Hostname())
	if out.Host == "" {
		return nil, fmt.Errorf("invalid WebSocket URL %q: missing hostname", u.Redacted())
	}
	if strings.IndexByte(out.Host, ':') >= 0 && !strings.HasPrefix(u.Host, "[") {
		return nil, fmt.Errorf("invalid WebSocket URL %q: invalid host %q (an IPv6 address goes in brackets)", u.Redacted(), u.Host)
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("invalid WebSocket URL %q: non-empty fragment %q", u.Redacted(), u.Fragment)
	}
	if err := out.setResource(u.EscapedPath(), u.Path, u.RawQuery); err != nil {
		return nil, fmt.Errorf("invalid WebSocket URL %q: %w", u.Redacted(), err)
	}
	if out.Host == "unix" && u.Port() == "" && len(u.Path) > 1 && u.Path[0] == '/' {
		// Autobahn: ws://unix:/tmp/file.sock => /tmp/file.sock
		out.SocketPath, _, _ = strings.Cut(u.Path, ":")
		return out, nil
	}
	switch p := u.Port(); p {
	case "":
		out.Port = 80
		if out.IsSecure {
			out.Port = 443
		}
	default:
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("invalid WebSocket URL %q: invalid port %s", u.Redacted(), p)
		}
		out.Port = n
	}
	return out, nil
}

// parseUnixURL parses a ws+unix: or wss+unix: URL (see ParseURL).
func parseUnixURL(rawURL string) (*URL, error) {
	out := &URL{Host: "localhost"}
	rest := rawURL[len(schemeUnix):]
	if strings.HasPrefix(strings.ToLower(rawURL), schemeUnixSecure) {
		out.IsSecure = true
		rest = rawURL[len(schemeUnixSecure):]
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("invalid WebSocket URL %q: %s", rawURL, fmt.Sprintf(format, a...))
	}
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		if !strings.HasPrefix(rest, "/") {
			return nil, bad("a Unix-socket URL has no host: write ws+unix:///absolute/path or ws+unix:relative/path")
		}
	}
	rest, frag, hasFrag := strings.Cut(rest, "#")
	if hasFrag && frag != "" {
		return nil, bad("non-empty fragment %q", frag)
	}
	rest, query, _ := strings.Cut(rest, "?")
	sock, resource, hasRes := strings.Cut(rest, ":")
	path, err := url.PathUnescape(sock)
	if err != nil {
		return nil, bad("socket path: %v", err)
	}
	if path == "" {
		return nil, bad("missing socket path")
	}
	if strings.IndexByte(path, 0) >= 0 {
		return nil, bad("socket path contains a NUL byte")
	}
	out.SocketPath = path
	if hasRes && !strings.HasPrefix(resource, "/") {
		return nil, bad("the resource after the socket path must start with '/'")
	}
	ru, err := url.Parse(resource)
	if err != nil || ru.Scheme != "" || ru.Host != "" || ru.RawQuery != "" || ru.Fragment != "" {
		return nil, bad("invalid resource %q", resource)
	}
	if err := out.setResource(ru.EscapedPath(), ru.Path, query); err != nil {
		return nil, bad("%v", err)
	}
	return out, nil
}

// setResource fills Resource, Path and Params from an escaped path, its
// unescaped form and a raw query, as Autobahn does ("/" for an empty path).
func (u *URL) setResource(escaped, path, rawQuery string) error {
	if escaped == "" {
		escaped, path = "/", "/"
	}
	u.Resource, u.Path = escaped, path
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	u.Params = params
	if rawQuery != "" {
		u.Resource += "?" + rawQuery
	}
	if strings.IndexFunc(u.Resource, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return errors.New("resource contains spaces or control characters")
	}
	return nil
}

// String renders u as a URL that ParseURL reads back to the same values.
func (u *URL) String() string {
	if u.SocketPath != "" && u.Host != "unix" {
		scheme := schemeUnix
		if u.IsSecure {
			scheme = schemeUnixSecure
		}
		sock := strings.ReplaceAll(url.PathEscape(u.SocketPath), "%2F", "/")
		sock = strings.ReplaceAll(sock, ":", "%3A") // ':' ends the socket path
		if strings.HasPrefix(u.SocketPath, "/") {
			sock = "//" + sock
		}
		return scheme + sock + ":" + u.Resource
	}
	scheme := "ws"
	if u.IsSecure {
		scheme = "wss"
	}
	host := "unix:" // Autobahn's ws://unix:/path
	if u.SocketPath == "" {
		host = net.JoinHostPort(u.Host, strconv.Itoa(u.Port))
	}
	return scheme + "://" + host + u.Resource
}

// CreateURL builds a WebSocket URL from its parts, as Autobahn's
// create_url does: ws:// (wss:// when isSecure), the host and the port
// written out (port 0 means the scheme's default, 80 or 443, which is then
// written explicitly as Autobahn does), path escaped ("/" when empty) and
// params as the query (keys sorted). An IPv6 address is put in brackets.
// It fails on an empty host or a port outside 0 to 65535. For a Unix
// socket, use CreateUnixURL.
func CreateURL(host string, port int, isSecure bool, path string, params url.Values) (string, error) {
	if host == "" {
		return "", errors.New("ws: create URL: empty host")
	}
	if port < 0 || port > 65535 {
		return "", fmt.Errorf("ws: create URL: invalid port %d", port)
	}
	if port == 0 {
		port = 80
		if isSecure {
			port = 443
		}
	}
	u := url.URL{Scheme: "ws", Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: path, RawQuery: params.Encode()}
	if isSecure {
		u.Scheme = "wss"
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path
	}
	return u.String(), nil
}

// CreateUnixURL builds a ws+unix:// (wss+unix:// when isSecure) URL for
// the Unix-domain socket at socketPath with the given resource path and
// query (see ParseURL for the form). It fails on an empty socket path.
func CreateUnixURL(socketPath string, isSecure bool, path string, params url.Values) (string, error) {
	if socketPath == "" {
		return "", errors.New("ws: create URL: empty socket path")
	}
	ru := url.URL{Path: path, RawQuery: params.Encode()}
	if ru.Path == "" || ru.Path[0] != '/' {
		ru.Path = "/" + ru.Path
	}
	u := URL{IsSecure: isSecure, Host: "localhost", SocketPath: socketPath, Resource: ru.RequestURI()}
	return u.String(), nil
}
