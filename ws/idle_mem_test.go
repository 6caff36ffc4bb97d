package ws

import (
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// settledHeap is the live heap after collecting garbage.
func settledHeap() uint64 {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// openIdle opens n connections with dial (8 at a time) and returns what
// they keep open (closed at cleanup).
func openIdle(t *testing.T, n int, dial func() (net.Conn, error)) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
	})
	var wg sync.WaitGroup
	var failed atomic.Value
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := dial()
				if err != nil {
					failed.Store(fmt.Errorf("connection %d: %w", i, err))
					continue
				}
				conns[i] = c
			}
		}()
	}
	for i := range conns {
		next <- i
	}
	close(next)
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		require.NoError(t, err)
	}
	return conns
}

// tcpHeapPerConn is what n plain loopback TCP connections (both ends in
// this process, the accepted end kept) add to the heap, per connection:
// the baseline the WebSocket figures are measured against.
func tcpHeapPerConn(t *testing.T, n int) float64 {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	var mu sync.Mutex
	var accepted []net.Conn
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range accepted {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, c)
			mu.Unlock()
		}
	}()
	base := settledHeap()
	openIdle(t, n, func() (net.Conn, error) { return net.Dial("tcp4", ln.Addr().String()) })
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(accepted) == n }, testTimeout, time.Millisecond)
	return float64(int64(settledHeap())-int64(base)) / float64(n)
}

// TestIdleConnHeapBound: what an idle server connection (one message
// echoed, then idle) adds to the Go heap beyond its TCP socket (both ends
// in this process, so a plain TCP connection's cost is measured first and
// subtracted), in both modes. Measured when written (Xeon, go1.26):
// goroutine mode 1,800 B (beside its 4 KiB stack), event-loop mode
// 1,360 B (1,580 with -race). The
// bounds leave room for the race detector and noise, and fail if a
// per-connection cost of a few hundred bytes comes back (the opening
// handshake's *http.Request alone was 1.5 KB).
func TestIdleConnHeapBound(t *testing.T) {
	n := 1000
	if testing.Short() || raceEnabled {
		n = 400
	}
	tcp := tcpHeapPerConn(t, n)
	for _, tc := range []struct {
		name      string
		eventLoop bool
		bound     float64
	}{
		{"goroutine", false, 2300},
		{"eventloop", true, 1900},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.eventLoop && !eventLoopAvailable() {
				t.Skip("no event loop on this platform")
			}
			var msgs atomic.Int64
			o := DefaultOptions()
			o.EventLoop = tc.eventLoop
			srv := NewServer(func() Handler { return idleEcho{msgs: &msgs} }, o)
			addr := startServer(t, srv, "tcp4")
			payload := []byte("one message on each connection, then idle")
			base := settledHeap()
			openIdle(t, n, func() (net.Conn, error) {
				c, err := dialRawIdle(addr)
				if err != nil {
					return nil, err
				}
				if err := c.echo(payload, 0); err != nil {
					_ = c.nc.Close()
					return nil, err
				}
				return c.nc, nil // the client keeps its socket only, as the TCP baseline
			})
			require.Equal(t, int64(n), msgs.Load())
			per := float64(int64(settledHeap())-int64(base))/float64(n) - tcp
			t.Logf("%d idle connections: %.0f heap bytes each beyond TCP (TCP both ends: %.0f)", n, per, tcp)
			require.Less(t, per, tc.bound, "heap per idle connection")
		})
	}
}

// TestConnFitsSizeClass keeps Conn inside the 704-byte size class (696
// bytes plus the 8-byte header Go puts on pointerful objects over 512
// bytes): one field more moves every connection into the 768-byte class,
// 64 bytes more per idle connection.
func TestConnFitsSizeClass(t *testing.T) {
	assert.LessOrEqual(t, int(unsafe.Sizeof(Conn{})), 696)
}
