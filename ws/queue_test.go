package ws

import (
	"errors"
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

// smallBuffers shrinks the kernel buffers of a loopback pair so that a
// peer that stops reading stalls the writer after a few KiB, not MiBs.
func smallBuffers(t testing.TB, srv, cli net.Conn) {
	t.Helper()
	require.NoError(t, srv.(*net.TCPConn).SetWriteBuffer(8<<10))
	require.NoError(t, cli.(*net.TCPConn).SetReadBuffer(8<<10))
}

// readMessages reads n whole data messages (reassembling fragments) from
// the raw peer, failing on a data frame that starts a message while
// another is open (interleaving).
func readMessages(t testing.TB, p *rawPeer, n int) []string {
	t.Helper()
	var out []string
	var cur []byte
	open := false
	for len(out) < n {
		f := p.mustRead()
		switch f.op {
		case OpText, OpBinary:
			require.False(t, open, "a message started inside another (interleaved frames)")
			cur, open = append([]byte(nil), f.payload...), true
		case OpContinuation:
			require.True(t, open, "continuation without a message")
			cur = append(cur, f.payload...)
		default:
			continue
		}
		if f.fin {
			out = append(out, string(cur))
			open = false
		}
	}
	return out
}

// TestQueueOrderMixedSenders: senders mixing queued, blocking, prepared
// and streamed sends keep each sender's order, and no two messages'
// frames interleave.
func TestQueueOrderMixedSenders(t *testing.T) {
	for _, frag := range []int{0, 5} {
		t.Run(fmt.Sprintf("frag=%d", frag), func(t *testing.T) {
			cli, srv := tcpPair(t)
			o := testOpts()
			o.AutoFragmentSize = frag
			o.SendQueueLimit = 64 << 20
			c := engine(t, srv, true, o, nil, nil)
			p := newPeer(t, cli, true)
			const senders, per = 4, 150
			var wg sync.WaitGroup
			// One streamed message at a time (BeginMessage fails while
			// one is in progress, as documented): the streamed sends of
			// the senders take turns; all other sends race freely.
			var streamMu sync.Mutex
			for g := range senders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range per {
						msg := fmt.Sprintf("%d:%d:%s", g, i, strings.Repeat("x", i%17))
						var err error
						switch i % 5 {
						case 0, 1:
							err = c.SendMessageAsync([]byte(msg), false)
						case 2:
							err = c.SendMessage([]byte(msg), false)
						case 3:
							pm, perr := PrepareMessage([]byte(msg), false)
							require.NoError(t, perr)
							if i%2 == 0 {
								err = c.SendPreparedAsync(pm)
							} else {
								err = c.SendPrepared(pm)
							}
						case 4:
							streamMu.Lock()
							if err = c.BeginMessage(false, false); err == nil {
								for _, part := range []string{msg[:2], msg[2:]} {
									if err = c.SendMessageFrameData([]byte(part)); err != nil {
										break
									}
								}
								if err == nil {
									err = c.EndMessage()
								}
							}
							streamMu.Unlock()
						}
						assert.NoError(t, err)
					}
				}()
			}
			got := readMessages(t, p, senders*per)
			wg.Wait()
			next := make([]int, senders)
			for _, m := range got {
				parts := strings.SplitN(m, ":", 3)
				require.Len(t, parts, 3, "message %q", m)
				g, _ := strconv.Atoi(parts[0])
				i, _ := strconv.Atoi(parts[1])
				require.Equal(t, next[g], i, "sender %d out of order", g)
				require.Equal(t, strings.Repeat("x", i%17), parts[2])
				next[g]++
			}
			require.Eventually(t, func() bool { return c.BufferedAmount() == 0 }, testTimeout, time.Millisecond)
		})
	}
}

// fillUntil queues 4 KiB messages on c until the send returns an error or
// DroppedMessages grows (a bounded loop); it returns how many were queued
// and the error.
func fillUntil(t *testing.T, c *Conn) (int, error) {
	t.Helper()
	msg := make([]byte, 4<<10)
	for i := range 4000 {
		copy(msg, fmt.Sprintf("%06d", i))
		err := c.SendMessageAsync(msg, true)
		if err != nil || c.DroppedMessages() > 0 {
			return i, err
		}
	}
	t.Fatal("the send queue never filled")
	return 0, nil
}

// TestQueueOverflowPolicies: a peer that stops reading fills the queue to
// its bound, never past it, and each policy does what it says.
func TestQueueOverflowPolicies(t *testing.T) {
	const limit = 64 << 10
	for _, pol := range []OverflowPolicy{OverflowError, OverflowDrop, OverflowClose} {
		t.Run(pol.String(), func(t *testing.T) {
			cli, srv := tcpPair(t)
			smallBuffers(t, srv, cli)
			o := testOpts()
			o.SendQueueLimit = limit
			o.SendQueueOverflow = pol
			h := newRec()
			c := engine(t, srv, true, o, h, nil)
			p := newPeer(t, cli, true)

			n, err := fillUntil(t, c)
			require.LessOrEqual(t, c.BufferedAmount(), limit, "the queue passed its bound")
			switch pol {
			case OverflowError:
				require.ErrorIs(t, err, ErrSendQueueFull)
				require.GreaterOrEqual(t, n, limit/(4<<10)-1, "refused while there was room")
				// The connection is unaffected: everything queued arrives in
				// order, then a blocking send.
				// (A blocking send writes the queue out first: read meanwhile.)
				errc := make(chan error, 1)
				go func() { errc <- c.SendMessage([]byte("after"), false) }()
				got := readMessages(t, p, n+1)
				require.NoError(t, <-errc)
				for i := range n {
					require.Equal(t, fmt.Sprintf("%06d", i), got[i][:6])
				}
				require.Equal(t, "after", got[n])
			case OverflowDrop:
				require.NoError(t, err)
				require.EqualValues(t, 1, c.DroppedMessages())
				require.NoError(t, c.SendMessageAsync([]byte("after"), false))
				got := readMessages(t, p, n+1)
				for i := range n {
					require.Equal(t, fmt.Sprintf("%06d", i), got[i][:6])
				}
				require.Equal(t, "after", got[n])
			case OverflowClose:
				require.ErrorIs(t, err, ErrSendQueueFull)
				require.ErrorIs(t, c.SendMessageAsync([]byte("late"), false), ErrClosed)
				f := p.expectClose(ClosePolicyViolation)
				require.Contains(t, string(f.payload[2:]), "slow consumer")
				p.send(OpClose, true, closePayload(ClosePolicyViolation, ""))
				ci := h.waitClose(t)
				require.True(t, ci.wasClean)
				require.Equal(t, 0, c.BufferedAmount())
			}
		})
	}
}

// TestQueueMessageLargerThanLimit: a message that can never fit is refused
// even on an empty queue.
func TestQueueMessageLargerThanLimit(t *testing.T) {
	cli, srv := tcpPair(t)
	o := testOpts()
	o.SendQueueLimit = 1000
	c := engine(t, srv, true, o, nil, nil)
	_ = newPeer(t, cli, true)
	require.ErrorIs(t, c.SendMessageAsync(make([]byte, 1000), true), ErrSendQueueFull)
	require.NoError(t, c.SendMessageAsync(make([]byte, 900), true))
}

// bpHandler records backpressure events.
type bpHandler struct {
	*recHandler
	events chan string
}

func (h bpHandler) OnSendPause(c *Conn) { h.events <- "pause:" + strconv.Itoa(c.BufferedAmount()) }
func (h bpHandler) OnSendResume(c *Conn) {
	h.events <- "resume:" + strconv.Itoa(c.BufferedAmount())
	// A blocking send from the callback: it goes after what is queued.
	_ = c.SendMessage([]byte("resumed"), false)
}

// TestQueueBackpressureEvents: pause when the high-water mark is crossed,
// resume at the low one, alternating, with the amounts they promise.
func TestQueueBackpressureEvents(t *testing.T) {
	cli, srv := tcpPair(t)
	smallBuffers(t, srv, cli)
	o := testOpts()
	o.SendQueueLimit = 1 << 20
	o.SendQueueHighWater = 32 << 10
	o.SendQueueLowWater = 8 << 10
	h := bpHandler{newRec(), make(chan string, 100)}
	c := engine(t, srv, true, o, h, nil)
	p := newPeer(t, cli, true)

	msg := make([]byte, 1<<10)
	sent := 0
	paused := false
	for ; sent < 2000 && !paused; sent++ {
		require.NoError(t, c.SendMessageAsync(msg, true))
		select {
		case e := <-h.events:
			require.True(t, strings.HasPrefix(e, "pause:"), e)
			// The pause comes from the send that crossed the mark, so
			// what was queued by then is over it; BufferedAmount read in
			// the callback may already be lower (the writer drains it).
			amt, _ := strconv.Atoi(e[len("pause:"):])
			require.Greater(t, (sent+1)*(len(msg)+frameHeaderSize(len(msg))), 32<<10)
			require.LessOrEqual(t, amt, (sent+1)*(len(msg)+frameHeaderSize(len(msg))))
			paused = true
		default:
		}
	}
	require.True(t, paused, "no OnSendPause")
	// The peer reads everything: one resume, at or below the low mark,
	// whose own message comes last.
	got := readMessages(t, p, sent+1)
	require.Equal(t, "resumed", got[sent])
	select {
	case e := <-h.events:
		require.True(t, strings.HasPrefix(e, "resume:"), e)
		amt, _ := strconv.Atoi(e[len("resume:"):])
		require.LessOrEqual(t, amt, 8<<10)
	case <-time.After(testTimeout):
		t.Fatal("no OnSendResume")
	}
	require.Eventually(t, func() bool { return c.BufferedAmount() == 0 }, testTimeout, time.Millisecond)
	select {
	case e := <-h.events:
		t.Fatalf("unexpected event %s", e)
	default:
	}
}

// TestQueueCloseAfterQueued: Close sends what was queued, then the close
// frame; nothing can be queued after it.
func TestQueueCloseAfterQueued(t *testing.T) {
	cli, srv := tcpPair(t)
	h := newRec()
	c := engine(t, srv, true, testOpts(), h, nil)
	p := newPeer(t, cli, true)
	const n = 200
	for i := range n {
		require.NoError(t, c.SendMessageAsync([]byte(fmt.Sprintf("m%03d%s", i, strings.Repeat(".", 1000))), false))
	}
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	got := readMessages(t, p, n)
	for i := range n {
		require.Equal(t, fmt.Sprintf("m%03d", i), got[i][:4])
	}
	p.expectClose(CloseNormal)
	require.ErrorIs(t, c.SendMessageAsync([]byte("late"), false), ErrClosed)
	p.send(OpClose, true, closePayload(CloseNormal, ""))
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(testTimeout):
		t.Fatal("Close did not return")
	}
	require.True(t, h.waitClose(t).wasClean)
}

// TestQueueIdleCost: a connection that never queues has no queue; one
// that drained has no writer goroutine and no queued items left.
func TestQueueIdleCost(t *testing.T) {
	cli, srv := tcpPair(t)
	c := engine(t, srv, true, testOpts(), nil, nil)
	p := newPeer(t, cli, true)
	require.NoError(t, c.SendMessage([]byte("blocking"), false))
	require.Nil(t, c.sq.Load(), "a blocking send allocated the queue")
	require.Equal(t, 0, c.BufferedAmount())
	require.NoError(t, c.SendMessageAsync([]byte("queued"), false))
	require.Equal(t, []string{"blocking", "queued"}, readMessages(t, p, 2))
	q := c.sq.Load()
	require.NotNil(t, q)
	require.Eventually(t, func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return !q.running && q.head == 0 && len(q.items) == 0 && q.bytes == 0
	}, testTimeout, time.Millisecond)
}

// TestQueueWriteErrorDiscards: when the peer goes away the queue is
// thrown away and later sends say the connection is closed.
func TestQueueWriteErrorDiscards(t *testing.T) {
	cli, srv := tcpPair(t)
	smallBuffers(t, srv, cli)
	h := newRec()
	c := engine(t, srv, true, testOpts(), h, nil)
	msg := make([]byte, 4<<10)
	for range 10 {
		require.NoError(t, c.SendMessageAsync(msg, true))
	}
	require.NoError(t, cli.Close())
	h.waitClose(t)
	require.Eventually(t, func() bool { return c.BufferedAmount() == 0 }, testTimeout, time.Millisecond)
	err := c.SendMessageAsync(msg, true)
	require.True(t, errors.Is(err, ErrClosed), "got %v", err)
}

func TestOverflowPolicyString(t *testing.T) {
	for p, want := range map[OverflowPolicy]string{OverflowError: "error", OverflowDrop: "drop", OverflowClose: "close", 7: "OverflowPolicy(7)"} {
		assert.Equal(t, want, p.String())
	}
}

func TestQueueLimitsDefaults(t *testing.T) {
	for _, tc := range []struct {
		lim, high, low        int
		wantL, wantH, wantLow int
	}{
		{0, 0, 0, DefaultSendQueueLimit, DefaultSendQueueLimit / 2, DefaultSendQueueLimit / 8},
		{1000, 600, 100, 1000, 600, 100},
		{1000, 2000, 0, 1000, 500, 125},
		{1000, 400, 500, 1000, 400, 100},
	} {
		l, h, lo := (&Options{SendQueueLimit: tc.lim, SendQueueHighWater: tc.high, SendQueueLowWater: tc.low}).queueLimits()
		assert.Equal(t, []int{tc.wantL, tc.wantH, tc.wantLow}, []int{l, h, lo}, "%+v", tc)
	}
}
