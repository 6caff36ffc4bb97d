package nvx

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/nvx/internal/ref"
	"github.com/autobahn-go/autobahn/nvx/purego"
)

// FuzzValidate: random input and random chunking (sizes and paths from
// cuts). The nvx stream (chunks mixing the thresholded API, raw C and pure
// Go), a pure-Go stream over the same chunks, one-shot calls and
// utf8.Valid must agree; indexes exactly, verdicts too.
func FuzzValidate(f *testing.F) {
	for _, c := range ref.Cases {
		f.Add([]byte(c.In), []byte{1, 0x42, 200, 3})
	}
	f.Add(bytes.Repeat([]byte("é世😀a"), 40), []byte{7, 130, 255, 1, 64})
	f.Fuzz(func(t *testing.T, b, cuts []byte) {
		var sizes []int
		var paths []step
		for _, c := range cuts {
			size := int(c >> 2)
			if c&0x80 != 0 {
				size *= 8 // up to ~250 bytes, over the thresholds
			}
			sizes = append(sizes, size)
			paths = append(paths, step(c&3))
		}
		paths = append(paths, stepAPI)
		nv, ne, nt := feed(t, NewUtf8Validator(), b, sizes, paths)

		// Pure Go over the same chunks.
		pv := purego.NewUtf8Validator()
		var gv, ge bool
		var gt int
		off := 0
		for k := 0; off < len(b) || k == 0; k++ {
			n := len(b) - off
			if k < len(sizes) {
				n = min(sizes[k], n)
			}
			gv, ge, _, gt = pv.Validate(b[off : off+n])
			off += n
		}
		ov, oe, oc, ot := NewUtf8Validator().Validate(b)
		rv, re, ri := ref.Validate(b)
		if nv != gv || ne != ge || nt != gt {
			t.Fatalf("nvx (%v,%v,%d) != purego (%v,%v,%d)", nv, ne, nt, gv, ge, gt)
		}
		if ov != rv || oe != re || oc != ri || ot != ri || nv != rv || nt != ri {
			t.Fatalf("one-shot (%v,%v,%d,%d) / stream (%v,%d) != reference (%v,%v,%d)", ov, oe, oc, ot, nv, nt, rv, re, ri)
		}
		want := utf8.Valid(b)
		if (nv && ne) != want || ValidUTF8(b) != want || NativeValidUTF8(b) != want {
			t.Fatalf("verdict differs from utf8.Valid=%v", want)
		}
	})
}

func FuzzXorMask(f *testing.F) {
	f.Add([]byte("some payload bytes, long enough for a vector or two....."), uint32(0xDEADBEEF), uint8(3), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, k uint32, pos, off uint8) {
		key := [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
		o := int(off) % (len(b) + 1)
		want := bytes.Clone(b)
		wantNext := ref.XorMask(want[o:], key, int(pos))
		for name, mask := range maskImpls {
			got := bytes.Clone(b)
			if next := mask(got[o:], key, int(pos)); next != wantNext || !bytes.Equal(got, want) {
				t.Fatalf("%s: next %d want %d, bytes equal %v", name, next, wantNext, bytes.Equal(got, want))
			}
		}
	})
}

func FuzzXorMaskValidate(f *testing.F) {
	f.Add([]byte("grüße \xED\xA0\x80 世界"), uint32(0x01020304), uint8(2), uint8(5))
	// The input also runs after an ASCII lead of 128 to 1148 bytes (from
	// cut), so that it reaches the mid sizes where Go unmasks the leading
	// ASCII and C takes over at the first non-ASCII word.
	lead := strings.Repeat("an ascii lead, ", 80)
	f.Fuzz(func(t *testing.T, input []byte, k uint32, pos, cut uint8) {
		for _, plain := range [][]byte{input, append([]byte(lead[:128+4*int(cut)]), input...)} {
			fuzzXorMaskValidate(t, plain, k, pos, cut)
		}
	})
}

// fuzzXorMaskValidate is one FuzzXorMaskValidate check: plain masked and
// fed whole and in two chunks (cut) to nvx and to C, against the reference
// masking and the pure-Go validator.
func fuzzXorMaskValidate(t *testing.T, plain []byte, k uint32, pos, cut uint8) {
	key := [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
	c := int(cut) % (len(plain) + 1)
	masked := bytes.Clone(plain)
	ref.XorMask(masked, key, int(pos))
	for name, fused := range map[string]func([]byte, [4]byte, int, *Utf8Validator) (int, bool, bool, int, int){
		"nvx": XorMaskValidate, "native": NativeXorMaskValidate,
	} {
		got := bytes.Clone(masked)
		fv := NewUtf8Validator()
		pv := purego.NewUtf8Validator()
		p := int(pos)
		for _, part := range [][]byte{got[:c], got[c:]} {
			sep := bytes.Clone(part)
			wantNext := ref.XorMask(sep, key, p)
			wv, we, wc, wt := pv.Validate(sep)
			next, gv, ge, gc, gt := fused(part, key, p, fv)
			if next != wantNext || gv != wv || ge != we || gc != wc || gt != wt {
				t.Fatalf("%s: got (%d,%v,%v,%d,%d) want (%d,%v,%v,%d,%d)", name, next, gv, ge, gc, gt, wantNext, wv, we, wc, wt)
			}
			p = next
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("%s: not fully unmasked", name)
		}
	}
}
