package purego

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/nvx/internal/ref"
)

// FuzzValidate: random input, random chunking (chunk sizes taken from the
// seed bytes) against the reference and utf8.Valid.
func FuzzValidate(f *testing.F) {
	for _, c := range ref.Cases {
		f.Add([]byte(c.In), []byte{1, 2, 3})
	}
	f.Fuzz(func(t *testing.T, b, cuts []byte) {
		valid, ends, idx := ref.Validate(b)
		sizes := make([]int, len(cuts))
		for i, c := range cuts {
			sizes[i] = int(c % 32)
		}
		gv, ge, gt := chunked(NewUtf8Validator(), b, sizes)
		if gv != valid || ge != ends || gt != idx {
			t.Fatalf("%x: got (%v,%v,%d) want (%v,%v,%d)", b, gv, ge, gt, valid, ends, idx)
		}
		if ValidUTF8(b) != utf8.Valid(b) {
			t.Fatalf("%x: ValidUTF8 != utf8.Valid", b)
		}
	})
}

func FuzzXorMask(f *testing.F) {
	f.Add([]byte("hello, world"), uint32(0x12345678), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, k uint32, pos uint8) {
		key := [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
		want := bytes.Clone(b)
		wn := ref.XorMask(want, key, int(pos))
		if n := XorMask(b, key, int(pos)); n != wn || !bytes.Equal(b, want) {
			t.Fatalf("mismatch: next %d want %d", n, wn)
		}
	})
}
