package ws

import (
	"errors"
	"fmt"
)

// Close status codes (RFC 6455 section 7.4.1 and the IANA registry), with
// the names Autobahn gives them (CLOSE_STATUS_CODE_*), in Go spelling.
const (
	CloseNormal             = 1000 // normal closure
	CloseGoingAway          = 1001 // endpoint going away
	CloseProtocolError      = 1002 // protocol error
	CloseUnsupportedData    = 1003 // data type not accepted
	CloseNoStatus           = 1005 // no status code in the close frame (never sent)
	CloseAbnormal           = 1006 // connection lost without a close frame (never sent)
	CloseInvalidPayload     = 1007 // payload not consistent with the message type (bad UTF-8)
	ClosePolicyViolation    = 1008 // policy violation
	CloseMessageTooBig      = 1009 // message or frame too big
	CloseMandatoryExtension = 1010 // client expected an extension the server did not accept
	CloseInternalError      = 1011 // server hit an unexpected condition
	CloseServiceRestart     = 1012 // service restart
	CloseTryAgainLater      = 1013 // try again later
	CloseBadGateway         = 1014 // bad gateway
	CloseTLSHandshake       = 1015 // TLS handshake failed (never sent)
)

// ErrClosed is returned by send calls once the connection is closing or
// closed, and matches (errors.Is) every *CloseError.
var ErrClosed = errors.New("ws: connection closed")

// CloseError is the error of a blocking read (ReadMessage, NextReader, a
// message reader) once the connection has closed. Code and Reason are what
// OnClose would get: the peer's close code and reason after a clean close
// (1005 when the peer sent no code), or 1006 and a description of what went
// wrong when the connection was not closed cleanly. errors.Is(err,
// ErrClosed) holds for every CloseError.
type CloseError struct {
	Code     int
	Reason   string
	WasClean bool
}

// Error implements error.
func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("ws: connection closed (code %d, clean %t)", e.Code, e.WasClean)
	}
	return fmt.Sprintf("ws: connection closed (code %d, clean %t): %s", e.Code, e.WasClean, e.Reason)
}

// Is makes errors.Is(err, ErrClosed) true for a *CloseError.
func (e *CloseError) Is(target error) bool { return target == ErrClosed }

// protocolError fails the connection with a close code (1002, 1007, 1009...).
type protocolError struct {
	code int
	msg  string
}

func (e *protocolError) Error() string {
	return fmt.Sprintf("ws: protocol failure (close code %d): %s", e.code, e.msg)
}

func protoErr(code int, format string, args ...any) error {
	return &protocolError{code: code, msg: fmt.Sprintf(format, args...)}
}

// errCloseReceived ends message reading once the peer's close frame was
// processed.
var errCloseReceived = errors.New("ws: close frame received")
