package ws

import "strings"

// originAllowed applies the server's Origin policy (Autobahn's
// allowedOrigins / allowNullOrigin): a request without Origin (not a
// browser) is allowed; "null" is allowed only with allowNull; any other
// origin must match one of patterns, where "*" matches any run of
// characters, compared case-insensitively (origins are case-insensitive
// in scheme and host). An empty pattern list allows no browser origin.
func originAllowed(origin string, present bool, patterns []string, allowNull bool) bool {
	if !present {
		return true
	}
	if origin == "null" {
		return allowNull
	}
	o := strings.ToLower(origin)
	for _, p := range patterns {
		if matchWildcard(strings.ToLower(p), o) {
			return true
		}
	}
	return false
}

// matchWildcard reports whether s matches pattern, where '*' matches any
// run of bytes (including none) and every other byte matches itself. It
// runs in O(len(pattern)*len(s)) at worst, never exponentially.
func matchWildcard(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
