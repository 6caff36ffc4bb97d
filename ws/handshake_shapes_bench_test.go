package ws

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The cost of a server's opening handshake checks for requests of every
// shape near the 64 KiB header limit (issue 8, item 4): each must cost
// well under 1 ms of CPU, linear in the request size. Run with
//
//	go test -run '^$' -bench 'BenchmarkHandshakeShapes' -benchmem ./ws
//
// Besides ns/op they report cpu-ns/op, the process CPU time per handshake
// (GC included; in the Loopback variant the client's share too), which
// stays meaningful on a loaded machine.
//
// BenchmarkHandshakeShapes runs what the server does with a parsed request
// before it hijacks the connection: checkRequest, the X-Forwarded-For
// peer, the subprotocol choice and extension negotiation; the Loopback
// variant sends the whole request to a real Server and reads its answer.

// handshakeShapeBudget is what the header block of a shape fills: just
// under the default MaxHeaderBytes (64 KiB), leaving room for the rest of
// the request.
const handshakeShapeBudget = 60 << 10

// shortTokens returns n distinct tokens, shortest first, over [a-z0-9].
func shortTokens(n int) []string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]string, 0, n)
	for width := 1; len(out) < n; width++ {
		idx := make([]int, width)
		for len(out) < n {
			b := make([]byte, width)
			for i, x := range idx {
				b[i] = alphabet[x]
			}
			out = append(out, string(b))
			i := width - 1
			for i >= 0 {
				idx[i]++
				if idx[i] < len(alphabet) {
					break
				}
				idx[i] = 0
				i--
			}
			if i < 0 {
				break
			}
		}
	}
	return out
}

// fillList joins items with sep up to about budget bytes.
func fillList(budget int, sep string, item func(i int) string) (string, int) {
	var b strings.Builder
	n := 0
	for {
		it := item(n)
		if b.Len()+len(sep)+len(it) > budget {
			return b.String(), n
		}
		if n > 0 {
			b.WriteString(sep)
		}
		b.WriteString(it)
		n++
	}
}

// shapeRequest renders an opening handshake with lines added as they are
// (repeated names kept, unlike upgradeRequest); a Connection line replaces
// the default one.
func shapeRequest(lines []string) string {
	var b strings.Builder
	b.WriteString("GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n")
	b.WriteString("Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n")
	conn := "Connection: Upgrade"
	for _, l := range lines {
		if strings.HasPrefix(l, "Connection:") {
			conn = l
			continue
		}
		b.WriteString(l + "\r\n")
	}
	b.WriteString(conn + "\r\n\r\n")
	return b.String()
}

// handshakeShape is one request shape: its extra header lines and the
// server options it meets.
type handshakeShape struct {
	name  string
	lines []string
	opts  func(o *Options)
	// status is the expected outcome: 0 accepted, else the refusal.
	status int
}

func handshakeShapes() []handshakeShape {
	toks := shortTokens(16000)
	protoList := strings.Join(toks, ",")
	protoDup := protoList[:strings.LastIndexByte(protoList, ',')+1] + toks[0]

	deflateOn := func(o *Options) { o.PerMessageDeflate = &DeflateOptions{} }
	serverProtos := func(o *Options) {
		for i := range 64 {
			o.Protocols = append(o.Protocols, fmt.Sprintf("server-proto-%d", i))
		}
	}

	validOffer := "permessage-deflate; client_max_window_bits; server_max_window_bits=10; client_no_context_takeover; server_no_context_takeover"
	validOffers, nValid := fillList(handshakeShapeBudget, ", ", func(int) string { return validOffer })
	badOffers, nBad := fillList(handshakeShapeBudget-len(validOffer)-2, ", ", func(i int) string {
		switch i % 3 {
		case 0:
			return "permessage-deflate; x=1; y"
		case 1:
			return "permessage-deflate; server_max_window_bits=99"
		default:
			return "permessage-deflate; server_no_context_takeover; server_no_context_takeover"
		}
	})
	badOffers += ", " + validOffer
	otherExts, nOther := fillList(handshakeShapeBudget, ",", func(i int) string { return "x" + toks[i%len(toks)] + ";a;b=1;c=\"2\"" })
	manyParams, nParams := fillList(handshakeShapeBudget-len("permessage-deflate"), "", func(i int) string { return ";p" + toks[i%len(toks)] })
	manyParams = "foo" + manyParams + ", permessage-deflate"
	longOrigin := "https://" + strings.Repeat("a", handshakeShapeBudget-len("https://.example.org")) + ".example.org"
	connTokens, nConn := fillList(handshakeShapeBudget, ", ", func(int) string { return "keep-alive" })
	connTokens += ", Upgrade"
	xff, nXFF := fillList(handshakeShapeBudget, ", ", func(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) })
	var manyHeaders []string
	for i, size := 0, 0; size < handshakeShapeBudget; i++ {
		l := fmt.Sprintf("X-Custom-%d: %s", i, strings.Repeat("v", 40))
		manyHeaders = append(manyHeaders, l)
		size += len(l) + 2
	}
	var protoLines []string
	for i, size := 0, 0; size < handshakeShapeBudget; i++ {
		l := "Sec-WebSocket-Protocol: " + toks[i]
		protoLines = append(protoLines, l)
		size += len(l) + 2
	}

	return []handshakeShape{
		{name: "baseline"},
		{name: fmt.Sprintf("subprotocols-%d-distinct", len(toks)), lines: []string{"Sec-WebSocket-Protocol: " + protoList}, opts: serverProtos},
		{name: fmt.Sprintf("subprotocols-%d-dup-at-end", len(toks)), lines: []string{"Sec-WebSocket-Protocol: " + protoDup}, status: 400},
		{name: fmt.Sprintf("subprotocol-lines-%d", len(protoLines)), lines: protoLines, opts: serverProtos},
		{name: fmt.Sprintf("deflate-valid-offers-%d", nValid), lines: []string{"Sec-WebSocket-Extensions: " + validOffers}, opts: deflateOn},
		{name: fmt.Sprintf("deflate-bad-offers-%d-then-valid", nBad), lines: []string{"Sec-WebSocket-Extensions: " + badOffers}, opts: deflateOn},
		{name: fmt.Sprintf("other-extensions-%d", nOther), lines: []string{"Sec-WebSocket-Extensions: " + otherExts}, opts: deflateOn},
		{name: fmt.Sprintf("extension-params-%d", nParams), lines: []string{"Sec-WebSocket-Extensions: " + manyParams}, opts: deflateOn},
		{name: "origin-60KiB-wildcards", lines: []string{"Origin: " + longOrigin}, opts: func(o *Options) {
			o.AllowedOrigins = []string{"https://*.example.com", "*a*b*c*d*", "http://*", "*.example.net", "https://*a*.example.org"}
		}},
		{name: "origin-60KiB-refused", lines: []string{"Origin: " + longOrigin}, opts: func(o *Options) {
			o.AllowedOrigins = []string{"https://*.example.com", "*a*b*c*d*", "https://*a*.example.net"}
		}, status: 403},
		{name: fmt.Sprintf("connection-tokens-%d", nConn), lines: []string{"Connection: " + connTokens}},
		{name: fmt.Sprintf("x-forwarded-for-%d", nXFF), lines: []string{"X-Forwarded-For: " + xff}, opts: func(o *Options) { o.TrustXForwardedFor = 2 }},
		{name: fmt.Sprintf("headers-%d", len(manyHeaders)), lines: manyHeaders},
	}
}

// serverHandshakeWork is what the server computes from a parsed request
// before it hijacks the connection (see upgrader.upgrade).
func serverHandshakeWork(r *http.Request, o *Options) int {
	hello, rj := checkRequest(r, o)
	if rj != nil {
		return rj.status
	}
	_ = forwardedPeer(peerFromHostPort(r.RemoteAddr), r.Header.Values("X-Forwarded-For"), o.TrustXForwardedFor)
	_ = hello.chooseProtocol(o.Protocols)
	_, pmd, err := serverNegotiateExtensions(o, hello.extensions)
	if err != nil {
		return http.StatusBadRequest
	}
	if pmd != nil {
		pmd.close()
	}
	return 0
}

func shapeOptions(s handshakeShape) *Options {
	o := DefaultOptions()
	if s.opts != nil {
		s.opts(o)
	}
	return o
}

func BenchmarkHandshakeShapes(b *testing.B) {
	for _, s := range handshakeShapes() {
		raw := shapeRequest(s.lines)
		o := shapeOptions(s)
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			b.Fatalf("%s: %v", s.name, err)
		}
		r.RemoteAddr = "127.0.0.1:1234"
		if len(raw) > 64<<10 {
			b.Fatalf("%s: %d bytes, over the header limit", s.name, len(raw))
		}
		if got := serverHandshakeWork(r, o); got != s.status {
			b.Fatalf("%s: status %d, want %d", s.name, got, s.status)
		}
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			cpu0, ok := processCPU()
			for b.Loop() {
				serverHandshakeWork(r, o)
			}
			reportCPU(b, cpu0, ok)
		})
	}
}

// reportCPU reports the process CPU time per op since cpu0 (cpu-ns/op,
// GC included), which a loaded machine does not inflate as it does ns/op.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, ok1 := processCPU(); ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkHandshakeShapesLoopback sends each shape to a real Server over
// loopback and reads the answer (HTTP parsing and the 101 or refusal
// included; client and server share the machine).
func BenchmarkHandshakeShapesLoopback(b *testing.B) {
	for _, s := range handshakeShapes() {
		raw := []byte(shapeRequest(s.lines))
		o := shapeOptions(s)
		b.Run(s.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Skip(err)
			}
			srv := NewServer(newPlain, o)
			srv.Logger = discardLogger()
			served := make(chan struct{})
			go func() { defer close(served); _ = srv.Serve(ln) }()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
				<-served
			}()
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			buf := make([]byte, 4096)
			cpu0, ok := processCPU()
			for b.Loop() {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.Write(raw); err != nil {
					b.Fatal(err)
				}
				n, err := io.ReadAtLeast(c, buf, 12)
				if err != nil {
					b.Fatal(err)
				}
				want := "HTTP/1.1 101"
				if s.status != 0 {
					want = fmt.Sprintf("HTTP/1.1 %d", s.status)
				}
				if !bytes.HasPrefix(buf[:n], []byte(want)) {
					b.Fatalf("%s: got %q, want %s", s.name, buf[:min(n, 80)], want)
				}
				_ = c.Close()
			}
			reportCPU(b, cpu0, ok)
		})
	}
}
