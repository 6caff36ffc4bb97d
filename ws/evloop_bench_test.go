package ws

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkEchoMode compares the server's two modes, goroutine and event
// loop (Options.EventLoop), side by side: conns clients (goroutine mode,
// blocking API, the same for both) each send a binary message and wait
// for its echo, in a loop, until b.N echoes came back in all. Reports
// msgs/s (echoes per second over all connections) and cpu-ns/msg (the
// process's CPU time per echo, both ends). For benchstat:
//
//	go test -run '^$' -bench 'BenchmarkEchoMode' -count 6 ./ws | tee new.txt
//	benchstat -col /mode new.txt
func BenchmarkEchoMode(b *testing.B) {
	shapes := []struct {
		conns, size int
	}{
		{8, 64}, {8, 16 << 10}, {8, 1 << 20}, {1000, 1 << 10},
	}
	for _, sh := range shapes {
		for _, mode := range []string{"goroutine", "event"} {
			name := fmt.Sprintf("shape=%dx%s/mode=%s", sh.conns, sizeName(sh.size), mode)
			b.Run(name, func(b *testing.B) {
				if mode == "event" && !eventLoopAvailable() {
					b.Skip("no poller on this platform")
				}
				benchEchoMode(b, sh.conns, sh.size, mode == "event")
			})
		}
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

func benchEchoMode(b *testing.B, conns, size int, event bool) {
	so := DefaultOptions()
	so.EventLoop = event
	so.MaxMessagePayloadSize = 0
	h := &evEcho{}
	addr := startBenchServer(b, so, h)
	co := DefaultOptions()
	co.MaxMessagePayloadSize = 0
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cs := make([]*Conn, conns)
	for i := range cs {
		c, err := Dial(ctx, "ws://"+addr+"/", nil, co)
		if err != nil {
			b.Fatalf("dial %d: %v", i, err)
		}
		cs[i] = c
	}
	defer func() {
		for _, c := range cs {
			_ = c.CloseNow()
		}
	}()
	payload := make([]byte, size)
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	var failed atomic.Value
	b.SetBytes(int64(size))
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	start := time.Now()
	for _, c := range cs {
		wg.Add(1)
		go func(c *Conn) {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if err := c.SendMessage(payload, true); err != nil {
					failed.Store(err)
					return
				}
				if _, _, err := c.ReadMessage(ctx); err != nil {
					failed.Store(err)
					return
				}
			}
		}(c)
	}
	wg.Wait()
	el := time.Since(start)
	cpu1, _ := processCPU()
	b.StopTimer()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
	if cpuOK {
		// Process CPU (both ends: the clients are the same in both modes)
		// per echo; unlike msgs/s it holds on a loaded machine.
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/msg")
	}
}

// startBenchServer serves h on a loopback port until the benchmark ends.
func startBenchServer(b *testing.B, opts *Options, h Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(func() Handler { return h }, opts)
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = ln.Close()
	})
	return ln.Addr().String()
}
