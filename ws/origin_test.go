package ws

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
	}{
		{"no origin header: non-browser", "", false, nil, false, true},
		{"default star", "https://a.example", true, []string{"*"}, true, true},
		{"wildcard subdomain", "https://app.example.com", true, []string{"https://*.example.com"}, false, true},
		{"wildcard other domain", "https://app.evil.com", true, []string{"https://*.example.com"}, false, false},
		{"case-insensitive", "HTTPS://App.Example.COM", true, []string{"https://*.example.com"}, false, true},
		{"second pattern", "http://localhost:3000", true, []string{"https://x", "http://localhost:*"}, false, true},
		{"empty list denies", "https://a.example", true, nil, true, false},
		{"null allowed", "null", true, nil, true, true},
		{"null denied even with star", "null", true, []string{"*"}, false, false},
		{"empty origin value vs star", "", true, []string{"*"}, false, true},
		{"empty origin value vs exact", "", true, []string{"https://x"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, originAllowed(tt.origin, tt.present, tt.patterns, tt.allowNull))
		})
	}
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
