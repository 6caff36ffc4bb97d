package ws

import (
	"errors"
	"fmt"
	"time"
)

// ErrMessageTooBig is wrapped by the error of SendMessage, SendMessageWith
// or SendOutgoing when the message is larger than
// Options.MaxOutgoingMessagePayloadSize (Autobahn's PayloadExceededError).
// Nothing was sent; the connection stays open.
var ErrMessageTooBig = errors.New("ws: message too big to send")

// SendOptions are per-call settings of SendMessageWith, the extras of
// Autobahn's sendMessage(payload, isBinary, fragmentSize, sync,
// doNotCompress). The zero value sends as SendMessage does.
type SendOptions struct {
	// FragmentSize splits this message into frames of at most this
	// payload size (after compression), overriding
	// Options.AutoFragmentSize for this call. 0 uses AutoFragmentSize;
	// a negative value sends one frame whatever AutoFragmentSize says.
	FragmentSize int
	// SkipCompress sends this message uncompressed even when
	// permessage-deflate is on (Autobahn's doNotCompress): for payloads
	// already compressed, or to keep a secret out of a compression
	// context shared with attacker-chosen data.
	SkipCompress bool
}

// fragmentSize resolves FragmentSize against the connection's
// AutoFragmentSize: 0 or less means one frame.
func (so SendOptions) fragmentSize(auto int) int {
	switch {
	case so.FragmentSize > 0:
		return so.FragmentSize
	case so.FragmentSize < 0:
		return 0
	}
	return auto
}

// SendMessageWith sends one message as SendMessage does, with per-call
// settings: a fragment size of its own and SkipCompress. Like SendMessage
// it fails with ErrMessageTooBig (wrapped) when the payload exceeds
// Options.MaxOutgoingMessagePayloadSize.
func (c *Conn) SendMessageWith(payload []byte, isBinary bool, so SendOptions) error {
	return c.sendMessageWith(payload, isBinary, so)
}

// checkOutgoingSize applies Options.MaxOutgoingMessagePayloadSize to a
// message of n payload bytes (before compression).
func (c *Conn) checkOutgoingSize(n int) error {
	if max := c.opts.MaxOutgoingMessagePayloadSize; max > 0 && int64(n) > max {
		return fmt.Errorf("ws: send: message payload of %d bytes exceeds MaxOutgoingMessagePayloadSize %d: %w", n, max, ErrMessageTooBig)
	}
	return nil
}

// FlushAndDrop closes the TCP connection without a closing handshake, but
// gracefully (Autobahn's dropConnection(abort=False)): the message being
// sent, if any, and the frame being written go out in full, then our
// sending side of TCP is shut down (FIN, or TLS close_notify), so the peer
// reads everything we sent before it sees the end; the socket is closed
// when the peer closes its side or, at the latest, after
// CloseHandshakeTimeout (1s when that is 0); the message in flight gets
// at most that long to finish as well (a NextWriter or BeginMessage
// stream left open does not keep the connection up). CloseNow is the abortive
// variant: it closes the socket at once, and data not yet sent, or sent
// but not yet read while unread data is pending, may be lost.
//
// Calls made after FlushAndDrop fail with ErrClosed: SendMessage,
// SendMessageWith, SendOutgoing, NextWriter, BeginMessage, SendPrepared,
// SendPing, SendPong, SendMessageAsync and SendPreparedAsync (messages
// still queued by the last two are not sent either); a streamed message
// already under way may be finished. Once the message in flight is out
// no further frame is sent. The connection
// does not close cleanly (OnClose gets wasClean false, 1006). It returns
// at once; Done is closed when the connection has finished. It returns
// ErrClosed when the connection was already dropped or finished, and nil
// (doing nothing more) when a FlushAndDrop is already under way.
func (c *Conn) FlushAndDrop() error {
	c.mu.Lock()
	dropped := c.dropped
	c.mu.Unlock()
	if dropped || c.isDone() {
		return ErrClosed
	}
	if c.flushDrop.Swap(true) {
		return nil
	}
	go c.flushAndDrop()
	return nil
}

// flushAndDrop waits for the message and frame being written, stops
// further frames and shuts down the sending side of the socket.
func (c *Conn) flushAndDrop() {
	const reason = "connection dropped locally after a flush (FlushAndDrop)"
	linger := c.opts.CloseHandshakeTimeout
	if linger <= 0 {
		linger = time.Second
	}
	// The message in flight (a NextWriter or BeginMessage stream may stay
	// open forever) gets at most the linger time: then the drop wakes
	// acquireMsg.
	wait := time.AfterFunc(linger, func() { c.drop(true, reason) })
	if c.acquireMsg() == nil { // gives up when the connection is dropped
		defer c.releaseMsg()
	}
	wait.Stop()
	c.wmu.Lock()
	c.closing.Store(true) // no frame after this point
	c.wmu.Unlock()
	c.mu.Lock()
	if !c.unclean {
		c.unclean = true
		c.closeStLocked().uncleanReason = reason
	}
	c.mu.Unlock()
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		c.drop(true, reason)
		return
	}
	c.afterFunc(linger, func() { c.drop(true, reason) })
}
