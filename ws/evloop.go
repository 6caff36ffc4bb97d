package ws

// Event-driven mode (Options.EventLoop).
//
// In the default goroutine mode every connection has a read goroutine that
// sits in a blocking read between messages. In event-driven mode the
// opening handshake runs as always (net/http, Accept, Dial); then the
// socket is handed to an epoll poller and, while no message is in flight,
// the connection holds no goroutine and no buffer: only its Conn and the
// poller's small record of the socket.
//
// When the poller reports the socket readable, it reads what the kernel
// holds into pooled chunks (the feed, evfeed in evloop_linux.go) and starts
// a goroutine for the connection if none is running. That goroutine runs
// the one engine (readStep: readNext, readMessage, the same framing, UTF-8
// checks, limits, inflation, close handshake, timeouts and callbacks in the
// same order) reading from the feed, and returns at a message boundary
// when the feed and the engine's reader hold nothing, giving the chunks
// back to their pool. In the middle of a message with nothing more to
// read, the goroutine waits for the poller to feed more: only connections
// with a message in flight (or, in blocking mode, with a message the user
// has not taken yet) hold a goroutine. There is never more than one
// goroutine in a connection's engine.
//
// What a busy connection pays: the socket stays armed (edge-triggered,
// not one-shot: no epoll_ctl per burst), a read shorter than its chunk
// means drained (no read that only returns EAGAIN), the poller yields its
// P to a burst it starts or wakes (it would otherwise wait in the run
// queue of a thread blocked in epoll_wait), and a frame's header and
// payload go out in one writev (vecWriter). Bursts
// still run on pooled goroutines, never on the poller itself, so a
// callback that blocks holds only its own connection.
//
// Backpressure on reads: the poller reads a socket only while the
// connection's feed holds less than evFeedMax bytes (once it is full, the
// bytes stay in the socket until the engine has consumed half the feed and
// reads them itself), so a connection whose handler is slow buffers at
// most evFeedMax plus one socket receive buffer before TCP flow control
// stops the peer, as in goroutine mode.
//
// Writes go through the poller's non-blocking write: what the kernel does
// not take at once is copied into the poller's write buffer and written
// when the socket is writable. Left alone, nbio lets that buffer grow
// without bound when the peer does not read (its MaxWriteBufferSize is 0,
// no limit, by default; set, it closes the connection when passed, and
// its write deadline closes it too), so the bound is ours, counted with
// its OnWrittenSize events. A send blocks while more than evWriteMax bytes
// are waiting there, and gives up after WriteTimeout like a blocking socket
// write (the connection is then dropped, as in goroutine mode); so a peer
// that stops reading costs at most evWriteMax plus one write
// (WriteTimeout's writeSlice, or one frame) per connection, and the send
// queue limits of SendMessageAsync apply as before.
//
// The poller is github.com/lesismal/nbio's Engine, used as a plain epoll
// loop (edge-triggered, not one-shot, its OnRead/OnClose/OnWrittenSize events)
// for sockets accepted and handshaken elsewhere (Engine.AddConn); see the
// commit that added it for how it compares with gnet and netpoll here.
//
// Fallbacks to goroutine mode, per connection: platforms other than Linux
// (evloop_other.go), TLS and any other wrapped net.Conn (the poller needs
// the raw socket; only *net.TCPConn is handed over: on a Unix socket nbio
// drops the part of a write the socket buffer does not take),
// HTTP/2 streams (RFC 8441, h2accept.go / h2dial.go), LogOctets (it wraps
// the socket), and a poller that cannot start or refuses the socket.
//
// One difference remains: the poller closes a socket as soon as the peer
// half-closes it (sends FIN). What the peer sent before is still read and
// handled in order, but a reply written after that fails: a peer that sends
// its close frame and shuts down its write side without waiting for the
// answer may see no close reply (when its FIN reaches the poller with the
// close frame), and the connection then reports an unclean close (1006).
// Peers that wait for the close reply, as RFC 6455 §7.1.1 asks and as
// browsers and Autobahn do, are not affected.
