package ws

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Origin policy (Autobahn's allowedOrigins / allowNullOrigin).
//
// An Origin header is normalised as Autobahn does before it is matched:
// "null" and file:// origins (Chrome sends file://, Firefox null for local
// pages) count as the null origin; any other origin becomes the triple
// scheme, host and port, with scheme and host lower-cased and the port
// filled in for http (80) and https (443) when the header has none. A
// pattern is normalised the same way, so "https://example.com",
// "HTTPS://Example.com:443" and "https://example.com:443/" are one rule.
//
// A pattern is "*" (any origin but null) or scheme://host[:port], where
// '*' in scheme or host matches any run of characters ("https://*.example.com",
// "*://localhost") and a port is a number or "*" (any port). A pattern
// without a port matches the scheme's default port (the origin's own, when
// the scheme is a wildcard), except that a host pattern ending in '*'
// matches any port, as the same pattern does in Autobahn (its '*' runs on
// over ":port"). Anything else is a malformed pattern, reported by
// Options.Validate (and so by NewServer's Serve, ServeHTTP, Accept).

// originPattern is one normalised AllowedOrigins entry.
type originPattern struct {
	any    bool   // "*": every origin but null
	scheme string // lower-cased, may hold '*'
	host   string // lower-cased, may hold '*'
	port   string // decimal, "*" (any) or "" (the scheme's default)
}

// origin is a normalised Origin header value.
type origin struct {
	null   bool
	scheme string
	host   string
	port   string // explicit or default port, "" when the scheme has none
}

// defaultPort is the port an origin of scheme has when it names none
// (Autobahn fills in http and https only).
func defaultPort(scheme string) string {
	switch scheme {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// validPort reports whether p is a decimal TCP port (1-65535) and returns
// it without leading zeros.
func validPort(p string) (string, bool) {
	if p == "" || len(p) > 5 || strings.Trim(p, "0123456789") != "" {
		return "", false
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return "", false
	}
	return strconv.Itoa(n), true
}

// parseOrigin normalises an Origin header value (see the origin policy
// above). It fails when the value has no scheme://host form.
func parseOrigin(s string) (origin, error) {
	if strings.EqualFold(s, "null") {
		return origin{null: true}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return origin{}, fmt.Errorf("ws: malformed origin %q: %w", s, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "file" {
		return origin{null: true}, nil
	}
	host := strings.ToLower(u.Hostname())
	if scheme == "" || host == "" || u.Opaque != "" || u.User != nil {
		return origin{}, fmt.Errorf("ws: malformed origin %q: want scheme://host[:port]", s)
	}
	if strings.Contains(host, ":") {
		if !strings.HasPrefix(u.Host, "[") {
			return origin{}, fmt.Errorf("ws: malformed origin %q: an IPv6 host needs brackets", s)
		}
		host = "[" + host + "]"
	}
	port := defaultPort(scheme)
	if p := u.Port(); p != "" {
		var ok bool
		if port, ok = validPort(p); !ok {
			return origin{}, fmt.Errorf("ws: malformed origin %q: bad port %q", s, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return origin{}, fmt.Errorf("ws: malformed origin %q: empty port", s)
	}
	return origin{scheme: scheme, host: host, port: port}, nil
}

// errOriginPattern is wrapped by every malformed-pattern error.
var errOriginPattern = errors.New(`want "*" or scheme://host[:port], e.g. https://*.example.com`)

// parseOriginPattern normalises one AllowedOrigins entry.
func parseOriginPattern(p string) (originPattern, error) {
	bad := func(why string) (originPattern, error) {
		return originPattern{}, fmt.Errorf("origin pattern %q: %s: %w", p, why, errOriginPattern)
	}
	s := strings.ToLower(strings.TrimSpace(p))
	if s != "" && strings.Trim(s, "*") == "" {
		return originPattern{any: true}, nil
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return bad("no scheme")
	}
	if scheme == "" {
		return bad("empty scheme")
	}
	for i := 0; i < len(scheme); i++ {
		b := scheme[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '-' || b == '.' || b == '*') {
			return bad("bad character in scheme")
		}
	}
	rest = strings.TrimSuffix(rest, "/") // origins have no path; allow the habit
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return bad("unclosed '[' in host")
		}
		host, rest = rest[:end+1], rest[end+1:]
		for i := 1; i < len(host)-1; i++ {
			b := host[i]
			if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b == ':' || b == '.' || b == '*') {
				return bad("bad character in IPv6 host")
			}
		}
		switch {
		case rest == "":
		case strings.HasPrefix(rest, ":"):
			port = rest[1:]
			if port == "" {
				return bad("empty port")
			}
		default:
			return bad("junk after ']'")
		}
	} else {
		if i := strings.LastIndexByte(rest, ':'); i >= 0 {
			host, port = rest[:i], rest[i+1:]
			if port == "" {
				return bad("empty port")
			}
		}
		for i := 0; i < len(host); i++ {
			b := host[i]
			if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '.' || b == '_' || b == '*') {
				return bad("bad character in host")
			}
		}
	}
	if host == "" || host == "[]" {
		return bad("empty host")
	}
	if port != "" && port != "*" {
		var ok bool
		if port, ok = validPort(port); !ok {
			return bad("port is not a number from 1 to 65535 or *")
		}
	}
	if port == "" {
		port = defaultPort(scheme)
		if strings.HasSuffix(host, "*") || strings.HasSuffix(host, "*]") {
			port = "*"
		}
	}
	return originPattern{scheme: scheme, host: host, port: port}, nil
}

// parseOriginPatterns normalises AllowedOrigins; the error names every
// malformed entry.
func parseOriginPatterns(patterns []string) ([]originPattern, error) {
	out := make([]originPattern, 0, len(patterns))
	var errs []error
	for _, p := range patterns {
		op, err := parseOriginPattern(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, op)
	}
	return out, errors.Join(errs...)
}

// matches reports whether the (non-null) origin o matches the pattern.
func (p originPattern) matches(o origin) bool {
	if p.any {
		return true
	}
	if !matchWildcard(p.scheme, o.scheme) || !matchWildcard(p.host, o.host) {
		return false
	}
	switch p.port {
	case "*":
		return true
	case "":
		// A wildcard scheme without a port: the origin's default port.
		return o.port == defaultPort(o.scheme)
	}
	return p.port == o.port
}

// originAllowed applies the server's Origin policy: a request without
// Origin (not a browser) is allowed; the null origin ("null", file://) only
// with allowNull; any other origin must match one of patterns. An empty
// pattern list allows no browser origin. A malformed Origin header is an
// error (the handshake is refused with 400, as Autobahn does).
func originAllowed(value string, present bool, patterns []originPattern, allowNull bool) (bool, error) {
	if !present {
		return true, nil
	}
	o, err := parseOrigin(value)
	if err != nil {
		return false, err
	}
	if o.null {
		return allowNull, nil
	}
	for _, p := range patterns {
		if p.matches(o) {
			return true, nil
		}
	}
	return false, nil
}

// matchWildcard reports whether s matches pattern, where '*' matches any
// run of bytes (including none) and every other byte matches itself. The
// literal runs between stars are matched leftmost-first, which is exact
// for a pattern whose only metacharacter is '*': the text before the first
// star must be a prefix of s, the text after the last star a suffix, and
// each run in between is found with strings.Index after the previous one.
// That costs O(len(pattern)+len(s)) in practice (strings.Index falls back
// to Rabin-Karp on adversarial input), where backtracking would cost
// O(len(pattern)*len(s)).
func matchWildcard(pattern, s string) bool {
	first := strings.IndexByte(pattern, '*')
	if first < 0 {
		return pattern == s
	}
	last := strings.LastIndexByte(pattern, '*')
	prefix, suffix := pattern[:first], pattern[last+1:]
	if len(s) < len(prefix)+len(suffix) || !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, suffix) {
		return false
	}
	s = s[len(prefix) : len(s)-len(suffix)]
	middle := pattern[first+1 : max(first+1, last)]
	for middle != "" {
		var run string
		run, middle, _ = strings.Cut(middle, "*")
		if run == "" {
			continue
		}
		i := strings.Index(s, run)
		if i < 0 {
			return false
		}
		s = s[i+len(run):]
	}
	return true
}
