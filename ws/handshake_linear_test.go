package ws

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The handshake checks stay linear in the request size (issue 8, item 4).
// Time is measured by BenchmarkHandshakeShapes; these tests check the
// results on the large shapes, compare the linear algorithms with simple
// reference ones, and count allocations (a count, not a time).

func TestFirstDuplicate(t *testing.T) {
	toks := shortTokens(16000)
	tests := []struct {
		name string
		list []string
		dup  string
		ok   bool
	}{
		{"empty", nil, "", false},
		{"one", []string{"a"}, "", false},
		{"short distinct", []string{"a", "b", "c"}, "", false},
		{"short dup", []string{"a", "b", "a"}, "a", true},
		{"case matters", []string{"chat", "Chat"}, "", false},
		{"16000 distinct", toks, "", false},
		{"16000 dup of the first at the end", append(append([]string{}, toks...), toks[0]), toks[0], true},
		{"16000 dup of the last at the end", append(append([]string{}, toks...), toks[len(toks)-1]), toks[len(toks)-1], true},
		{"first of two dups", append(append([]string{"dup-x", "dup-y"}, toks[:100]...), "dup-y", "dup-x"), "dup-y", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dup, ok := firstDuplicate(tt.list)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.dup, dup)
		})
	}
}

// TestCheckRequestLongSubprotocolList: 16,000 distinct subprotocols are
// accepted in full; a duplicate at the very end is found and named.
func TestCheckRequestLongSubprotocolList(t *testing.T) {
	toks := shortTokens(16000)
	list := strings.Join(toks, ",")
	tests := []struct {
		name   string
		value  string
		status int
		reason string
	}{
		{name: "distinct", value: list},
		{name: "duplicate at the end", value: list + "," + toks[0], status: 400, reason: `duplicate subprotocol "a"`},
		{name: "duplicate of the last", value: list + ", " + toks[len(toks)-1], status: 400, reason: fmt.Sprintf("duplicate subprotocol %q", toks[len(toks)-1])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := shapeRequest([]string{"Sec-WebSocket-Protocol: " + tt.value})
			require.Less(t, len(raw), 64<<10, "the request fits the default header limit")
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
			require.NoError(t, err)
			hello, rj := checkRequest(r, DefaultOptions())
			if tt.status != 0 {
				require.NotNil(t, rj)
				assert.Equal(t, tt.status, rj.status)
				assert.Contains(t, rj.reason, tt.reason)
				return
			}
			require.Nil(t, rj)
			assert.Equal(t, toks, hello.protocols)
		})
	}
}

// selectProtocolRef is the plain nested loop selectProtocol replaces.
func selectProtocolRef(ours, offered []string) string {
	for _, p := range ours {
		for _, q := range offered {
			if p == q {
				return p
			}
		}
	}
	return ""
}

func TestSelectProtocolMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := shortTokens(3000)
	pick := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = pool[rng.IntN(len(pool))]
		}
		return out
	}
	for _, sizes := range [][2]int{{0, 0}, {1, 1}, {3, 20}, {5, 17}, {64, 16000}, {200, 50}, {2, 3000}, {50, 3000}} {
		for range 20 {
			ours, offered := pick(sizes[0]), pick(sizes[1])
			assert.Equal(t, selectProtocolRef(ours, offered), selectProtocol(ours, offered), "%d ours, %d offered", sizes[0], sizes[1])
		}
	}
	// chooseProtocol, with the set checkRequest builds for a list without
	// duplicates, agrees too.
	for _, sizes := range [][2]int{{0, 0}, {3, 10}, {10, 17}, {64, 2000}, {1, 3000}} {
		for range 20 {
			ours := pick(sizes[0])
			offered := append([]string{}, pool...)
			rng.Shuffle(len(offered), func(i, j int) { offered[i], offered[j] = offered[j], offered[i] })
			offered = offered[:sizes[1]]
			set, _, dup := indexTokens(offered)
			require.False(t, dup)
			hello := &clientHello{protocols: offered, protoSet: set}
			assert.Equal(t, selectProtocolRef(ours, offered), hello.chooseProtocol(ours), "%d ours, %d offered", sizes[0], sizes[1])
		}
	}
	// The first of ours wins, wherever the client lists it.
	offered := append(append([]string{}, pool...), "late")
	ours := []string{"nope1", "nope2", "nope3", "nope4", "nope5", "late", pool[0]}
	assert.Equal(t, "late", selectProtocol(ours, offered))
}

func TestHeaderHasTokenLongListNoAllocs(t *testing.T) {
	h := http.Header{}
	h.Set("Connection", strings.Repeat("keep-alive, ", 5000)+"Upgrade")
	h.Add("Connection", "close")
	assert.True(t, headerHasToken(h, "Connection", "upgrade"))
	assert.True(t, headerHasToken(h, "Connection", "CLOSE"))
	assert.False(t, headerHasToken(h, "Connection", "upgrade2"))
	assert.Zero(t, testing.AllocsPerRun(10, func() { headerHasToken(h, "Connection", "missing") }))
}

// matchWildcardRef is the backtracking matcher matchWildcard replaces
// (O(len(pattern)*len(s))), kept as the reference.
func matchWildcardRef(pattern, s string) bool {
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

func TestMatchWildcardMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gen := func(n int, alphabet string) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 20000 {
		pattern := gen(rng.IntN(8), "ab*")
		s := gen(rng.IntN(12), "ab")
		require.Equal(t, matchWildcardRef(pattern, s), matchWildcard(pattern, s), "%q ~ %q", pattern, s)
	}
}

func FuzzMatchWildcardReference(f *testing.F) {
	f.Add("https://*.example.com", "https://a.example.com")
	f.Add("*a*b*", "xxaxxbxx")
	f.Add("a*a", "a")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 256 {
			return // the reference is quadratic
		}
		if got, want := matchWildcard(pattern, s), matchWildcardRef(pattern, s); got != want {
			t.Fatalf("matchWildcard(%q, %q) = %v, reference %v", pattern, s, got, want)
		}
	})
}

// forwardedPeerRef is the split-everything version forwardedPeer replaces.
func forwardedPeerRef(socketPeer string, xff []string, hops int) string {
	if hops <= 0 || len(xff) == 0 {
		return socketPeer
	}
	var addrs []string
	for _, v := range xff {
		for _, a := range strings.Split(v, ",") {
			addrs = append(addrs, strings.TrimSpace(a))
		}
	}
	i := max(len(addrs)-hops, 0)
	if addrs[i] == "" {
		return socketPeer
	}
	return addrs[i]
}

func TestForwardedPeerMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	elems := []string{"1.1.1.1", " 2.2.2.2", "3.3.3.3 ", "", " ", "::1", "a,b"}
	for range 5000 {
		var xff []string
		for range rng.IntN(4) {
			var parts []string
			for range rng.IntN(4) {
				parts = append(parts, elems[rng.IntN(len(elems))])
			}
			xff = append(xff, strings.Join(parts, ","))
		}
		hops := rng.IntN(8)
		require.Equal(t, forwardedPeerRef("sock", xff, hops), forwardedPeer("sock", xff, hops), "%q hops %d", xff, hops)
	}
	long := strings.Repeat("10.0.0.1, ", 5000) + "9.9.9.9, 8.8.8.8"
	assert.Equal(t, "9.9.9.9", forwardedPeer("sock", []string{long}, 2))
	assert.Zero(t, testing.AllocsPerRun(10, func() { forwardedPeer("sock", []string{long}, 3) }))
}

// TestParseExtensionsSharedParams: the offers share one parameter array,
// capped per offer, so appending to one offer's Params leaves the next
// one alone.
func TestParseExtensionsSharedParams(t *testing.T) {
	exts, err := parseExtensions([]string{`a; x=1; y, b, c; z="q"`, `d; w`})
	require.NoError(t, err)
	require.Len(t, exts, 4)
	assert.Equal(t, []ExtensionParam{{Name: "x", Value: "1", HasValue: true}, {Name: "y"}}, exts[0].Params)
	assert.Nil(t, exts[1].Params)
	assert.Equal(t, []ExtensionParam{{Name: "z", Value: "q", HasValue: true}}, exts[2].Params)
	assert.Equal(t, []ExtensionParam{{Name: "w"}}, exts[3].Params)
	exts[0].Params = append(exts[0].Params, ExtensionParam{Name: "added"})
	assert.Equal(t, []ExtensionParam{{Name: "z", Value: "q", HasValue: true}}, exts[2].Params)

	// Escaped quoted values still work (the slow path).
	exts, err = parseExtensions([]string{`e; v="a\bc"`})
	require.NoError(t, err)
	assert.Equal(t, "abc", exts[0].Params[0].Value)
}

// TestHandshakeShapesAllocs: the largest shapes cost a bounded number of
// allocations, not some per token, offer or parameter.
func TestHandshakeShapesAllocs(t *testing.T) {
	// The duplicate check's set of 16,000 tokens costs about one
	// allocation per 1,000 tokens (map tables); the rest is constant.
	limits := map[string]float64{
		"subprotocols-": 200, "deflate-": 60, "other-extensions-": 60, "extension-params-": 60,
		"origin-": 20, "connection-tokens-": 20, "x-forwarded-for-": 20, "headers-": 20, "subprotocol-lines-": 40,
	}
	for _, s := range handshakeShapes() {
		if s.name == "baseline" {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(shapeRequest(s.lines))))
			require.NoError(t, err)
			r.RemoteAddr = "127.0.0.1:1234"
			o := shapeOptions(s)
			require.Equal(t, s.status, serverHandshakeWork(r, o))
			limit := 0.0
			for prefix, l := range limits {
				if strings.HasPrefix(s.name, prefix) {
					limit = l
				}
			}
			require.NotZero(t, limit, "no allocation limit for shape %s", s.name)
			allocs := testing.AllocsPerRun(3, func() { serverHandshakeWork(r, o) })
			t.Logf("%s: %.0f allocations", s.name, allocs)
			if raceEnabled {
				limit *= 1.5 // sync.Pool drops items at random under the race detector
			}
			assert.LessOrEqual(t, allocs, limit)
		})
	}
}
