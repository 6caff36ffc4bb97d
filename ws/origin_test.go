package ws

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatchWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"", "", true},
		{"", "x", false},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"abc", "ab", false},
		{"a*c", "ac", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"https://*.example.com", "https://www.example.com", true},
		{"https://*.example.com", "https://a.b.example.com", true},
		{"https://*.example.com", "https://example.com", false},
		{"https://*.example.com", "http://www.example.com", false},
		{"https://*.example.com", "https://www.example.com.evil.org", false},
		{"*://localhost:*", "http://localhost:8080", true},
		{"*://localhost:*", "http://localhost", false},
		{"**a", "aaa", true},
		{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"*a*b", "xxaxxbxxab", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, matchWildcard(tt.pattern, tt.s), "%q ~ %q", tt.pattern, tt.s)
	}
}

func TestOriginAllowed(t *testing.T) {
	tests := []struct {
		name      string
		origin    string
		present   bool
		patterns  []string
		allowNull bool
		want      bool
		malformed bool
	}{
		{name: "no origin header: non-browser", present: false, want: true},
		{name: "default star", origin: "https://a.example", present: true, patterns: []string{"*"}, allowNull: true, want: true},
		{name: "wildcard subdomain", origin: "https://app.example.com", present: true, patterns: []string{"https://*.example.com"}, want: true},
		{name: "wildcard subdomain, explicit default port", origin: "https://app.example.com:443", present: true, patterns: []string{"https://*.example.com"}, want: true},
		{name: "wildcard subdomain, other port", origin: "https://app.example.com:8443", present: true, patterns: []string{"https://*.example.com"}, want: false},
		{name: "wildcard subdomain, not the apex", origin: "https://example.com", present: true, patterns: []string{"https://*.example.com"}, want: false},
		{name: "wildcard other domain", origin: "https://app.evil.com", present: true, patterns: []string{"https://*.example.com"}, want: false},
		{name: "suffix attack", origin: "https://app.example.com.evil.org", present: true, patterns: []string{"https://*.example.com"}, want: false},
		{name: "scheme must match", origin: "http://app.example.com", present: true, patterns: []string{"https://*.example.com"}, want: false},
		{name: "case-insensitive", origin: "HTTPS://App.Example.COM", present: true, patterns: []string{"https://*.example.com"}, want: true},
		{name: "pattern case-insensitive", origin: "https://app.example.com", present: true, patterns: []string{"HTTPS://*.Example.COM"}, want: true},
		{name: "exact, default port both ways", origin: "https://example.com", present: true, patterns: []string{"https://example.com:443"}, want: true},
		{name: "exact, explicit default port in origin", origin: "https://example.com:443", present: true, patterns: []string{"https://example.com"}, want: true},
		{name: "exact, trailing slash in pattern", origin: "https://example.com", present: true, patterns: []string{"https://example.com/"}, want: true},
		{name: "http default port", origin: "http://example.com:80", present: true, patterns: []string{"http://example.com"}, want: true},
		{name: "http explicit port must match", origin: "http://example.com:8080", present: true, patterns: []string{"http://example.com"}, want: false},
		{name: "explicit port", origin: "http://localhost:3000", present: true, patterns: []string{"http://localhost:3000"}, want: true},
		{name: "leading zeros in port", origin: "http://localhost:03000", present: true, patterns: []string{"http://localhost:3000"}, want: true},
		{name: "second pattern, any port", origin: "http://localhost:3000", present: true, patterns: []string{"https://x", "http://localhost:*"}, want: true},
		{name: "any port includes the default", origin: "http://localhost", present: true, patterns: []string{"http://localhost:*"}, want: true},
		{name: "trailing star host takes any port (Autobahn)", origin: "http://localhost:3000", present: true, patterns: []string{"http://local*"}, want: true},
		{name: "https://* any https origin", origin: "https://a.b:8443", present: true, patterns: []string{"https://*"}, want: true},
		{name: "wildcard scheme, default port of each", origin: "http://localhost", present: true, patterns: []string{"*://localhost"}, want: true},
		{name: "wildcard scheme, https default", origin: "https://localhost:443", present: true, patterns: []string{"*://localhost"}, want: true},
		{name: "wildcard scheme, wrong port", origin: "https://localhost:80", present: true, patterns: []string{"*://localhost"}, want: false},
		{name: "other scheme without port", origin: "chrome-extension://abcdef", present: true, patterns: []string{"chrome-extension://abcdef"}, want: true},
		{name: "other scheme with port", origin: "chrome-extension://abcdef:1", present: true, patterns: []string{"chrome-extension://abcdef"}, want: false},
		{name: "ipv6", origin: "http://[::1]:8080", present: true, patterns: []string{"http://[::1]:8080"}, want: true},
		{name: "ipv6 default port", origin: "https://[::1]", present: true, patterns: []string{"https://[::1]:443"}, want: true},
		{name: "empty list denies", origin: "https://a.example", present: true, allowNull: true, want: false},
		{name: "null allowed", origin: "null", present: true, allowNull: true, want: true},
		{name: "NULL allowed", origin: "NULL", present: true, allowNull: true, want: true},
		{name: "null denied even with star", origin: "null", present: true, patterns: []string{"*"}, want: false},
		{name: "file origin is null: denied", origin: "file://", present: true, patterns: []string{"*"}, want: false},
		{name: "file origin is null: allowed", origin: "file:///home/x/index.html", present: true, allowNull: true, want: true},
		{name: "empty origin value is malformed", origin: "", present: true, patterns: []string{"*"}, malformed: true},
		{name: "no scheme is malformed", origin: "example.com", present: true, patterns: []string{"*"}, malformed: true},
		{name: "bad port is malformed", origin: "http://example.com:99999", present: true, patterns: []string{"*"}, malformed: true},
		{name: "empty port is malformed", origin: "http://example.com:", present: true, patterns: []string{"*"}, malformed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patterns, err := parseOriginPatterns(tt.patterns)
			require.NoError(t, err)
			got, err := originAllowed(tt.origin, tt.present, patterns, tt.allowNull)
			if tt.malformed {
				require.Error(t, err)
				assert.False(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestOriginPatternMalformed(t *testing.T) {
	for _, p := range []string{
		"", "example.com", "*.example.com", "https//example.com", "://example.com",
		"https://", "https:///", "https://example.com:", "https://example.com:0",
		"https://example.com:65536", "https://example.com:8x", "https://example.com/path",
		"https://user@example.com", "ht tp://example.com", "https://exa mple.com",
		"https://[::1", "https://[::1]x", "https://[]", "https://[zz]",
	} {
		t.Run(p, func(t *testing.T) {
			_, err := parseOriginPattern(p)
			require.Error(t, err)
			assert.ErrorIs(t, err, errOriginPattern)
			assert.Contains(t, err.Error(), strconv.Quote(p))
		})
	}
	for _, p := range []string{"*", "**", " * ", "https://example.com", "https://*.example.com:*", "*://*", "http://[::1]", "http://[::1]:*"} {
		_, err := parseOriginPattern(p)
		assert.NoError(t, err, p)
	}
}

func TestOptionsValidateOrigins(t *testing.T) {
	o := DefaultOptions()
	o.AllowedOrigins = []string{"https://ok.example", "*.example.com", "https://x:0"}
	err := o.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"*.example.com"`)
	assert.Contains(t, err.Error(), `"https://x:0"`)
	assert.NotContains(t, err.Error(), `"https://ok.example"`)
	o.AllowedOrigins = []string{"https://ok.example"}
	assert.NoError(t, o.Validate())
}

// FuzzOriginNormalise checks that an origin parsed into scheme://host:port
// and written back parses to the same triple, that the written form used
// as a pattern matches the origin itself, and that nothing panics.
func FuzzOriginNormalise(f *testing.F) {
	for _, s := range []string{"https://example.com", "http://a.b:8080", "HTTPS://X.Y:443", "null", "file:///x", "http://[::1]:1", "x://y", "", "http://a:"} {
		f.Add(s, "https://*.example.com")
	}
	f.Fuzz(func(t *testing.T, s, pattern string) {
		if p, err := parseOriginPattern(pattern); err == nil {
			if o, err := parseOrigin(s); err == nil && !o.null {
				_ = p.matches(o)
			}
		}
		o, err := parseOrigin(s)
		if err != nil || o.null {
			return
		}
		if o.scheme != strings.ToLower(o.scheme) || o.host != strings.ToLower(o.host) {
			t.Fatalf("parseOrigin(%q) = %+v: not lower-cased", s, o)
		}
		form := o.scheme + "://" + o.host
		if o.port != "" {
			form += ":" + o.port
		}
		o2, err := parseOrigin(form)
		if err != nil || o2 != o {
			t.Fatalf("parseOrigin(%q) = %+v, but its form %q gives %+v, %v", s, o, form, o2, err)
		}
		if strings.ContainsAny(form, "*") {
			return
		}
		p, err := parseOriginPattern(form)
		if err != nil {
			return // hosts a pattern does not take (e.g. percent-escapes)
		}
		if !p.matches(o) {
			t.Fatalf("pattern %q does not match its own origin %q", form, s)
		}
	})
}

func FuzzMatchWildcard(f *testing.F) {
	f.Add("a*b*c", "axxbyyc")
	f.Add("*", "")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		got := matchWildcard(pattern, s)
		// A pattern without '*' matches exactly itself.
		if !containsStar(pattern) && got != (pattern == s) {
			t.Fatalf("matchWildcard(%q, %q) = %v", pattern, s, got)
		}
		// Every string matches itself as a pattern when it has no '*'.
		if !containsStar(s) && !matchWildcard(s, s) {
			t.Fatalf("matchWildcard(%q, itself) = false", s)
		}
		// Prefixing and suffixing with '*' only widens the match.
		if got && !matchWildcard("*"+pattern+"*", s) {
			t.Fatalf("widened pattern of %q does not match %q", pattern, s)
		}
	})
}

func containsStar(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '*' {
			return true
		}
	}
	return false
}
