package ws

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// checkSendableClose checks a close code and reason an application wants
// to send: code one of 1000-1003, 1007-1014, 3000-4999 (RFC 6455 7.4: the
// others are reserved, never sent, or unassigned), reason at most 123
// bytes of UTF-8.
func checkSendableClose(code int, reason string) error {
	if !validReceivedCloseCode(code) {
		return fmt.Errorf("ws: close code %d may not be sent (use 1000-1003, 1007-1014 or 3000-4999)", code)
	}
	if len(reason) > maxCloseReason {
		return fmt.Errorf("ws: close reason of %d bytes is longer than %d", len(reason), maxCloseReason)
	}
	if !utf8.ValidString(reason) {
		return errors.New("ws: close reason is not valid UTF-8")
	}
	return nil
}

// SendCloseCode starts the closing handshake with any close code an
// endpoint may send: 1000-1003, 1007-1014 (1008 policy violation, 1011
// internal error, 1012 service restart, 1013 try again later, ...) and
// 3000-4999, with a reason of at most 123 bytes of UTF-8. It is SendClose
// without Autobahn's restriction of applications to 1000 and 3000-4999:
// the same close state machine (CloseHandshakeTimeout, then a drop), and
// it returns at once. Calling it while closing does nothing; once the
// connection has finished it returns ErrClosed. The peer's OnClose gets
// code and reason; ours gets the peer's reply.
func (c *Conn) SendCloseCode(code int, reason string) error {
	if err := checkSendableClose(code, reason); err != nil {
		return err
	}
	return c.closeWith(code, reason)
}

// Fail fails the WebSocket connection (RFC 6455 7.1.7) as the engine does
// on a protocol error (Autobahn's _fail_connection), for an application
// that finds the peer misbehaving at its own level (code 1008, say). With
// Options.FailByDrop (the default), or when a close was sent already, the
// TCP connection is dropped at once. Otherwise a close frame with code and
// reason is sent and the connection drains: later data frames from the
// peer are read and discarded (not delivered; a message already being
// received may still complete), until the peer answers with its close or
// CloseHandshakeTimeout drops it. code and reason are checked as by
// SendCloseCode. Our OnClose reports the connection as not clean (1006,
// with reason) when dropped, else as the closing handshake ended. Safe
// from any goroutine, callbacks included; it returns at once, and
// ErrClosed when the connection was already dropped.
func (c *Conn) Fail(code int, reason string) error {
	if err := checkSendableClose(code, reason); err != nil {
		return err
	}
	if c.isDone() {
		return ErrClosed
	}
	c.log.Debug("ws: failing connection (application)", "server", c.cfg.isServer, "code", code, "reason", reason)
	why := fmt.Sprintf("failed the connection (code %d): %s", code, reason)
	if c.opts.FailByDrop || c.closing.Load() {
		if !c.dropIf(true, true, why+" by dropping it") {
			return ErrClosed
		}
		return nil
	}
	// The read goroutine skips data from here on (see readNext).
	c.localFail.Store(true)
	c.afterFunc(c.opts.CloseHandshakeTimeout, c.onCloseTimeout)
	if !c.writeClose(code, reason) {
		// A close went out meanwhile: as with fail, drop.
		if !c.dropIf(true, true, why+" by dropping it") {
			return ErrClosed
		}
	}
	return nil
}
