package ws

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
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
// keep-alive, Upgrade" has "upgrade").
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.Trim(t, " \t"), token) {
				return true
			}
		}
	}
	return false
}

// parseTokenList parses comma-separated lists of tokens spread over header
// values (Sec-WebSocket-Protocol). Empty list elements are skipped, as the
// #rule of RFC 7230 allows; anything that is not a token is an error.
func parseTokenList(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.Trim(t, " \t")
			if t == "" {
				continue
			}
			if !isToken(t) {
				return nil, fmt.Errorf("ws: %q is not a token", t)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// isToken reports whether s is a non-empty RFC 7230 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
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
	c := newConn(cfg)
	c.start()
	return c
}
