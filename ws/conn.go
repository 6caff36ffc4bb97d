package ws

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
)

// STUB: the engine work replaces this file. It fixes the seam the opening
// handshake (accept.go, dial.go) hands a connection over with.

// connConfig is everything the opening handshake hands the engine.
type connConfig struct {
	netConn   net.Conn
	br        *bufio.Reader // buffered reader over netConn; may hold bytes read past the handshake
	isServer  bool
	opts      *Options            // this connection's options (already cloned)
	handler   Handler             // nil: blocking mode (ReadMessage / NextReader)
	protocol  string              // negotiated subprotocol, "" for none
	pmd       pmdCodec            // negotiated permessage-deflate, nil for none
	request   *ConnectionRequest  // server side
	response  *ConnectionResponse // client side
	transport *TransportDetails
	logger    *slog.Logger // never nil
	onDone    func()       // called once when the connection is fully closed (server: frees a connection slot)
}

// Conn is one WebSocket connection. Its send methods are safe from any
// goroutine.
type Conn struct {
	cfg connConfig
}

// newConn builds a connection in the open state. It does not start reading.
func newConn(cfg connConfig) *Conn { return &Conn{cfg: cfg} }

// start runs the connection: in callback mode it calls OnOpen and starts the
// read goroutine that dispatches callbacks; in blocking mode it does nothing
// (the user pulls with ReadMessage / NextReader).
func (c *Conn) start() {}

// SendPong sends a pong. STUB.
func (c *Conn) SendPong(payload []byte) error { return errors.New("ws: not implemented") }
