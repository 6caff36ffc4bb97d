package ws

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Echo throughput over TLS, HTTP/1.1 upgrade against an RFC 8441 stream
// on HTTP/2, and the cost of opening WebSockets: one TLS connection each
// against streams of one shared HTTP/2 connection. Compare with benchstat:
//
//	go test -run '^$' -bench 'BenchmarkH2' -count 6 ./ws
//
// Client and server run in the one test process: the CPU figures
// (cpu-us/msg, cpu-us/open, process rusage) and the memory figures are
// those of both ends together.

// cpuPer reports the process CPU time since start per op as metric unit.
func cpuPer(b *testing.B, start time.Duration, ops int, unit string) {
	if end, ok := processCPU(); ok && ops > 0 {
		b.ReportMetric(float64(end-start)/float64(time.Microsecond)/float64(ops), unit)
	}
}

// inUse is the heap and goroutine stack memory in use, after a GC.
func inUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

func BenchmarkH2Echo(b *testing.B) {
	for _, size := range []int{64, 16 << 10, 1 << 20} {
		for _, h2 := range []bool{false, true} {
			name := fmt.Sprintf("size=%d/proto=%s", size, map[bool]string{false: "h1-tls", true: "h2-tls"}[h2])
			b.Run(name, func(b *testing.B) {
				h := newH2Echo()
				s := startH2Server(b, NewServer(func() Handler { return h }, nil), true)
				o := DefaultOptions()
				o.TLSConfig = s.tls
				o.HTTP2 = h2
				c := h2Dial(b, s.url, o)
				want := "HTTP/1.1"
				if h2 {
					want = "HTTP/2.0"
				}
				require.Equal(b, want, c.Transport().HTTPVersion)
				p := make([]byte, size)
				b.SetBytes(int64(size))
				b.ResetTimer()
				cpu0, _ := processCPU()
				for range b.N {
					if err := c.SendMessage(p, true); err != nil {
						b.Fatal(err)
					}
					if _, _, err := c.ReadMessage(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				cpuPer(b, cpu0, b.N, "cpu-us/msg")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
				_ = c.Close()
			})
		}
	}
}

// BenchmarkH2Open opens (and closes) 1,000 WebSockets per iteration: over
// 1,000 TLS connections (HTTP/1.1), or as streams of one pooled HTTP/2
// connection. Besides opens/s it reports CPU per open (both ends),
// B/op and allocs/op per iteration of 1,000, and the heap and stack in
// use per open WebSocket (both ends) and goroutines per WebSocket while
// the 1,000 are open.
func BenchmarkH2Open(b *testing.B) {
	const n = 1000
	for _, h2 := range []bool{false, true} {
		b.Run(map[bool]string{false: "h1-tls-conns", true: "h2-one-conn"}[h2], func(b *testing.B) {
			h := newH2Echo()
			s := startH2Server(b, NewServer(func() Handler { return h }, nil), true)
			b.ReportAllocs()
			var held uint64
			var goroutines int
			cpu0, _ := processCPU()
			for i := range b.N {
				var mem0 uint64
				g0 := runtime.NumGoroutine()
				if i == 0 {
					b.StopTimer()
					mem0 = inUse()
					b.StartTimer()
				}
				var pool *HTTP2Pool
				if h2 {
					pool = NewHTTP2Pool()
				}
				o := DefaultOptions()
				o.TLSConfig = s.tls
				o.HTTP2 = h2
				o.HTTP2Pool = pool
				conns := make([]*Conn, 0, n)
				for range n {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					c, err := Dial(ctx, s.url, nil, o)
					cancel()
					if err != nil {
						b.Fatal(err)
					}
					conns = append(conns, c)
				}
				if i == 0 {
					b.StopTimer()
					if m := inUse(); m > mem0 {
						held = m - mem0
					}
					goroutines = runtime.NumGoroutine() - g0
					b.StartTimer()
				}
				var wg sync.WaitGroup
				for _, c := range conns {
					wg.Add(1)
					go func() { defer wg.Done(); _ = c.CloseNow(); <-c.Done() }()
				}
				wg.Wait()
				if pool != nil {
					_ = pool.Close()
				}
			}
			cpuPer(b, cpu0, b.N*n, "cpu-us/open")
			b.ReportMetric(float64(held)/n, "heap+stack-B/ws")
			b.ReportMetric(float64(goroutines)/n, "goroutines/ws")
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "opens/s")
		})
	}
}
