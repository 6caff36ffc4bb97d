package bench

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/ws"
)

// End-to-end echo benchmarks: our client and our server over loopback TCP,
// one connection, one message in flight (send, wait for the echo). They
// cover everything per byte: client masking, server unmasking and UTF-8
// validation (text), framing, the socket, and the same on the way back.
//
// AUTOBAHN_USE_NVX is read once per process, so `make bench-echo` runs the
// benchmarks twice (AUTOBAHN_USE_NVX=1 and =0); the nvx=on/off level of the
// name says which run it was (from ws.UsesNVX).

var echoSizes = []struct {
	name string
	n    int
}{
	{"64B", 64},
	{"16KiB", 16 << 10},
	{"1MiB", 1 << 20},
}

// nvxLabel names the NVX setting of this process.
func nvxLabel() string {
	if ws.UsesNVX() {
		return "nvx=on"
	}
	return "nvx=off"
}

// textPayload returns valid UTF-8 of exactly n bytes mixing 1- to 4-byte
// code points, so text benchmarks exercise the full validator.
func textPayload(n int) []byte {
	runes := []rune{'a', 'u', 't', 'o', 'b', 'a', 'h', 'n', ' ', 'é', '€', '😀', '-', 'g', 'o', '\n'}
	out := make([]byte, 0, n)
	for i := 0; len(out) < n; i++ {
		r := runes[i%len(runes)]
		if len(out)+utf8.RuneLen(r) > n {
			r = 'x'
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// binaryPayload returns n bytes of every value.
func binaryPayload(n int) []byte {
	out := make([]byte, n)
	x := uint32(2463534242)
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = byte(x)
	}
	return out
}

// echoServerHandler sends every message back with its type.
type echoServerHandler struct{ ws.BaseHandler }

func (echoServerHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	_ = c.SendMessage(payload, isBinary)
}

// echoClientHandler signals the length of each message received.
type echoClientHandler struct {
	ws.BaseHandler
	got chan []byte
}

func (h *echoClientHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) { h.got <- payload }

// startEchoServer serves echoServerHandler on loopback; stop shuts it down.
func startEchoServer(tb testing.TB, opts *ws.Options) (url string, stop func()) {
	tb.Helper()
	return startServer(tb, func() ws.Handler { return echoServerHandler{} }, opts)
}

// startServer serves NewServer(newHandler, opts) on loopback; stop shuts it
// down.
func startServer(tb testing.TB, newHandler func() ws.Handler, opts *ws.Options) (url string, stop func()) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := ws.NewServer(newHandler, opts)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return "ws://" + ln.Addr().String() + "/", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		select {
		case <-served:
		case <-time.After(10 * time.Second):
			tb.Error("echo server did not stop")
		}
	}
}

// BenchmarkEcho measures echo round trips: msgs/s is round trips per
// second, MB/s the payload bytes echoed per second (one direction).
func BenchmarkEcho(b *testing.B) {
	b.Run(nvxLabel(), func(b *testing.B) {
		for _, size := range echoSizes {
			for _, binary := range []bool{false, true} {
				for _, deflate := range deflateModes() {
					name := fmt.Sprintf("size=%s/type=%s", size.name, map[bool]string{false: "text", true: "binary"}[binary])
					if deflate {
						name += "/deflate=on"
					}
					b.Run(name, func(b *testing.B) { benchEcho(b, size.n, binary, deflate) })
				}
			}
		}
	})
}

func benchEcho(b *testing.B, size int, binary, deflate bool) {
	payload := textPayload(size)
	if binary {
		payload = binaryPayload(size)
	}
	opts := ws.DefaultOptions()
	setDeflate(opts, deflate)
	url, stop := startEchoServer(b, opts)
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := &echoClientHandler{got: make(chan []byte, 1)}
	c, err := ws.Dial(ctx, url, h, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = c.SendClose(1000, "")
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			b.Error("client not done after close")
		}
	}()

	// one checked round trip before timing
	if err := c.SendMessage(payload, binary); err != nil {
		b.Fatal(err)
	}
	select {
	case got := <-h.got:
		if string(got) != string(payload) {
			b.Fatalf("echo differs: sent %d bytes, got %d", len(payload), len(got))
		}
	case <-time.After(10 * time.Second):
		b.Fatal("no echo")
	}

	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.SendMessage(payload, binary); err != nil {
			b.Fatal(err)
		}
		if got := <-h.got; len(got) != size {
			b.Fatalf("echo of %d bytes came back with %d", size, len(got))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
