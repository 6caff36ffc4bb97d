package ws

import (
	"net/http"
	"time"
)

// Deadlines of the HTTP part of an opening handshake. A request on a
// WebSocket endpoint is small and complete when its headers are: an
// upgrade request has no body (a request announcing one is malformed and
// refused at once), and every other request (status page, 426, 405, ...)
// gets OpenHandshakeTimeout for its body before it is answered and, if the
// body did not come, closed. Without these bounds a client announcing a
// body and never sending it would hold a socket and a goroutine for ever:
// net/http reads (drains) an unread body before it answers and again
// before it reuses the connection, with no deadline unless the
// http.Server has a ReadTimeout.

// announcesBody reports whether r says a body follows its headers
// (Content-Length above zero, or a Transfer-Encoding).
func announcesBody(r *http.Request) bool {
	return r.ContentLength > 0 || len(r.TransferEncoding) > 0
}

// isUpgradeAttempt reports whether r asks for a WebSocket (Upgrade:
// websocket), whatever else is wrong with it.
func isUpgradeAttempt(r *http.Request) bool {
	return headerHasToken(r.Header, "Upgrade", "websocket")
}

// boundRequest sets the read deadline for what is left of r once its
// headers are in, deadline being the end of the opening handshake (zero:
// none).
//
// Without a body nothing is left to read: a deadline of the http.Server
// (ReadTimeout) is cleared, or it would cancel r's context while
// OnConnect runs, which has its own bound. An upgrade request with a body
// is refused without reading it (see refuseNow). Any other body must come
// before deadline; the http.Server of Serve already set that bound (its
// ReadTimeout counts from the request's first byte), a foreign one is
// given it here through http.ResponseController.
func (u *upgrader) boundRequest(w http.ResponseWriter, r *http.Request, deadline time.Time) {
	rc := http.NewResponseController(w)
	switch {
	case !announcesBody(r):
		_ = rc.SetReadDeadline(time.Time{})
	case isUpgradeAttempt(r), u.ownHTTP, deadline.IsZero():
	default:
		_ = rc.SetReadDeadline(deadline)
	}
}

// refuseNow prepares the refusal of r. Its answer must be written within
// OpenHandshakeTimeout (a client that does not read cannot hold the
// handler): the write deadline is set here, in the handler when it
// refuses, to OpenHandshakeTimeout from now, or twice that when a body is
// still to be read (net/http waits for the body, at most until the
// handshake's read deadline, before it writes the answer).
// A foreign http.Server with a WriteTimeout keeps its own bound.
// An upgrade request announcing a body is answered with Connection: close
// and its connection closed after the answer, the body left unread: a
// read deadline in the past makes net/http give up on it at once instead
// of draining it.
func (u *upgrader) refuseNow(w http.ResponseWriter, r *http.Request, rj *rejection) {
	rc := http.NewResponseController(w)
	body := announcesBody(r)
	if r.ProtoMajor == 1 && body && isUpgradeAttempt(r) {
		rj.with("Connection", "close")
		_ = rc.SetReadDeadline(aLongTimeAgo)
		body = false
	}
	if t := u.opts.OpenHandshakeTimeout; t > 0 && serverWriteTimeout(r) == 0 {
		if body {
			t *= 2
		}
		_ = rc.SetWriteDeadline(time.Now().Add(t))
	}
}

// serverWriteTimeout is the WriteTimeout of the http.Server serving r (0
// for Serve's, or none known): a foreign server's own bound is kept.
func serverWriteTimeout(r *http.Request) time.Duration {
	if hs, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok {
		return hs.WriteTimeout
	}
	return 0
}

// aLongTimeAgo is a deadline that has passed: reads fail at once.
var aLongTimeAgo = time.Unix(1, 0)
