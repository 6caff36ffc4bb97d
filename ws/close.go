package ws

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/nvx"
)

// maxCloseReason is the longest close reason: a control frame carries at
// most 125 bytes, 2 of them the code.
const maxCloseReason = 123

// validReceivedCloseCode reports whether a peer may send code in a close
// frame: 1000-1003, 1007-1014 and 3000-4999 (RFC 6455 7.4 and the IANA
// registry; 1004-1006 and 1015 are reserved, the rest unassigned).
func validReceivedCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003:
		return true
	case code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// SendClose starts the closing handshake (Autobahn's sendClose). code 0
// sends a close frame without a code (reason must then be empty);
// otherwise code must be 1000 (normal), 1001 (going away: a server shutting
// down) or 3000-4999 (application codes), and reason at most 123 bytes of
// UTF-8. The connection is dropped when the peer does not answer within
// CloseHandshakeTimeout. Calling it again while closing does nothing.
// SendCloseCode sends any other code an endpoint may send (1008, 1011,
// ...); Fail fails the connection as on a protocol error.
func (c *Conn) SendClose(code int, reason string) error {
	if code == 0 && reason != "" {
		return errors.New("ws: close reason given without a close code")
	}
	if code != 0 && code != CloseNormal && code != CloseGoingAway && (code < 3000 || code > 4999) {
		return fmt.Errorf("ws: close code %d may not be sent by SendClose (use 1000, 1001 or 3000-4999, or SendCloseCode for 1002-1003 and 1007-1014)", code)
	}
	if len(reason) > maxCloseReason {
		return fmt.Errorf("ws: close reason of %d bytes is longer than %d", len(reason), maxCloseReason)
	}
	if !utf8.ValidString(reason) {
		return errors.New("ws: close reason is not valid UTF-8")
	}
	return c.closeWith(code, reason)
}

// closeWith starts the closing handshake with code and reason, which the
// caller has checked (SendClose for an application's; Server.Shutdown
// sends 1001): it arms the close handshake timeout and sends the close
// frame unless one was sent already. It returns ErrClosed once the
// connection has finished.
func (c *Conn) closeWith(code int, reason string) error {
	if c.isDone() {
		return ErrClosed
	}
	if !c.closing.Load() {
		// Armed before writing: the write itself may block.
		c.afterFunc(c.opts.CloseHandshakeTimeout, c.onCloseTimeout)
		// What SendMessageAsync queued goes out before the close frame
		// (bounded by WriteTimeout and the timeout just armed).
		c.flushQueueForClose()
	}
	c.writeClose(code, reason)
	return nil
}

// writeClose sends a close frame (code 0: none) unless one was sent
// already; it reports whether it sent it. No frame follows a close frame.
func (c *Conn) writeClose(code int, reason string) bool {
	var p []byte
	if code != 0 {
		p = binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), uint16(code))
		p = append(p, reason...)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closing.Load() {
		return false
	}
	c.mu.Lock()
	c.sentClose = true
	c.mu.Unlock()
	err := c.writeFrameLocked(OpClose, true, 0, p)
	c.closing.Store(true)
	c.stopSig.fire()
	if err != nil {
		c.drop(true, "could not send the close frame: "+err.Error())
	}
	return true
}

// onCloseTimeout drops the connection when the peer did not answer our
// close in time.
func (c *Conn) onCloseTimeout() {
	c.mu.Lock()
	answered := c.recvClose
	c.mu.Unlock()
	if !answered {
		c.dropTimeout(timeoutCloseHandshake, "close handshake timeout: the peer did not answer our close in time")
	}
}

// onCloseFrame handles the peer's close frame (on the read goroutine).
// A close frame ends the peer's side of the closing handshake whether it is
// valid or not: nothing the peer sends after it counts (gotClose), and an
// invalid one (a 1-byte payload, a code a peer may not send, a reason that
// is not UTF-8) is answered with 1002 or 1007 by fail, which then ends TCP
// at once (failPeerClose) instead of waiting for a reply that cannot come.
func (c *Conn) onCloseFrame(p []byte) error {
	c.gotClose = true
	code, reason := CloseNoStatus, ""
	switch {
	case len(p) == 1:
		return protoErr(CloseProtocolError, "close frame with a 1-byte payload")
	case len(p) >= 2:
		code = int(binary.BigEndian.Uint16(p))
		if !validReceivedCloseCode(code) {
			return protoErr(CloseProtocolError, "invalid close code %d", code)
		}
		if c.opts.UTF8ValidateIncoming && !nvx.ValidUTF8(p[2:]) {
			return protoErr(CloseInvalidPayload, "close reason is not valid UTF-8")
		}
		reason = string(p[2:])
	}
	c.mu.Lock()
	c.recvClose = true
	cs := c.closeStLocked()
	cs.remoteCode, cs.remoteReason = code, reason
	c.mu.Unlock()

	replyCode, replyReason := CloseNormal, ""
	if c.opts.EchoCloseCodeReason {
		replyCode, replyReason = code, reason
		if !utf8.ValidString(reason) {
			// Only reachable with UTF8ValidateIncoming off: what we send
			// must stay valid (RFC 6455 5.5.1), so echo the code alone.
			replyReason = ""
		}
		if code == CloseNoStatus {
			replyCode = 0
		}
	}
	if !c.closing.Load() {
		c.replyClose(replyCode, replyReason)
	}
	c.endAfterPeerClose()
	return errCloseReceived
}

// replyClose answers the peer's close frame with ours. The write is
// bounded by CloseHandshakeTimeout: a peer that stopped reading is dropped.
func (c *Conn) replyClose(code int, reason string) {
	var replied atomic.Bool
	c.afterFunc(c.opts.CloseHandshakeTimeout, func() {
		if !replied.Load() {
			c.drop(true, "close handshake timeout: could not send the close reply")
		}
	})
	c.writeClose(code, reason)
	replied.Store(true)
}

// endAfterPeerClose ends the TCP connection once both close frames have
// been exchanged (RFC 6455 7.1.1): the server drops it at once; the client
// gives the server ServerConnectionDropTimeout to drop it first, then drops
// it itself.
func (c *Conn) endAfterPeerClose() {
	if c.cfg.isServer {
		c.drop(false, "")
		return
	}
	c.afterFunc(c.opts.ServerConnectionDropTimeout, func() {
		c.dropTimeout(timeoutServerDrop, "closing handshake timeout: the server did not drop the connection in time")
	})
}

// failPeerClose fails the connection on a close frame from the peer that
// breaks the rules (from fail: FailByDrop off, no close sent yet). As the
// peer has closed its side, no reply is waited for: we send our close with
// code (1002 or 1007) and the reason, then end TCP as after a valid close
// (endAfterPeerClose: the server at once, the client when the server has
// dropped or after ServerConnectionDropTimeout). The connection is not
// clean: OnClose gets wasClean false, code 1006 and a reason naming the
// fault. It reports whether reading goes on (until the drop).
func (c *Conn) failPeerClose(code int, msg string) bool {
	c.mu.Lock()
	c.closeStLocked().failMsg = msg
	if !c.unclean {
		c.unclean = true
		c.closeStLocked().uncleanReason = fmt.Sprintf("failed the connection on the peer's invalid close frame (%s): answered with close %d", msg, code)
	}
	c.mu.Unlock()
	if len(msg) > maxCloseReason {
		msg = msg[:maxCloseReason]
	}
	c.replyClose(code, msg)
	c.endAfterPeerClose()
	return true
}

// Close sends a normal close (1000) and waits until the connection is
// closed: the closing handshake done or timed out (see
// CloseHandshakeTimeout, ServerConnectionDropTimeout). It returns nil when
// the connection closed cleanly, else the *CloseError describing how it
// ended. Called from a Handler callback it only starts the handshake and
// returns nil (waiting there would block the read goroutine).
func (c *Conn) Close() error {
	if err := c.SendClose(CloseNormal, ""); err != nil && !c.isDone() {
		return err
	}
	if c.inCB.Load() > 0 && goroutineID() == c.readGID.Load() {
		// Called from a callback on the read goroutine: waiting here would
		// stop the very goroutine that completes the handshake.
		return nil
	}
	wait := c.opts.CloseHandshakeTimeout + c.opts.ServerConnectionDropTimeout
	if c.opts.CloseHandshakeTimeout <= 0 || (!c.cfg.isServer && c.opts.ServerConnectionDropTimeout <= 0) {
		wait = 30 * time.Second // a bound for Close, even without protocol timeouts
	}
	t := time.NewTimer(wait + time.Second)
	defer t.Stop()
	done := c.done.wait()
	select {
	case <-done:
	case <-t.C:
		c.drop(true, "Close timed out")
		if !c.started.Load() {
			return ErrClosed
		}
		select {
		case <-done:
		case <-time.After(time.Second):
			return ErrClosed // the read goroutine is stuck in a callback
		}
	}
	c.mu.Lock()
	ce := c.closeErr
	c.mu.Unlock()
	if ce.WasClean {
		return nil
	}
	return ce
}

// CloseNow drops the TCP connection at once, without a closing handshake
// (the connection does not close cleanly: OnClose gets 1006). It returns
// at once; Done is closed when the connection has finished. It returns
// ErrClosed, and changes nothing, when the connection was already dropped
// (by either side, a timeout, a failure or an earlier CloseNow), which is
// always the case once OnClose runs.
func (c *Conn) CloseNow() error {
	// Checked and marked under one lock: of concurrent calls one drops,
	// and a connection already dropped cleanly (the server's end of a
	// closing handshake) is not marked unclean after the fact.
	if !c.dropIf(true, true, "connection dropped locally (CloseNow)") {
		return ErrClosed
	}
	return nil
}
