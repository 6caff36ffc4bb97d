package ws

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// benchPayload is JSON-ish text of n bytes, the typical WebSocket payload.
func benchPayload(n int) []byte {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"topic":"com.example.event","args":[%d,"hello"],"kw":{"x":%d}}`, i, i*7, i%13)
	}
	return []byte(b.String()[:n])
}

var benchModes = []struct {
	name string
	opts DeflateOptions
	p    deflateParams
}{
	{"takeover", DeflateOptions{}, deflateParams{sendWindowBits: 15}},
	{"history4k", DeflateOptions{TakeoverHistory: 4096}, deflateParams{sendWindowBits: 15}},
	{"none", DeflateOptions{}, deflateParams{sendNoTakeover: true, sendWindowBits: 15}},
}

// BenchmarkDeflateCodec measures compress and inflate of one message in the
// three memory modes; SetBytes is the payload size, and the compressed size
// is reported as wire-bytes/msg.
func BenchmarkDeflateCodec(b *testing.B) {
	for _, size := range []int{128, 4096, 65536} {
		payload := benchPayload(size)
		for _, m := range benchModes {
			p := m.p
			p.setCommon(&m.opts)
			b.Run(fmt.Sprintf("compress/%s/%d", m.name, size), func(b *testing.B) {
				send, _ := codecPair(p)
				var out []byte
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					out, _ = send.compress(out[:0], payload)
				}
				b.ReportMetric(float64(len(out)), "wire-bytes/msg")
			})
			b.Run(fmt.Sprintf("inflate/%s/%d", m.name, size), func(b *testing.B) {
				send, recv := codecPair(p)
				msgs := make([][]byte, 64) // a stream, so takeover history is real
				for i := range msgs {
					c, _ := send.compress(nil, payload)
					msgs[i] = append([]byte(nil), c...)
				}
				buf := make([]byte, 32<<10)
				src := bytes.NewReader(nil)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if i == len(msgs) { // start the stream again
						send, recv = codecPair(p)
						i = 0
					}
					src.Reset(msgs[i])
					r := recv.decompressReader(src)
					for {
						_, err := r.Read(buf)
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					recv.endMessage()
					i++
				}
				_ = send
			})
		}
	}
}
