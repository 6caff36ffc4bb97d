package ws

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// BenchmarkCompressionExtensions compares the three codecs side by side on
// the same JSON-ish payloads, without context takeover (each message on
// its own, as a broadcast or a memory-bounded server would use them):
// compress and decompress of one message, SetBytes the payload size, the
// compressed size reported as wire-bytes/msg.
func BenchmarkCompressionExtensions(b *testing.B) {
	codecs := []struct {
		name string
		make func() pmdCodec
	}{
		{"deflate", func() pmdCodec {
			p := deflateParams{sendNoTakeover: true, recvNoTakeover: true, sendWindowBits: 15, recvWindowBits: 15}
			p.setCommon(&DeflateOptions{})
			return newDeflateCodec(p)
		}},
		{"snappy", func() pmdCodec { return newSnappyCodec(true, 0) }},
		{"brotli", func() pmdCodec { return newBrotliCodec(BrotliOptions{}) }},
	}
	for _, size := range []int{1024, 65536} {
		payload := benchPayload(size)
		for _, cc := range codecs {
			b.Run(fmt.Sprintf("compress/%s/%d", cc.name, size), func(b *testing.B) {
				c := cc.make()
				defer c.close()
				var out []byte
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					out, _ = c.compress(out[:0], payload)
				}
				b.ReportMetric(float64(len(out)), "wire-bytes/msg")
			})
			b.Run(fmt.Sprintf("decompress/%s/%d", cc.name, size), func(b *testing.B) {
				wire, err := cc.make().compress(nil, payload)
				if err != nil {
					b.Fatal(err)
				}
				c := cc.make()
				defer c.close()
				buf := make([]byte, 32<<10)
				src := bytes.NewReader(nil)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					src.Reset(wire)
					r := c.decompressReader(src)
					for {
						_, err := r.Read(buf)
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					c.endMessage()
				}
			})
		}
	}
}
