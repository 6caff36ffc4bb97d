//go:build linux

package ws

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"
)

// Sizes of the event-driven mode (see evloop.go).
const (
	evChunk    = 18 << 10  // the poller reads into pooled chunks of this size (a 16 KiB message and its header fit one; 18 KiB is a size class)
	evFeedMax  = 256 << 10 // the poller stops reading a socket while its feed holds this much
	evWriteMax = 256 << 10 // a send waits while the poller holds this much unwritten
)

// The feed's chunks are the connReaders' pooled read buffers (evChunk is
// readBufSize): the engine's reader takes a chunk over as its buffer
// (evConn.take) instead of copying out of it, and gives it back to
// readBufPool once consumed.

// evChunksOut counts the feed chunks taken and not given back (by every
// connection of the process); tests watch it.
var evChunksOut atomic.Int64

// getChunk takes a feed chunk from the pool.
func getChunk() *[]byte {
	evChunksOut.Add(1)
	return readBufPool.Get().(*[]byte)
}

// putChunk gives a feed chunk back.
func putChunk(p *[]byte) {
	evChunksOut.Add(-1)
	readBufPool.Put(p)
}

// evEngine is the process's poller, started on first use.
var evEngine struct {
	once sync.Once
	g    *nbio.Engine
	err  error
}

// eventLoopAvailable reports whether Options.EventLoop can take effect on
// this platform.
func eventLoopAvailable() bool { return true }

// evPoller returns the started poller.
func evPoller() (*nbio.Engine, error) {
	evEngine.once.Do(func() {
		// nbio logs its start and its errors on stdout; ours go through
		// the connection's slog logger. (This is nbio's global level.)
		logging.SetLevel(logging.LevelNone)
		g := nbio.NewEngine(nbio.Config{
			Name: "autobahn-ws",
			// Edge-triggered without one-shot: a socket stays armed, so a
			// burst costs no epoll_ctl to re-arm it (nor a write that
			// waits for EPOLLOUT: it is always watched); a read shorter
			// than its buffer means drained (no read that only returns
			// EAGAIN). Backpressure is ours: see readable.
			EpollMod:       nbio.EPOLLET,
			EPOLLONESHOT:   0,
			ReadBufferSize: 1 << 10, // unused: reads go to the feed (OnRead)
		})
		g.OnRead(func(nc *nbio.Conn) {
			evPublished.Load()
			if e, ok := nc.Session().(*evConn); ok {
				e.readable()
			}
		})
		g.OnClose(func(nc *nbio.Conn, err error) {
			evPublished.Load()
			if e, ok := nc.Session().(*evConn); ok {
				e.onClose(err)
			}
		})
		g.OnWrittenSize(func(nc *nbio.Conn, _ []byte, n int) {
			evPublished.Load()
			if e, ok := nc.Session().(*evConn); ok {
				e.wrote(n)
			}
		})
		if err := g.Start(); err != nil {
			evEngine.err = err
			return
		}
		evEngine.g = g
	})
	return evEngine.g, evEngine.err
}

// evPublished orders a new connection's setup before the poller's first
// look at it: the poller finds a connection through epoll and nbio's fd
// table, which the race detector cannot see as synchronisation. Every
// start adds to it after building its evConn; every poller callback loads
// it before touching one.
var evPublished atomic.Uint64

// evBuf is a chunk of the feed: b is what is left to read of *p.
type evBuf struct {
	p *[]byte
	b []byte
}

// evBufArray is the array a busy connection's feed list (evConn.bufs)
// starts in: pooled, so that a burst does not allocate the list afresh
// (an idle connection holds none), and long enough for the chunks of most
// bursts (a list that outgrows it is left to the garbage collector).
type evBufArray [4]evBuf

var evBufPool = sync.Pool{New: func() any { return new(evBufArray) }}

// getEvBufs returns an empty feed list in a pooled array.
func getEvBufs() []evBuf { return evBufPool.Get().(*evBufArray)[:0] }

// putEvBufs gives the array of an empty feed list back to its pool (when
// it is a pooled one).
func putEvBufs(l []evBuf) {
	if cap(l) == len(evBufArray{}) {
		a := (*evBufArray)(l[:cap(l)])
		*a = evBufArray{}
		evBufPool.Put(a)
	}
}

// popBufsLocked drops the first k chunks of the feed list, keeping its
// array. Call with mu held.
func (e *evConn) popBufsLocked(k int) {
	if k == 0 {
		return
	}
	n := copy(e.bufs, e.bufs[k:])
	clear(e.bufs[n:])
	e.bufs = e.bufs[:n]
}

// evConn is a connection served by the poller. It is the engine's
// net.Conn (writes, deadlines, close) and the source its reader reads
// from (the feed).
type evConn struct {
	c  *Conn
	nc *nbio.Conn

	rmu     sync.Mutex // held while reading the socket into the feed (one reader at a time, in order)
	mu      sync.Mutex
	cond    *lazyCond // on mu, made on first wait: the engine waits for the feed mid-message, senders for the poller to write
	bufs    []evBuf   // read from the socket, not yet by the engine
	fed     int       // bytes in bufs
	paused  bool      // the feed is full: the poller leaves the bytes in the socket
	running bool      // a goroutine is in the engine (or about to be)
	waiting bool      // it waits in Read
	eof     bool      // the socket is closed: no more bytes come
	done    bool      // the engine finished the connection
	opened  bool      // OnOpen ran (engine goroutine only)
	err     error     // why eof (nil: the peer closed it)

	pending atomic.Int64 // bytes handed to the poller's write, not written yet
	wdl     atomic.Int64 // write deadline (UnixNano), 0 for none
	waiters atomic.Int32 // senders waiting for the write buffer to drain (on cond)
	closed  atomic.Bool  // the socket is closed
	local   atomic.Bool  // closed by us (drop)
}

// startEventConn hands a finished opening handshake to the poller and
// returns the running connection, or nil when the connection must run in
// goroutine mode (see evloop.go for when).
func startEventConn(cfg connConfig) *Conn {
	if cfg.opts.LogOctets {
		return nil
	}
	if _, ok := cfg.netConn.(*net.TCPConn); !ok {
		// TLS, HTTP/2 streams, wrappers: the poller needs the socket.
		// Unix sockets too: nbio (v1.6.8) keeps the unwritten rest of a
		// write only for TCP, and drops it on a Unix socket whose buffer
		// is full (a cut frame, then a stalled connection).
		return nil
	}
	g, err := evPoller()
	if err != nil {
		cfg.logger.Debug("ws: event loop unavailable, serving in goroutine mode", "err", err)
		return nil
	}
	e := &evConn{running: true}
	// NBConn duplicates the socket and closes cfg.netConn; on failure
	// cfg.netConn is untouched and serves in goroutine mode.
	nc, err := nbio.NBConn(cfg.netConn)
	if err != nil {
		cfg.logger.Debug("ws: event loop refused the socket, serving in goroutine mode", "err", err)
		return nil
	}
	e.nc = nc
	nc.SetSession(e)
	cfg.netConn = e
	// The engine's reader keeps what the handshake read past its end and
	// then reads the feed.
	var pending []byte
	if cfg.br != nil {
		pending = cfg.br.unread() // copied: the handshake's reader is dropped
	}
	cfg.br = newFeedReader(e, pending)
	c := newConn(cfg)
	e.c = c
	c.started.Store(true)
	c.startAutoPing()
	evPublished.Add(1) // e is complete (see evPublished)
	if _, err := g.AddConn(nc); err != nil {
		// The poller closed the socket: the engine finishes the connection.
		e.mu.Lock()
		e.eof, e.err = true, err
		e.mu.Unlock()
	}
	evRun(e) // OnOpen, then what came with the handshake
	return c
}

// Bursts run on pooled goroutines: a worker that finished a burst waits
// for the next one (any connection's), so that a busy connection does not
// pay for a new goroutine, its stack growth and its id (Close's check
// for calls from a callback) on every message. At most evIdleMax workers
// wait (a constant: 32 per P, so that bursts blocked mid-message or in a
// blocking reader's hand-over rarely leave none idle); the others end. The
// hand-over is unbuffered: a burst never waits in a queue behind bursts
// that block.
var (
	evWork    = make(chan *evConn)
	evIdle    atomic.Int32
	evIdleMax = int32(32 * runtime.GOMAXPROCS(0))
)

// evRun runs a burst of e on an idle worker, or on a new one.
func evRun(e *evConn) {
	select {
	case evWork <- e:
	default:
		go evWorker(e)
	}
}

// evWorker runs bursts until it has waited once too many.
func evWorker(e *evConn) {
	gid := goroutineID()
	for {
		e.burst(gid)
		e = nil
		if evIdle.Add(1) > evIdleMax {
			evIdle.Add(-1)
			return
		}
		e = <-evWork
		evIdle.Add(-1)
	}
}

// burst runs the engine on this goroutine until a message boundary with
// nothing left to read, or until the connection ends.
func (e *evConn) burst(gid uint64) {
	c := e.c
	c.readGID.Store(gid)
	if !e.opened {
		e.opened = true
		c.runOnOpen()
	}
	for {
		if c.br.Buffered() == 0 && e.park() {
			return
		}
		if !c.readStep() {
			e.mu.Lock()
			e.done = true
			e.mu.Unlock()
			c.finish()
			e.dropFeed()
			return
		}
	}
}

// dropFeed gives back what the engine will never read once the
// connection is finished: the chunks left in the feed (after failing the
// connection with frames queued behind the bad one, or after our close)
// and the feed list's array, and the chunk the engine's reader holds. With
// done set the poller adds no more (fillLocked gives its chunks back
// itself). Engine goroutine only, after finish.
func (e *evConn) dropFeed() {
	e.mu.Lock()
	bufs := e.bufs
	e.bufs, e.fed = nil, 0
	e.mu.Unlock()
	for i := range bufs {
		putChunk(bufs[i].p)
	}
	putEvBufs(bufs[:0])
	e.c.br.drained()
}

// park ends the burst when the feed is empty and the socket open; it
// reports whether the burst ended. The next bytes (or the close) start a
// new one.
func (e *evConn) park() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fed > 0 || e.eof {
		return false
	}
	e.running = false
	if len(e.bufs) == 0 {
		putEvBufs(e.bufs)
		e.bufs = nil // hold no array while idle
	}
	return true
}

// readable runs on the poller when bytes (or the peer's FIN) arrived: it
// reads what the kernel holds into the feed and wakes or starts the
// engine. While the feed is full (paused) the bytes stay in the socket,
// TCP flow control holds the peer back, and Read takes them once the
// engine has consumed half the feed (resume). The one exception: when the
// peer has half-closed the socket, the poller closes it right after this
// event, so what it holds is read now, paused or not (at most one socket
// receive buffer: the peer can send no more).
func (e *evConn) readable() {
	e.rmu.Lock()
	e.mu.Lock()
	paused := e.paused
	e.mu.Unlock()
	all := false
	if paused {
		if !e.peerHalfClosed() {
			e.rmu.Unlock()
			return
		}
		all = true
	}
	ready := e.fillLocked(all)
	if !all {
		// The read stopped at a full feed: when this same event also
		// brought the peer's FIN, the poller closes the socket after it,
		// so what is left in it must be read now too.
		e.mu.Lock()
		paused = e.paused
		e.mu.Unlock()
		if paused && e.peerHalfClosed() {
			ready = e.fillLocked(true) || ready
		}
	}
	e.rmu.Unlock()
	if ready {
		// Let the burst run now (or go on, when it waited for these
		// bytes mid-message). The poller's next step is a blocking
		// epoll_wait, and a goroutine it readied waits in its P's run
		// queue until the runtime takes the P from the blocked thread
		// (sysmon, after 20 µs or more) or another thread steals it:
		// latency and thread wake-ups on every message. Yielding runs the
		// burst on this P at once; the poller goes on when the burst ends
		// or blocks (a blocking callback parks its goroutine and the
		// poller resumes: other connections are not held up).
		runtime.Gosched()
	}
}

// peerHalfClosed reports whether the peer sent its FIN (the socket is in
// CLOSE_WAIT, or already gone).
func (e *evConn) peerHalfClosed() bool {
	if closed, _ := e.nc.IsClosed(); closed {
		return true // its fd may be another socket's by now
	}
	rc, err := e.nc.SyscallConn()
	if err != nil {
		return true
	}
	state := -1
	if cerr := rc.Control(func(fd uintptr) {
		// The first 4 bytes of struct tcp_info (tcpi_state is the first);
		// GetsockoptInt is there on every Linux architecture.
		v, err := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO)
		if err == nil {
			n := int32(v)
			state = int((*[4]byte)(unsafe.Pointer(&n))[0])
		}
	}); cerr != nil || state < 0 {
		return true
	}
	const tcpEstablished = 1
	return state != tcpEstablished
}

// fillLocked reads what the kernel holds into the feed (until a short
// read, EAGAIN or the end; unless all is true, only until the feed holds
// evFeedMax bytes: a fast peer refills the socket as it is read, so
// "until drained" alone has no bound), marks the feed paused when it is
// full, and wakes or starts the engine; it reports whether it started a
// burst or woke one waiting mid-message. Call with rmu held (not mu).
func (e *evConn) fillLocked(all bool) bool {
	var arr [2]evBuf
	e.mu.Lock()
	room := evFeedMax - e.fed
	e.mu.Unlock()
	for {
		got := arr[:0]
		eof, full := false, false
		var rerr error
		for {
			if !all && room <= 0 {
				full = true // the rest stays in the socket (paused)
				break
			}
			p := getChunk()
			n, err := e.nc.Read(*p)
			if n > 0 {
				got = append(got, evBuf{p: p, b: (*p)[:n]})
				room -= n
			} else {
				putChunk(p)
			}
			if n == len(*p) {
				continue // there may be more
			}
			switch {
			case n == 0 && err == nil:
				eof = true
			case err == nil, errors.Is(err, syscall.EAGAIN):
			case errors.Is(err, syscall.EINTR):
				continue
			default:
				eof, rerr = true, err
			}
			break
		}
		e.mu.Lock()
		if e.done {
			e.mu.Unlock()
			for _, b := range got {
				putChunk(b.p)
			}
			return false
		}
		if e.bufs == nil && len(got) > 0 {
			e.bufs = getEvBufs()
		}
		for _, b := range got {
			e.bufs = append(e.bufs, b)
			e.fed += len(b.b)
		}
		if eof && !e.eof {
			e.eof, e.err = true, rerr
		}
		if full && !e.eof && e.fed < evFeedMax/2 {
			// The engine took half the feed meanwhile: it would not
			// resume a pause (Read resumes below half), so read on.
			room = evFeedMax - e.fed
			e.mu.Unlock()
			continue
		}
		if !e.eof && (full || e.fed >= evFeedMax) {
			e.paused = true
		}
		woke := e.running && e.waiting
		start := e.wakeLocked()
		e.mu.Unlock()
		if start {
			evRun(e)
		}
		return start || woke
	}
}

// wakeLocked wakes the engine waiting for bytes, or reports that a burst
// must be started (running is then set). Call with mu held.
func (e *evConn) wakeLocked() bool {
	if e.running {
		if e.waiting {
			e.broadcastLocked() // not Signal: senders may wait on cond too
		}
		return false
	}
	if e.done || (e.fed == 0 && !e.eof) {
		return false
	}
	e.running = true
	return true
}

// onClose runs when the poller closed the socket (the peer closed it, an
// error, or our Close).
func (e *evConn) onClose(err error) {
	e.closed.Store(true)
	e.mu.Lock()
	if e.waiters.Load() > 0 {
		e.broadcastLocked() // senders waiting in waitDrain
	}
	if !e.eof {
		e.eof = true
		switch {
		case e.local.Load():
			e.err = net.ErrClosed
		case err != nil && !errors.Is(err, io.EOF):
			e.err = err
		}
	}
	start := e.wakeLocked()
	e.mu.Unlock()
	if start {
		evRun(e)
	}
}

// waitFedLocked waits until the feed holds bytes or the socket is closed;
// with nothing fed, or once we closed the socket ourselves, it returns the
// error that ended the stream (with mu released). What the feed still
// holds after our own close is not handed out: goroutine mode cannot read
// past its close either (the bytes are dropped with the feed, dropFeed).
// Call with mu held; engine goroutine only.
func (e *evConn) waitFedLocked() error {
	for e.fed == 0 && !e.eof && !e.local.Load() {
		e.waiting = true
		e.condLocked().Wait()
		e.waiting = false
	}
	local := e.local.Load()
	if e.fed > 0 && !local {
		return nil
	}
	err := e.err
	e.mu.Unlock()
	switch {
	case local:
		err = net.ErrClosed
	case err == nil:
		err = io.EOF
	}
	return err
}

// consumedLocked accounts for n bytes taken from the feed and releases
// mu; when that brings a paused feed below half, it reads what the
// poller left in the socket. Call with mu held.
func (e *evConn) consumedLocked(n int) {
	e.fed -= n
	resume := e.paused && e.fed < evFeedMax/2
	if resume {
		e.paused = false
	}
	e.mu.Unlock()
	if resume {
		// The poller left what came while paused in the socket, and an
		// edge-triggered poller reports only new bytes: read it here.
		e.rmu.Lock()
		e.fillLocked(false)
		e.rmu.Unlock()
	}
}

// take hands the engine's reader the feed's first chunk whole, so that it
// reads the bytes in place (connReader.fill) instead of copying them into
// a buffer of its own: the chunk (a readBufPool buffer) is the reader's
// from then on, and b the unread bytes in it. Mid-message it waits for
// bytes as Read does. Engine goroutine only.
func (e *evConn) take() (p *[]byte, b []byte, err error) {
	e.mu.Lock()
	if err := e.waitFedLocked(); err != nil {
		return nil, nil, err
	}
	first := e.bufs[0]
	e.popBufsLocked(1)
	evChunksOut.Add(-1) // the reader's now (readBufsOut)
	e.consumedLocked(len(first.b))
	return first.p, first.b, nil
}

// takeFeed is evConn.take for a connReader's source: ok is false when src
// is not an evConn.
func takeFeed(src io.Reader) (p *[]byte, b []byte, err error, ok bool) {
	e, ok := src.(*evConn)
	if !ok {
		return nil, nil, nil, false
	}
	p, b, err = e.take()
	return p, b, err, true
}

// Read hands the engine what the poller read; mid-message it waits for
// more. Engine goroutine only.
func (e *evConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	e.mu.Lock()
	if err := e.waitFedLocked(); err != nil {
		return 0, err
	}
	n, used := 0, 0
	for n < len(p) && used < len(e.bufs) {
		b := &e.bufs[used]
		k := copy(p[n:], b.b)
		b.b = b.b[k:]
		n += k
		if len(b.b) == 0 {
			putChunk(b.p)
			used++
		}
	}
	e.popBufsLocked(used)
	e.consumedLocked(n)
	return n, nil
}

// Write hands b to the poller's non-blocking write; it waits while the
// poller holds more than evWriteMax bytes unwritten, up to the write
// deadline.
func (e *evConn) Write(b []byte) (int, error) {
	e.pending.Add(int64(len(b)))
	if _, err := e.nc.Write(b); err != nil {
		return 0, err
	}
	if e.pending.Load() > evWriteMax {
		if err := e.waitDrain(); err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}

// writeVec writes a and b with one writev (see vecWriter), under the same
// bound as Write. nbio's Writev reports to OnWrittenSize only what it
// wrote of a vector it could not write whole (and buffered the rest of),
// buffers nothing when the socket takes nothing at all, and returns the
// same count for a vector written whole and one only buffered behind
// earlier bytes: so it is used only when the poller holds nothing
// unwritten (pending is 0: its buffer is empty and only its writes can
// lower pending meanwhile), and the other cases are settled here.
func (e *evConn) writeVec(a, b []byte) error {
	if e.pending.Load() != 0 {
		// Behind unwritten bytes: both go to the poller's buffer anyway.
		if _, err := e.Write(a); err != nil {
			return err
		}
		_, err := e.Write(b)
		return err
	}
	total := len(a) + len(b)
	e.pending.Add(int64(total))
	vec := [2][]byte{a, b}
	n, err := e.nc.Writev(vec[:])
	switch {
	case n == total && err == nil:
		e.wrote(total) // written whole: not reported
	case n > 0 && err == nil:
		// Part written (reported), the rest buffered by the poller.
	case n <= 0 && (err == nil || errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR)):
		// Nothing taken, nothing kept: the plain writes buffer it.
		e.pending.Add(-int64(total))
		if _, err := e.Write(a); err != nil {
			return err
		}
		_, err = e.Write(b)
		return err
	default:
		return err
	}
	if e.pending.Load() > evWriteMax {
		return e.waitDrain()
	}
	return nil
}

// waitDrain waits until the poller wrote enough of what it holds, the
// write deadline passed or the socket closed. The deadline is the one set
// on the socket, or WriteTimeout from now if that comes first: the
// engine arms no deadline per write on this socket (selfTimedWriter), so
// a wait is bounded from its start, as a raw socket's wait for a full
// send buffer is (sockWriteRaw).
func (e *evConn) waitDrain() error {
	e.waiters.Add(1)
	defer e.waiters.Add(-1)
	expired := false
	dl := e.wdl.Load()
	if e.c != nil {
		if d := e.c.opts.WriteTimeout; d > 0 {
			if t := time.Now().Add(d).UnixNano(); dl == 0 || t < dl {
				dl = t
			}
		}
	}
	if dl != 0 {
		d := time.Until(time.Unix(0, dl))
		if d <= 0 {
			return os.ErrDeadlineExceeded
		}
		t := time.AfterFunc(d, func() {
			e.mu.Lock()
			expired = true
			e.broadcastLocked()
			e.mu.Unlock()
		})
		defer t.Stop()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.pending.Load() > evWriteMax {
		switch {
		case e.closed.Load():
			return net.ErrClosed
		case expired:
			return os.ErrDeadlineExceeded
		}
		e.condLocked().Wait()
	}
	return nil
}

// wrote runs when the poller wrote n bytes to the socket.
func (e *evConn) wrote(n int) {
	if e.pending.Add(-int64(n)) <= evWriteMax && e.waiters.Load() > 0 {
		e.mu.Lock()
		e.broadcastLocked()
		e.mu.Unlock()
	}
}

// lazyCond is the sync.Cond of an evConn, made on first wait
// (condLocked): an idle connection holds none.
type lazyCond = sync.Cond

// condLocked returns cond, making it. Call with mu held.
func (e *evConn) condLocked() *sync.Cond {
	if e.cond == nil {
		e.cond = sync.NewCond(&e.mu)
	}
	return e.cond
}

// broadcastLocked wakes whoever waits on cond. Call with mu held.
func (e *evConn) broadcastLocked() {
	if e.cond != nil {
		e.cond.Broadcast()
	}
}

// feedSize is how many bytes the feed holds (tests).
func (e *evConn) feedSize() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fed
}

// Close closes the socket (the poller then reports it closed).
func (e *evConn) Close() error {
	e.local.Store(true)
	return e.nc.Close()
}

// LocalAddr implements net.Conn.
func (e *evConn) LocalAddr() net.Addr { return e.nc.LocalAddr() }

// RemoteAddr implements net.Conn.
func (e *evConn) RemoteAddr() net.Addr { return e.nc.RemoteAddr() }

// SetDeadline implements net.Conn; only the write deadline is used (the
// engine reads without deadlines).
func (e *evConn) SetDeadline(t time.Time) error { return e.SetWriteDeadline(t) }

// SetReadDeadline implements net.Conn; the engine sets none.
func (e *evConn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline bounds the wait of Write for the poller's buffer.
func (e *evConn) SetWriteDeadline(t time.Time) error {
	if t.IsZero() {
		e.wdl.Store(0)
	} else {
		e.wdl.Store(t.UnixNano())
	}
	return nil
}
