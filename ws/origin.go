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
