package ws

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// Helpers shared by both roles of the opening handshake (RFC 6455 4).

// websocketGUID is the fixed GUID of RFC 6455 1.3 appended to the client's
// key before hashing.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// protocolVersion is the only WebSocket version this package speaks.
const protocolVersion = 13

// ErrBadHandshake is wrapped by every error of a failed opening handshake,
// on either side, so callers can test errors.Is(err, ws.ErrBadHandshake).
var ErrBadHandshake = errors.New("ws: bad opening handshake")

// HandshakeError is the error of an opening handshake refused with an HTTP
// status: on a client, the status and (the start of) the body the server
// answered instead of 101; on a server (Accept), the status and reason it
// sent to the client. It wraps ErrBadHandshake.
type HandshakeError struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the response headers (client side; nil on a server).
	Header http.Header
	// Body is the response body, truncated to a few KiB.
	Body string
}

// Error implements error.
func (e *HandshakeError) Error() string {
	body := strings.TrimSpace(e.Body)
	if len(body) > 200 {
		body = body[:200] + "..."
	}
	if body == "" {
		return fmt.Sprintf("ws: opening handshake refused: HTTP %d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("ws: opening handshake refused: HTTP %d %s: %s", e.Status, http.StatusText(e.Status), body)
}

// Unwrap lets errors.Is(err, ErrBadHandshake) match.
func (e *HandshakeError) Unwrap() error { return ErrBadHandshake }

// computeAcceptKey returns the Sec-WebSocket-Accept value for a client key:
// base64(SHA-1(key + GUID)).
func computeAcceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte(websocketGUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// generateKey returns a fresh Sec-WebSocket-Key: 16 random bytes, base64.
func generateKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("ws: generating Sec-WebSocket-Key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// validKey reports whether key is a Sec-WebSocket-Key: base64 (with
// padding) of exactly 16 bytes.
func validKey(key string) bool {
	if len(key) != 24 {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(key)
	return err == nil && len(b) == 16
}

// headerHasToken reports whether any value of header name holds token in
// its comma-separated list, compared case-insensitively ("Connection:
// keep-alive, Upgrade" has "upgrade"). It makes one pass over the values
// and allocates nothing.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(trimOWS(t), token) {
				return true
			}
		}
	}
	return false
}

// trimOWS strips the optional white space (spaces and tabs) of RFC 7230
// around a list element; strings.Trim would build its cutset every call.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// parseTokenList parses comma-separated lists of tokens spread over header
// values (Sec-WebSocket-Protocol). Empty list elements are skipped, as the
// #rule of RFC 7230 allows; anything that is not a token is an error. The
// tokens are substrings of values; the work is linear in their length.
func parseTokenList(values []string) ([]string, error) {
	n := 0
	for _, v := range values {
		n += strings.Count(v, ",") + 1
	}
	var out []string
	for _, v := range values {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			t = trimOWS(t)
			if t == "" {
				continue
			}
			if !isToken(t) {
				return nil, fmt.Errorf("ws: %s is not a token", quoteClip(t))
			}
			if out == nil {
				out = make([]string, 0, n)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// firstDuplicate returns the first token of list that repeats an earlier
// one ("" and false when all differ), in time linear in the list.
func firstDuplicate(list []string) (string, bool) {
	_, dup, found := indexTokens(list)
	return dup, found
}

// indexTokens reports the first token of list that repeats an earlier one
// and, for a list long enough to need it (more than 16), returns the
// tokenSet of the list (nil otherwise; a nested loop is as fast there).
// The set then answers "did the client offer x" in O(1).
func indexTokens(list []string) (set *tokenSet, dup string, found bool) {
	if len(list) <= 16 {
		for i, p := range list {
			for _, q := range list[:i] {
				if p == q {
					return nil, p, true
				}
			}
		}
		return nil, "", false
	}
	set = newTokenSet(list)
	for i := range list {
		if set.insert(i) >= 0 {
			return set, list[i], true
		}
	}
	return set, "", false
}

// tokenSet is a set of the strings of a list, held as list indexes in an
// open-addressing table at most half full, hashed with a fresh random seed
// (so a client cannot pick colliding tokens). For the long lists of a
// hostile handshake it is several times smaller and faster than a
// map[string]struct{}: one allocation of 4 bytes per slot.
type tokenSet struct {
	seed  maphash.Seed
	list  []string
	slots []uint32 // list index + 1; 0 is empty
	mask  uint64
}

// newTokenSet returns an empty set with room for every string of list.
func newTokenSet(list []string) *tokenSet {
	n := 8
	for n < 2*len(list) {
		n <<= 1
	}
	return &tokenSet{seed: maphash.MakeSeed(), list: list, slots: make([]uint32, n), mask: uint64(n - 1)}
}

// insert adds list[i] and returns -1, or the index of an equal string
// already in the set (which is then left as it is).
func (s *tokenSet) insert(i int) int {
	x := s.list[i]
	for p := maphash.String(s.seed, x) & s.mask; ; p = (p + 1) & s.mask {
		v := s.slots[p]
		if v == 0 {
			s.slots[p] = uint32(i + 1)
			return -1
		}
		if s.list[v-1] == x {
			return int(v - 1)
		}
	}
}

// index returns the index in list of a string equal to x in the set, or
// -1.
func (s *tokenSet) index(x string) int {
	for p := maphash.String(s.seed, x) & s.mask; ; p = (p + 1) & s.mask {
		v := s.slots[p]
		if v == 0 {
			return -1
		}
		if s.list[v-1] == x {
			return int(v - 1)
		}
	}
}

// isToken reports whether s is a non-empty RFC 7230 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// quoteClip quotes s for an error message or a refusal's reason, clipped
// to its first 64 bytes: a header may be 64 KiB long, and a refusal need
// not echo all of it.
func quoteClip(s string) string {
	const max = 64
	if len(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:max]) + fmt.Sprintf("... (%d bytes)", len(s))
}

// validHeaderValue reports whether v can be written as a header value
// without breaking the message framing (no CR, LF or NUL).
func validHeaderValue(v string) bool {
	return strings.IndexAny(v, "\r\n\x00") < 0
}

// testHookStartConn, when set (tests only), sees each connConfig before
// the handshake hands it to the engine; on a server, before the 101 is
// written, so a test that has read the 101 knows its hook ran.
var testHookStartConn atomic.Pointer[func(*connConfig)]

// runTestHook calls testHookStartConn, if set.
func runTestHook(cfg *connConfig) {
	if h := testHookStartConn.Load(); h != nil {
		(*h)(cfg)
	}
}

// startConn hands a finished opening handshake to the engine.
func startConn(cfg connConfig) *Conn {
	if cfg.opts != nil && cfg.opts.EventLoop {
		if c := startEventConn(cfg); c != nil {
			return c
		}
	}
	c := newConn(cfg)
	c.start()
	return c
}
