package bench

import (
	"bytes"
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/nvx/purego"
)

// Implementations compared (the impl= part of each benchmark name), run
// one after the other for each size, so load on a shared machine hits them
// alike:
//
//	nvx     the public API of package nvx: native above the size thresholds,
//	        pure Go below them (and everywhere when AUTOBAHN_USE_NVX=0)
//	native  the C core at every size (nvx.Native*), the raw cost of cgo
//	purego  package nvx/purego
//	stdlib  unicode/utf8.Valid (UTF-8 only)
//	copy    copy() of the same bytes: the memory-bandwidth yardstick

var key = [4]byte{0x5A, 0xC3, 0x19, 0xE7}

var maskSizes = []int{8, 16, 32, 64, 128, 256, 512, 1 << 10, 2 << 10, 3 << 10, 4 << 10, 8 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}

var utf8Sizes = []int{8, 16, 32, 64, 96, 128, 192, 256, 512, 1 << 10, 2 << 10, 3 << 10, 4 << 10, 8 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}

func BenchmarkMask(b *testing.B) {
	impls := []struct {
		name string
		fn   func([]byte, []byte)
	}{
		{"nvx", func(buf, _ []byte) { nvx.XorMask(buf, key, 1) }},
		{"native", func(buf, _ []byte) { nvx.NativeXorMask(buf, key, 1) }},
		{"purego", func(buf, _ []byte) { purego.XorMask(buf, key, 1) }},
		{"copy", func(buf, src []byte) { copy(buf, src) }},
	}
	for _, n := range maskSizes {
		for _, im := range impls {
			b.Run(fmt.Sprintf("impl=%s/size=%s", im.name, SizeName(n)), func(b *testing.B) {
				buf, src := make([]byte, n), make([]byte, n)
				b.SetBytes(int64(n))
				for b.Loop() {
					im.fn(buf, src)
				}
			})
		}
	}
}

func BenchmarkUTF8(b *testing.B) {
	pv := purego.NewUtf8Validator()
	nv := nvx.NewUtf8Validator()
	var sink []byte
	impls := []struct {
		name string
		fn   func([]byte) bool
	}{
		{"nvx", func(t []byte) bool { nv.Reset(); ok, whole, _, _ := nv.Validate(t); return ok && whole }},
		{"native", func(t []byte) bool { nv.Reset(); ok, whole, _, _ := nv.NativeValidate(t); return ok && whole }},
		{"purego", func(t []byte) bool { pv.Reset(); ok, whole, _, _ := pv.Validate(t); return ok && whole }},
		{"stdlib", utf8.Valid},
		{"copy", func(t []byte) bool { copy(sink, t); return true }},
	}
	for _, kind := range Texts {
		for _, n := range utf8Sizes {
			for _, im := range impls {
				b.Run(fmt.Sprintf("impl=%s/text=%s/size=%s", im.name, kind, SizeName(n)), func(b *testing.B) {
					t := Text(kind, n)
					sink = make([]byte, n)
					require.True(b, im.fn(t), "corpus must be valid")
					b.SetBytes(int64(n))
					for b.Loop() {
						im.fn(t)
					}
				})
			}
		}
	}
}

// BenchmarkMaskValidate is the receive path of a client text frame: unmask
// and validate the same bytes, fused (one pass) or as two calls.
// fusedKey flips the lowest bit of every byte: ASCII stays ASCII,
// continuation bytes stay continuation bytes, and the lead bytes of the
// corpora (C3/C5, E3..E9, EF) stay lead bytes of the same length.
var fusedKey = [4]byte{1, 1, 1, 1}

var fusedSizes = []int{16, 64, 128, 256, 512, 1 << 10, 2 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}

func BenchmarkMaskValidate(b *testing.B) {
	nv := nvx.NewUtf8Validator()
	pv := purego.NewUtf8Validator()
	impls := []struct {
		name string
		fn   func([]byte)
	}{
		{"nvx", func(t []byte) { nv.Reset(); nvx.XorMaskValidate(t, fusedKey, 0, nv) }},
		{"native", func(t []byte) { nv.Reset(); nvx.NativeXorMaskValidate(t, fusedKey, 0, nv) }},
		{"nvx-separate", func(t []byte) { nv.Reset(); nvx.XorMask(t, fusedKey, 0); nv.Validate(t) }},
		{"purego", func(t []byte) { pv.Reset(); purego.XorMaskValidate(t, fusedKey, 0, pv) }},
	}
	for _, kind := range Texts {
		for _, n := range fusedSizes {
			for _, im := range impls {
				b.Run(fmt.Sprintf("impl=%s/text=%s/size=%s", im.name, kind, SizeName(n)), func(b *testing.B) {
					// Unmasking in place alternates the buffer between
					// the text and the text XOR fusedKey; with this key
					// both are valid UTF-8 of the same kind, so every
					// iteration validates all of it.
					t := Text(kind, n)
					alt := bytes.Clone(t)
					purego.XorMask(alt, fusedKey, 0)
					require.True(b, utf8.Valid(alt), "masked corpus must stay valid")
					b.SetBytes(int64(n))
					for b.Loop() {
						im.fn(t)
					}
				})
			}
		}
	}
}
