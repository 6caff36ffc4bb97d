package ws

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// queueIdle reports whether c's send queue holds no item (the message in
// flight on a partial direct write is not an item).
func queueIdle(c *Conn) bool {
	q := c.sq.Load()
	if q == nil {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.head == len(q.items)
}

// TestBroadcastDirectPartialWrite: a frame larger than the socket takes is
// written in part by the direct path and finished by a goroutine that
// keeps the write locks: BufferedAmount counts the rest meanwhile, a ping
// and later messages (queued, broadcast) wait for it, and the peer reads
// every frame whole and in order.
func TestBroadcastDirectPartialWrite(t *testing.T) {
	cli, srv := tcpPair(t)
	smallBuffers(t, srv, cli)
	c := engine(t, srv, true, testOpts(), nil, nil)
	p := newPeer(t, cli, true)

	big := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB
	pm, err := PrepareMessage(big, true)
	require.NoError(t, err)
	require.NoError(t, c.SendPreparedAsync(pm))
	// The peer reads nothing yet: the rest of the frame is in flight.
	buffered := c.BufferedAmount()
	require.Greater(t, buffered, 0, "the whole frame was written at once")
	require.Less(t, buffered, len(pm.frame), "nothing was written directly")
	require.True(t, queueIdle(c), "the message was queued, not written in part")

	pingDone := make(chan error, 1)
	go func() { pingDone <- c.SendPing([]byte("between")) }()
	require.NoError(t, c.SendMessageAsync([]byte("after"), false))
	third, err := PrepareMessage([]byte("third"), false)
	require.NoError(t, err)
	require.Equal(t, BroadcastResult{Delivered: 1}, Broadcast([]*Conn{c}, third))

	var got []string
	pings := 0
	for len(got) < 3 {
		f := p.mustRead()
		switch f.op {
		case OpPing:
			require.Equal(t, "between", string(f.payload))
			pings++
			continue
		case OpBinary:
			require.True(t, f.fin)
			require.True(t, bytes.Equal(big, f.payload), "the big frame arrived corrupted (%d bytes)", len(f.payload))
			got = append(got, "big")
		default:
			require.Equal(t, OpText, f.op)
			got = append(got, string(f.payload))
		}
	}
	require.Equal(t, []string{"big", "after", "third"}, got)
	require.NoError(t, <-pingDone)
	if pings == 0 {
		f := p.mustRead()
		require.Equal(t, OpPing, f.op)
	}
	require.Eventually(t, func() bool { return c.BufferedAmount() == 0 }, testTimeout, time.Millisecond)
	st := c.Stats()
	require.EqualValues(t, 3, st.MessagesOut)
	require.EqualValues(t, len(big)+len("after")+len("third"), st.AppOctetsOut)
}

// TestBroadcastDirectFallbacks: connections the direct path cannot write
// (not a raw socket, a masking client) get the message through the queue,
// framed as they need it; a plain TCP server connection is written
// directly.
func TestBroadcastDirectFallbacks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pipe   bool
		server bool
		direct bool
	}{
		{"tcp server", false, true, true},
		{"pipe server", true, true, false},
		{"tcp client", false, false, false},
		{"pipe client", true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a, b net.Conn
			if tc.pipe {
				a, b = net.Pipe()
				t.Cleanup(func() { a.Close(); b.Close() })
			} else {
				a, b = tcpPair(t)
			}
			c := engine(t, a, tc.server, testOpts(), nil, nil)
			p := newPeer(t, b, tc.server)
			payload := []byte(strings.Repeat("fan-out ", 50))
			pm, err := PrepareMessage(payload, false)
			require.NoError(t, err)
			for range 3 {
				require.Equal(t, BroadcastResult{Delivered: 1}, Broadcast([]*Conn{c}, pm))
				f := p.mustRead()
				require.Equal(t, OpText, f.op)
				require.Equal(t, !tc.server, f.masked)
				require.Equal(t, payload, f.payload)
			}
			q := c.sq.Load()
			require.NotNil(t, q)
			require.Equal(t, tc.direct, q.raw != nil, "direct path taken or not")
			// (The queue's writer counts a message after writing it.)
			require.Eventually(t, func() bool { return c.Stats().MessagesOut == 3 }, testTimeout, time.Millisecond)
		})
	}
}

// TestBroadcastDirectClosedSocket: a connection whose socket was closed
// under it counts as closed, and the connection ends.
func TestBroadcastDirectClosedSocket(t *testing.T) {
	_, srv := tcpPair(t)
	c := engine(t, srv, true, testOpts(), nil, nil)
	require.NoError(t, srv.Close())
	pm, err := PrepareMessage([]byte("gone"), false)
	require.NoError(t, err)
	require.Equal(t, BroadcastResult{Closed: 1}, Broadcast([]*Conn{c}, pm))
	select {
	case <-c.Done():
	case <-time.After(testTimeout):
		t.Fatal("the connection did not end")
	}
	require.Equal(t, BroadcastResult{Closed: 1}, Broadcast([]*Conn{c}, pm))
}

// TestBroadcastSpread: a broadcast shared among goroutines counts every
// connection once, skips nil entries and reports the closed ones; every
// open connection gets the message.
func TestBroadcastSpread(t *testing.T) {
	const n = 11
	clis, srvs := loopbackPairs(t, n)
	conns := make([]*Conn, 0, n+2)
	peers := make([]*rawPeer, n)
	for i := range n {
		conns = append(conns, engine(t, srvs[i], true, testOpts(), nil, nil))
		peers[i] = newPeer(t, clis[i], true)
	}
	closed := conns[4]
	require.NoError(t, closed.CloseNow())
	<-closed.Done()
	conns = append(conns, nil, nil)
	pm, err := PrepareMessage([]byte("spread"), false)
	require.NoError(t, err)
	for _, workers := range []int{2, 3, 5, n + 2} {
		r, gone := broadcastSpread(conns, pm, workers, true)
		require.Equal(t, BroadcastResult{Delivered: n - 1, Closed: 1}, r, "%d workers", workers)
		require.Equal(t, []*Conn{closed}, gone, "%d workers", workers)
	}
	for i, p := range peers {
		if i == 4 {
			continue
		}
		require.Equal(t, []string{"spread", "spread", "spread", "spread"}, readMessages(t, p, 4), "conn %d", i)
	}
}

// TestBroadcastConcurrentSendersOrder: several goroutines broadcast to the
// same connections while another sends to each one blocking and queued;
// messages of many sizes and small socket buffers on some connections mix
// direct, partial and queued writes (slow readers behind small send
// buffers make the sends back up). Every connection gets every message
// whole, each sender's in order.
func TestBroadcastConcurrentSendersOrder(t *testing.T) {
	const n, broadcasters, per = 12, 3, 50
	clis, srvs := loopbackPairs(t, n)
	conns := make([]*Conn, n)
	slow := func(i int) bool { return i%3 == 0 }
	for i := range n {
		if slow(i) {
			// A small send buffer only: a small receive buffer can stall
			// loopback TCP for seconds (zero-window probes).
			require.NoError(t, srvs[i].(*net.TCPConn).SetWriteBuffer(8<<10))
		}
		o := testOpts()
		o.SendQueueLimit = 64 << 20
		conns[i] = engine(t, srvs[i], true, o, nil, nil)
	}
	msg := func(g, i int) []byte {
		return []byte(fmt.Sprintf("%d:%d:%s", g, i, strings.Repeat("y", (i%5)*12000)))
	}
	total := (broadcasters + 1) * per
	errs := make(chan error, n)
	var readers sync.WaitGroup
	for i := range n {
		readers.Add(1)
		go func() {
			defer readers.Done()
			p := newPeer(t, clis[i], true)
			next := make([]int, broadcasters+1)
			for range total {
				f, err := p.read()
				for err == nil && f.op != OpText {
					f, err = p.read()
				}
				if err != nil {
					errs <- fmt.Errorf("conn %d: %w", i, err)
					return
				}
				parts := strings.SplitN(string(f.payload), ":", 3)
				g, _ := strconv.Atoi(parts[0])
				k, _ := strconv.Atoi(parts[1])
				if len(parts) != 3 || g > broadcasters || k != next[g] || !f.fin || !bytes.Equal(f.payload, msg(g, k)) {
					errs <- fmt.Errorf("conn %d: got message %.20q, want %d:%d", i, f.payload, g, next[min(g, broadcasters)])
					return
				}
				next[g]++
				if slow(i) && k%8 == 0 {
					time.Sleep(time.Millisecond) // let the sends back up
				}
			}
		}()
	}
	var senders sync.WaitGroup
	results := make([]BroadcastResult, broadcasters)
	for g := range broadcasters {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for i := range per {
				pm, err := PrepareMessage(msg(g, i), false)
				assert.NoError(t, err)
				r := Broadcast(conns, pm)
				results[g].Delivered += r.Delivered
				results[g].Dropped += r.Dropped
				results[g].Closed += r.Closed
			}
		}()
	}
	senders.Add(1)
	go func() {
		defer senders.Done()
		for i := range per {
			for _, c := range conns {
				var err error
				if i%2 == 0 {
					err = c.SendMessage(msg(broadcasters, i), false)
				} else {
					err = c.SendMessageAsync(msg(broadcasters, i), false)
				}
				assert.NoError(t, err)
			}
		}
	}()
	senders.Wait()
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for g, r := range results {
		require.Equal(t, BroadcastResult{Delivered: n * per}, r, "broadcaster %d", g)
	}
	for i, c := range conns {
		require.Eventually(t, func() bool { return c.BufferedAmount() == 0 }, testTimeout, time.Millisecond, "conn %d", i)
	}
}

// TestBroadcastOverflowPolicies: broadcasts to a reader that stopped
// (written directly until its socket is full, then queued) fill its queue
// to the bound and never past it; each policy then does what it says,
// and a healthy connection in the same broadcasts gets every message.
func TestBroadcastOverflowPolicies(t *testing.T) {
	const limit = 64 << 10
	for _, pol := range []OverflowPolicy{OverflowError, OverflowDrop, OverflowClose} {
		t.Run(pol.String(), func(t *testing.T) {
			clis, srvs := loopbackPairs(t, 2)
			// A small send buffer only (a small receive buffer makes the
			// read-back below wait for zero-window probes).
			require.NoError(t, srvs[0].(*net.TCPConn).SetWriteBuffer(8<<10))
			o := testOpts()
			o.SendQueueLimit = limit
			o.SendQueueOverflow = pol
			stalled := engine(t, srvs[0], true, o, nil, nil)
			healthy := engine(t, srvs[1], true, testOpts(), nil, nil)
			conns := []*Conn{stalled, healthy}

			msg := func(i int) []byte {
				b := make([]byte, 4<<10)
				copy(b, fmt.Sprintf("%06d", i))
				return b
			}
			var sent []int
			var last BroadcastResult
			for i := range 4000 {
				pm, err := PrepareMessage(msg(i), true)
				require.NoError(t, err)
				last = Broadcast(conns, pm)
				require.LessOrEqual(t, stalled.BufferedAmount(), limit, "the queue passed its bound")
				sent = append(sent, i)
				if last.Delivered != 2 {
					break
				}
			}
			n := len(sent) - 1 // delivered to the stalled connection
			require.Greater(t, n, limit/(4<<10)-1, "refused while there was room")
			switch pol {
			case OverflowError:
				require.Equal(t, BroadcastResult{Delivered: 1, Dropped: 1}, last)
				require.Zero(t, stalled.DroppedMessages())
			case OverflowDrop:
				require.Equal(t, BroadcastResult{Delivered: 1, Dropped: 1}, last)
				require.EqualValues(t, 1, stalled.DroppedMessages())
			case OverflowClose:
				require.Equal(t, BroadcastResult{Delivered: 1, Closed: 1}, last)
				pm, err := PrepareMessage([]byte("late"), false)
				require.NoError(t, err)
				require.Equal(t, BroadcastResult{Delivered: 1, Closed: 1}, Broadcast(conns, pm))
			}

			got := readMessages(t, newPeer(t, clis[1], true), len(sent))
			for k, i := range sent {
				require.Equal(t, fmt.Sprintf("%06d", i), got[k][:6], "healthy connection")
			}
			p := newPeer(t, clis[0], true)
			if pol == OverflowClose {
				f := p.expectClose(ClosePolicyViolation)
				require.Contains(t, string(f.payload[2:]), "slow consumer")
				return
			}
			got = readMessages(t, p, n)
			for i := range n {
				require.Equal(t, fmt.Sprintf("%06d", i), got[i][:6], "stalled connection, once it reads")
			}
		})
	}
}

// TestBroadcastDirectAfterStaleDeadline: a connection whose last write
// armed a write deadline, then idled past it, still takes a broadcast on
// the direct path (a deadline left on the socket fails even non-blocking
// writes once it has passed; the direct path moves it on first) and stays
// open.
func TestBroadcastDirectAfterStaleDeadline(t *testing.T) {
	cli, srv := tcpPair(t)
	o := testOpts()
	o.WriteTimeout = 100 * time.Millisecond
	c := engine(t, srv, true, o, nil, nil)
	p := newPeer(t, cli, true)
	require.NoError(t, c.SendMessage([]byte("hello"), false)) // arms the deadline
	require.Equal(t, "hello", string(p.mustRead().payload))
	time.Sleep(300 * time.Millisecond) // past it; the peer reads all along
	pm, err := PrepareMessage([]byte("bcast"), false)
	require.NoError(t, err)
	r := Broadcast([]*Conn{c}, pm)
	assert.Equal(t, 1, r.Delivered, "%+v", r)
	assert.Zero(t, r.Closed, "%+v", r)
	require.Equal(t, "bcast", string(p.mustRead().payload))
	select {
	case <-c.Done():
		t.Fatal("a broadcast dropped a healthy idle connection")
	case <-time.After(100 * time.Millisecond):
	}
}
