package ws

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/nvx"
)

// connConfig is everything the opening handshake hands the engine.
type connConfig struct {
	netConn   net.Conn
	br        *connReader // reader over netConn; holds the bytes read past the handshake (nil: none)
	isServer  bool
	opts      *Options            // this connection's options: a private copy, or the server's shared one; read-only
	handler   Handler             // nil: blocking mode (ReadMessage / NextReader)
	protocol  string              // negotiated subprotocol, "" for none
	pmd       pmdCodec            // negotiated permessage-deflate, nil for none
	request   *ConnectionRequest  // server side
	response  *ConnectionResponse // client side
	transport *TransportDetails
	logger    *slog.Logger // never nil
	onDone    func()       // called once when the connection is fully closed (server: frees a connection slot)
	// opening handshake bytes received and sent (TrafficStats' pre-open counters)
	preopenIn, preopenOut uint64
}

// connInfo is what a Conn keeps of its connConfig besides the fields it
// holds itself (nc, br, opts, pmd, log): no field is kept twice.
type connInfo struct {
	handler  Handler // nil: blocking mode
	protocol string
	response *ConnectionResponse // client side
	onDone   func()
	isServer bool
}

// readChunk bounds how much the engine reads or inflates at a time when it
// streams a message (FrameHandler, NextReader, inflation).
const readChunk = 32 << 10

// Conn is one WebSocket connection, server or client side, after the
// opening handshake. Its send methods are safe from any goroutine.
//
// In callback mode (a Handler was given) the connection's read goroutine
// calls the Handler. In blocking mode (no Handler) the same goroutine reads
// and answers pings, and hands messages to ReadMessage / NextReader; it
// waits for the user to take each message, so call them in a loop.
type Conn struct {
	cfg   connInfo
	opts  *Options
	nc    net.Conn
	br    *connReader
	log   *slog.Logger
	pmd   pmdCodec
	rules headerRules
	hooks *recvHooks    // frame-level receive callbacks of the handler; nil for none
	autoH *autoHandlers // the handler's auto-ping callbacks (ping.go), nil for none

	// write side
	msgSem  msgLock    // held for a whole data message (frames never interleave; signal.go)
	smu     sync.Mutex // guards stream (streamed send calls)
	pmdOnce sync.Once
	wmu     sync.Mutex // held for one frame write
	rng     *rand.ChaCha8
	stream  *streamState // the streamed message in progress (stream.go), nil for none; under smu
	closing atomic.Bool  // a close frame was sent: no more frames

	flushDrop atomic.Bool // FlushAndDrop was called: no new messages

	// write side scratch (write.go), under wmu; the frame buffers and the
	// small-frame array are pooled (scratch.go)
	wdl int64       // write deadline armed on nc, Unix nanoseconds (0: none yet)
	sw  *sockWriter // raw writes to a plain socket (sockwrite_linux.go); made on first write

	// read side (read goroutine only)
	hbuf       [maxHeaderSize]byte
	raw        rawReader
	utf8       *nvx.Utf8Validator
	scratch    []byte
	inDrain    bool          // after a failure without drop: skip data, wait for close
	localFail  atomic.Bool   // Fail without drop: skip data, wait for close (any goroutine)
	gotClose   bool          // the peer's close frame was processed
	blind      bool          // failed on an unparseable frame: ignore the rest
	skipLeft   int64         // payload bytes of the current frame not read yet (-1: unknown)
	dropEvents bool          // blocking mode: the reader is gone, drop what is read
	masked     bool          // we mask what we send (here: it fills padding)
	inCB       atomic.Int32  // the read goroutine is in a Handler callback
	readGID    atomic.Uint64 // goroutine id of the read goroutine (see Close)

	// memory budget (budget.go)
	recvCharged int64        // charged by the message being received (read goroutine only)
	userCharged atomic.Int64 // charged by ReadMessage's gathering

	// blocking mode
	events chan readEvent
	blk    *blockReader // the blocking reader's state (stream.go), nil in callback mode

	// close state, under mu
	mu        sync.Mutex
	cs        *closeState // the close handshake's details, made on first need
	sentClose bool
	recvClose bool
	unclean   bool
	timedOut  timeoutKind // the protocol timeout that dropped the connection
	closeErr  *CloseError
	done      lazySignal // fired when the connection is fully closed (Done)
	stopSig   lazySignal // fired when the close frame is sent or the TCP connection dropped
	dropped   bool       // drop ran (under mu)
	started   atomic.Bool

	// the server's opening handshake (request_keep.go): the full request
	// until OnOpen returned, then nil until Request rebuilds it from reqKept
	req     atomic.Pointer[ConnectionRequest]
	reqKept string
	td      atomic.Pointer[TransportDetails] // nil once kept in reqKept (no TLS), until Transport rebuilds it

	diag  *diagState // nil unless LogOctets, LogFrames or TrackTimings
	ping  *autoPing
	sq    atomic.Pointer[sendQueue] // SendMessageAsync's queue, allocated on first use (queue.go)
	stats statCounters
	epoch time.Duration // when the connection was made, since connEpoch (ping.go)
}

// newConn builds a connection in the open state. It does not start reading.
func newConn(cfg connConfig) *Conn {
	if cfg.opts == nil {
		cfg.opts = DefaultOptions()
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.br == nil {
		cfg.br = newConnReader(cfg.netConn, nil)
	}
	c := &Conn{
		cfg: connInfo{handler: cfg.handler, protocol: cfg.protocol, response: cfg.response,
			onDone: cfg.onDone, isServer: cfg.isServer},
		opts:  cfg.opts,
		nc:    cfg.netConn,
		br:    cfg.br,
		log:   cfg.logger,
		pmd:   cfg.pmd,
		utf8:  nvx.NewUtf8Validator(),
		epoch: time.Since(connEpoch),
	}
	c.rules = headerRules{
		rsv1OK:        cfg.pmd != nil,
		requireMasked: cfg.isServer && cfg.opts.RequireMaskedClientFrames,
		rejectMasked:  !cfg.isServer && !cfg.opts.AcceptMaskedServerFrames,
		maxFrame:      cfg.opts.MaxFramePayloadSize,
	}
	if cfg.isServer {
		c.masked = cfg.opts.MaskServerFrames
	} else {
		c.masked = cfg.opts.MaskClientFrames
	}
	if cfg.handler != nil {
		c.hooks = resolveRecvHooks(cfg.handler)
		aph, _ := cfg.handler.(AutoPingHandler)
		apong, _ := cfg.handler.(AutoPongHandler)
		if aph != nil || apong != nil {
			c.autoH = &autoHandlers{rtt: aph, pong: apong}
		}
	} else {
		c.events = make(chan readEvent)
		c.blk = &blockReader{}
	}
	c.req.Store(cfg.request)
	c.td.Store(cfg.transport)
	c.raw.c = c
	c.initBudget()
	c.stats.preopenIn.Store(cfg.preopenIn)
	c.stats.preopenOut.Store(cfg.preopenOut)
	c.setupDiag()
	return c
}

// start runs the connection: it starts the read goroutine, which in
// callback mode first calls OnOpen, and the auto-ping timer when
// configured. It runs once; later calls do nothing.
func (c *Conn) start() {
	if c.started.Swap(true) {
		return
	}
	c.startAutoPing()
	go c.readLoop()
}

// Done is closed when the connection is fully closed (after OnClose ran).
// The channel is made on the first call (an idle connection nobody waits
// on holds none); once closed, every connection returns the same one.
func (c *Conn) Done() <-chan struct{} { return c.done.wait() }

// Subprotocol is the negotiated subprotocol ("" for none).
func (c *Conn) Subprotocol() string { return c.cfg.protocol }

// Response is the server's opening handshake answer (client side; nil on a
// server).
func (c *Conn) Response() *ConnectionResponse { return c.cfg.response }

// Transport describes the byte stream under the connection.
//
// On a server connection over HTTP/1.1 without TLS, like Request, it is
// rebuilt from what the connection keeps once OnOpen returned (equal
// fields; see Request), on the first call, then the same on every call.
func (c *Conn) Transport() *TransportDetails {
	if td := c.td.Load(); td != nil || c.reqKept == "" {
		return td
	}
	_, td, _ := rebuildHTTPRequest(c.reqKept)
	if !c.td.CompareAndSwap(nil, td) {
		return c.td.Load()
	}
	return td
}

// Options returns a copy of the connection's options.
func (c *Conn) Options() *Options { return c.opts.clone() }

// IsServer reports whether this is the accepting side.
func (c *Conn) IsServer() bool { return c.cfg.isServer }

// LocalAddr is the socket's local address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr is the socket's remote address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Compressed reports whether a compression extension (permessage-deflate,
// or one of Options.Extensions) was negotiated.
func (c *Conn) Compressed() bool { return c.pmd != nil }

// isDone reports whether the connection has fully closed.
func (c *Conn) isDone() bool { return c.done.fired() }

// drop closes the TCP connection. When unclean is set and no reason was
// recorded yet, reason becomes why the connection did not close cleanly.
func (c *Conn) drop(unclean bool, reason string) {
	c.dropIf(false, unclean, reason)
}

// dropIf is drop; with onlyFirst set it does nothing when the connection
// was dropped already. It reports whether this call was the first drop.
func (c *Conn) dropIf(onlyFirst, unclean bool, reason string) bool {
	c.mu.Lock()
	first := !c.dropped
	if onlyFirst && !first {
		c.mu.Unlock()
		return false
	}
	if unclean && !c.unclean {
		c.unclean = true
		c.closeStLocked().uncleanReason = reason
	}
	c.dropped = true
	c.wakeMsgWaitersLocked()
	c.mu.Unlock()
	c.stopSig.fire()
	_ = c.nc.Close()
	return first
}

// closeState is what the close handshake records beyond a few flags:
// made on first need (the peer's close, a failure, a timer), so an open
// connection holds a nil pointer. Under mu.
type closeState struct {
	remoteCode    int
	remoteReason  string
	uncleanReason string
	failMsg       string // why we failed the connection (without drop)
	timers        []*time.Timer
}

// closeStLocked returns the close state, making it. Call with mu held.
func (c *Conn) closeStLocked() *closeState {
	if c.cs == nil {
		c.cs = &closeState{}
	}
	return c.cs
}

// afterFunc arms a timer that is stopped when the connection finishes.
func (c *Conn) afterFunc(d time.Duration, f func()) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeErr != nil {
		return
	}
	cs := c.closeStLocked()
	cs.timers = append(cs.timers, time.AfterFunc(d, f))
}

// finish runs once on the read goroutine when reading ended: it drops the
// socket, works out how the connection closed, calls OnClose and releases
// everything.
func (c *Conn) finish() {
	c.drop(false, "")
	c.mu.Lock()
	cs := c.closeStLocked()
	clean := c.sentClose && c.recvClose && !c.unclean
	ce := &CloseError{WasClean: clean}
	if clean {
		ce.Code, ce.Reason = cs.remoteCode, cs.remoteReason
	} else {
		ce.Code = CloseAbnormal
		ce.Reason = cs.uncleanReason
		if ce.Reason == "" {
			switch {
			case c.sentClose && !c.recvClose:
				ce.Reason = "connection dropped before the peer answered our close"
			default:
				ce.Reason = "peer dropped the connection without a close handshake"
			}
		}
	}
	c.closeErr = ce
	for _, t := range cs.timers {
		t.Stop()
	}
	cs.timers = nil
	c.mu.Unlock()
	c.stopAutoPing()
	c.closing.Store(true)

	c.log.Debug("ws: connection closed", "server", c.cfg.isServer, "clean", ce.WasClean, "code", ce.Code, "reason", ce.Reason)
	defer func() {
		c.done.fire()
		c.releaseUser()
		// A sender may still hold the codec: then releaseMsg closes it.
		if c.tryAcquireMsgSem() {
			c.releaseMsg()
		}
		if c.cfg.onDone != nil {
			c.cfg.onDone()
		}
	}()
	c.runTimeoutHook()
	if h := c.cfg.handler; h != nil {
		c.inCB.Add(1)
		h.OnClose(c, ce.WasClean, ce.Code, ce.Reason)
		c.inCB.Add(-1)
	}
}

// closeError is the error blocking reads return once the connection closed.
func (c *Conn) closeError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeErr == nil {
		return ErrClosed
	}
	return c.closeErr
}

// acquireMsg takes the right to send a data message; it gives up when the
// connection is dropped. Messages queued by SendMessageAsync before it was
// called are written first, so a blocking send never overtakes them.
func (c *Conn) acquireMsg() error {
	if err := c.acquireMsgSem(); err != nil {
		return err
	}
	if err := c.flushQueueLocked(); err != nil {
		c.releaseMsg()
		return err
	}
	return nil
}

// releaseMsg gives the right to send back; once the connection is done it
// releases the compression codec.
func (c *Conn) releaseMsg() {
	if c.pmd != nil && c.isDone() {
		c.pmdOnce.Do(c.pmd.close)
	}
	c.releaseMsgSem()
}
