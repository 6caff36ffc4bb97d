package ws

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// echoPayloads returns k distinct JSON-like text messages of n bytes (a
// stream of similar but not identical messages, as real traffic is).
func echoPayloads(n, k int) [][]byte {
	out := make([][]byte, k)
	for j := range out {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, `{"seq":%d,"topic":"com.example.t%d","args":[%d,%q],"kw":{"price":%d.%02d}}`,
				j*1000+i, (i+j)%7, i*j, strings.Repeat("x", (i*7+j)%13), 100+(i*j)%97, (i+j)%100)
		}
		out[j] = []byte(b.String()[:n])
	}
	return out
}

// BenchmarkDeflateEcho is the loopback echo benchmark (one message out, its
// echo back, per op) with permessage-deflate off and in its memory modes.
// It reports messages/s (round trips) and the bytes on the wire per round
// trip, both directions, as the client counts them.
func BenchmarkDeflateEcho(b *testing.B) {
	modes := []struct {
		name string
		d    *DeflateOptions
	}{
		{"plain", nil},
		{"deflate", &DeflateOptions{}},
		{"deflate-history4k", &DeflateOptions{TakeoverHistory: 4096}},
		{"deflate-noctx", &DeflateOptions{NoContextTakeover: true}},
	}
	for _, size := range []int{128, 4096, 65536} {
		payloads := echoPayloads(size, 64)
		for _, m := range modes {
			b.Run(fmt.Sprintf("%s/%d", m.name, size), func(b *testing.B) {
				o := DefaultOptions()
				o.PerMessageDeflate = m.d
				o.MaxMessagePayloadSize = 0
				srv := NewServer(func() Handler { return pmdEcho{} }, o)
				ln, err := net.Listen("tcp4", "127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				go func() { _ = srv.Serve(ln) }()
				defer func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					defer cancel()
					_ = srv.Shutdown(ctx)
				}()
				ctx := context.Background()
				c, err := Dial(ctx, "ws://"+ln.Addr().String()+"/", nil, o)
				if err != nil {
					b.Fatal(err)
				}
				defer func() { _ = c.CloseNow() }()
				start := c.Stats()
				b.SetBytes(int64(size))
				b.ReportAllocs()
				i := 0
				t0 := time.Now()
				for b.Loop() {
					if err := c.SendMessage(payloads[i%len(payloads)], false); err != nil {
						b.Fatal(err)
					}
					if _, _, err := c.ReadMessage(ctx); err != nil {
						b.Fatal(err)
					}
					i++
				}
				elapsed := time.Since(t0)
				end := c.Stats()
				wire := (end.WireOctetsOut - start.WireOctetsOut) + (end.WireOctetsIn - start.WireOctetsIn)
				b.ReportMetric(float64(i)/elapsed.Seconds(), "msgs/s")
				b.ReportMetric(float64(wire)/float64(i), "wire-B/rtt")
			})
		}
	}
}
