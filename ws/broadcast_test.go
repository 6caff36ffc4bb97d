package ws

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// loopbackPairs returns n loopback TCP pairs (client end, server end)
// through one listener, closed at the end of the test.
func loopbackPairs(t testing.TB, n int) (clis, srvs []net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	for range n {
		a, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		b, err := ln.Accept()
		require.NoError(t, err)
		clis, srvs = append(clis, a), append(srvs, b)
	}
	t.Cleanup(func() {
		for i := range clis {
			clis[i].Close()
			srvs[i].Close()
		}
	})
	return clis, srvs
}

// readN reads n whole unfragmented, unmasked data frames and checks each
// against want(i); it returns the first problem (run on its own
// goroutine). Its deadline is generous: thousands of readers share two
// loaded cores.
func readN(p *rawPeer, n int, want func(i int) []byte) error {
	_ = p.c.SetReadDeadline(time.Now().Add(2 * time.Minute))
	for i := 0; i < n; {
		h, size, err := readTestFrameHeader(p.br)
		if err == nil && h[1]&0x80 != 0 {
			err = errors.New("masked frame from the server")
		}
		if err != nil || size > 1<<20 {
			return fmt.Errorf("message %d: %v (%d bytes)", i, err, size)
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(p.br, payload); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		if op := h[0] & 0xF; op != OpBinary && op != OpText {
			continue
		}
		if h[0]&0x80 == 0 || !bytes.Equal(payload, want(i)) {
			return fmt.Errorf("message %d: wrong frame (%d bytes)", i, len(payload))
		}
		i++
	}
	return nil
}

// TestBroadcastStalledReaders: a broadcast to thousands of connections,
// 1% of whose readers never read: the others get every message, whole and
// in order; the stalled ones hold at most their queue bound and drop the
// rest; the counts add up exactly.
func TestBroadcastStalledReaders(t *testing.T) {
	n, msgs := broadcastTestConns, 30
	if testing.Short() {
		n = 300
	}
	stalledEvery := 100
	const stalledLimit = 16 << 10
	clis, srvs := loopbackPairs(t, n)
	conns := make([]*Conn, n)
	for i := range n {
		o := testOpts()
		o.SendQueueLimit = 4 << 20
		o.SendQueueOverflow = OverflowDrop
		if i%stalledEvery == 0 {
			smallBuffers(t, srvs[i], clis[i])
			o.SendQueueLimit = stalledLimit
		}
		conns[i] = engine(t, srvs[i], true, o, nil, nil)
	}
	payload := func(m int) []byte { return bytes.Repeat([]byte{byte('a' + m%26)}, 4<<10) }

	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		if i%stalledEvery == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := readN(newPeer(t, clis[i], true), msgs, payload); err != nil {
				errs <- fmt.Errorf("conn %d: %w", i, err)
			}
		}()
	}
	var total BroadcastResult
	start := time.Now()
	for m := range msgs {
		pm, err := PrepareMessage(payload(m), true)
		require.NoError(t, err)
		r := Broadcast(conns, pm)
		total.Delivered += r.Delivered
		total.Dropped += r.Dropped
		total.Closed += r.Closed
	}
	queued := time.Since(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d broadcasts of 4 KiB to %d connections queued in %v; all healthy readers had them after %v", msgs, n, queued, time.Since(start))

	stalled := n / stalledEvery
	var dropped uint64
	for i := 0; i < n; i += stalledEvery {
		require.LessOrEqual(t, conns[i].BufferedAmount(), stalledLimit, "conn %d passed its queue bound", i)
		require.NotZero(t, conns[i].DroppedMessages(), "stalled conn %d dropped nothing", i)
		dropped += conns[i].DroppedMessages()
	}
	require.Equal(t, 0, total.Closed)
	require.EqualValues(t, dropped, total.Dropped)
	require.Equal(t, n*msgs, total.Delivered+total.Dropped)
	require.Greater(t, total.Delivered, (n-stalled)*msgs-1)
}

// TestGroupBroadcast: rooms add, remove, filter and prune closed members,
// with exact counts.
func TestGroupBroadcast(t *testing.T) {
	const n = 40
	clis, srvs := loopbackPairs(t, n)
	var g Group
	conns := make([]*Conn, n)
	peers := make([]*rawPeer, n)
	for i := range n {
		conns[i] = engine(t, srvs[i], true, testOpts(), nil, nil)
		peers[i] = newPeer(t, clis[i], true)
		g.Add(conns[i])
		g.Add(conns[i]) // once only
	}
	require.Equal(t, n, g.Len())
	g.Remove(conns[0])
	require.Equal(t, n-1, g.Len())
	members := g.Conns()
	require.Len(t, members, n-1)
	for _, c := range members {
		require.True(t, c != conns[0], "a removed conn is still a member")
	}

	// conns[1] closes: the broadcast counts it closed and prunes it.
	_ = conns[1].CloseNow()
	<-conns[1].Done()

	r := g.BroadcastMessage([]byte("all"), false)
	require.Equal(t, BroadcastResult{Delivered: n - 2, Closed: 1}, r)
	require.Equal(t, n-2, g.Len())

	pm, err := PrepareMessage([]byte("even"), false)
	require.NoError(t, err)
	idx := map[*Conn]int{}
	for i, c := range conns {
		idx[c] = i
	}
	r = g.BroadcastFunc(pm, func(c *Conn) bool { return idx[c]%2 == 0 })
	require.Equal(t, BroadcastResult{Delivered: n/2 - 1}, r)

	// The package-level form, with a nil entry and a filter.
	r = BroadcastFunc(append([]*Conn{nil}, conns[2:]...), pm, func(c *Conn) bool { return idx[c] == 3 })
	require.Equal(t, BroadcastResult{Delivered: 1}, r)

	for i := 2; i < n; i++ {
		want := []string{"all"}
		if i%2 == 0 {
			want = append(want, "even")
		}
		if i == 3 {
			want = append(want, "even")
		}
		require.Equal(t, want, readMessages(t, peers[i], len(want)), "conn %d", i)
	}
	require.Equal(t, BroadcastResult{}, Broadcast(conns, nil))
}
