package purego

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/ref"
)

var testKey = [4]byte{0xA1, 0x3C, 0x5E, 0xF7}

// Every length 0..300 at every key offset and several alignments, inside a
// larger buffer whose guard bytes must stay untouched.
func TestXorMaskAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const guard = 16
	for n := 0; n <= 300; n++ {
		for pos := 0; pos < 8; pos++ { // 4..7 check "modulo 4"
			for align := 0; align < 8; align++ {
				buf := make([]byte, guard+align+n+guard)
				for i := range buf {
					buf[i] = byte(rng.Uint32())
				}
				want := bytes.Clone(buf)
				wantNext := ref.XorMask(want[guard+align:guard+align+n], testKey, pos)
				next := XorMask(buf[guard+align:guard+align+n], testKey, pos)
				require.Equal(t, wantNext, next, "n=%d pos=%d", n, pos)
				require.Equal(t, (pos+n)%4, next)
				require.Equal(t, want, buf, "n=%d pos=%d align=%d", n, pos, align)
			}
		}
	}
}

func TestXorMaskRoundTrip(t *testing.T) {
	msg := []byte("The quick brown fox jumps over the lazy dog, twice over.")
	b := bytes.Clone(msg)
	next := XorMask(b[:13], testKey, 3)
	XorMask(b[13:], testKey, next)
	assert.NotEqual(t, msg, b)
	XorMask(b, testKey, 3)
	assert.Equal(t, msg, b)
}

func TestValidateCases(t *testing.T) {
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			v := NewUtf8Validator()
			valid, ends, cur, total := v.Validate([]byte(c.In))
			assert.Equal(t, c.Valid, valid, "valid")
			assert.Equal(t, c.Ends, ends, "endsOnCodepoint")
			assert.Equal(t, c.Index, cur, "currentIndex")
			assert.Equal(t, c.Index, total, "totalIndex")
			assert.Equal(t, utf8.ValidString(c.In), ValidUTF8([]byte(c.In)))
		})
	}
}

// boundary bytes: every class edge of the DFA.
var boundary = []byte{0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF}

// All 1- and 2-byte inputs, and all 3- and 4-byte inputs over the boundary
// bytes, one-shot and byte by byte, against the reference.
func TestValidateExhaustiveShort(t *testing.T) {
	var inputs [][]byte
	for a := 0; a < 256; a++ {
		inputs = append(inputs, []byte{byte(a)})
		for b := 0; b < 256; b++ {
			inputs = append(inputs, []byte{byte(a), byte(b)})
		}
	}
	for _, a := range boundary {
		for _, b := range boundary {
			for _, c := range boundary {
				inputs = append(inputs, []byte{a, b, c})
				for _, d := range boundary {
					inputs = append(inputs, []byte{a, b, c, d})
				}
			}
		}
	}
	for _, in := range inputs {
		valid, ends, idx := ref.Validate(in)
		v := NewUtf8Validator()
		gv, ge, gi, gt := v.Validate(in)
		if gv != valid || ge != ends || gi != idx || gt != idx {
			t.Fatalf("%x: got (%v,%v,%d,%d) want (%v,%v,%d)", in, gv, ge, gi, gt, valid, ends, idx)
		}
		gv, ge, gt = chunked(v, in, ones(len(in)))
		if gv != valid || ge != ends || gt != idx {
			t.Fatalf("%x bytewise: got (%v,%v,%d) want (%v,%v,%d)", in, gv, ge, gt, valid, ends, idx)
		}
		if ValidUTF8(in) != utf8.Valid(in) {
			t.Fatalf("%x: ValidUTF8 disagrees with utf8.Valid", in)
		}
	}
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// chunked resets v, feeds b in chunks of the given sizes (the rest in a
// last chunk) and checks the per-call contract; it returns the final
// valid, endsOnCodepoint and totalIndex.
func chunked(v *Utf8Validator, b []byte, sizes []int) (valid, ends bool, total int) {
	v.Reset()
	off := 0
	valid, ends = true, true
	call := func(c []byte) {
		wasValid := valid
		var cur int
		valid, ends, cur, total = v.Validate(c)
		switch {
		case !wasValid && (valid || ends || cur != 0):
			panic("validator recovered after invalid input")
		case valid && cur != len(c):
			panic("valid call must report currentIndex == len")
		case wasValid && !valid && total != off+cur:
			panic("totalIndex must be chunk offset + currentIndex")
		}
	}
	for _, s := range sizes {
		s = min(s, len(b)-off)
		call(b[off : off+s])
		off += s
	}
	call(b[off:])
	return valid, ends, total
}

// randomUTF8 builds mostly-valid text from a mix of 1..4-byte code points,
// with an occasional corrupted byte.
func randomUTF8(rng *rand.Rand, n int, corrupt bool) []byte {
	var b []byte
	for len(b) < n {
		var r rune
		switch rng.IntN(4) {
		case 0:
			r = rune(rng.IntN(0x80))
		case 1:
			r = rune(0x80 + rng.IntN(0x800-0x80))
		case 2:
			r = rune(0x800 + rng.IntN(0xD800-0x800))
		default:
			r = rune(0x10000 + rng.IntN(0x100000))
		}
		b = utf8.AppendRune(b, r)
	}
	if corrupt && len(b) > 0 {
		b[rng.IntN(len(b))] = byte(rng.Uint32())
	}
	return b
}

func TestValidateRandomChunking(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	v := NewUtf8Validator()
	for iter := 0; iter < 2000; iter++ {
		b := randomUTF8(rng, rng.IntN(200), iter%2 == 1)
		valid, ends, idx := ref.Validate(b)
		var sizes []int
		for s := 0; s < len(b); {
			c := rng.IntN(20)
			sizes = append(sizes, c)
			s += c
		}
		gv, ge, gt := chunked(v, b, sizes)
		require.Equal(t, valid, gv, "%x", b)
		require.Equal(t, ends, ge, "%x", b)
		require.Equal(t, idx, gt, "%x", b)
		require.Equal(t, utf8.Valid(b), ValidUTF8(b))
	}
}

func TestStaysInvalidUntilReset(t *testing.T) {
	v := NewUtf8Validator()
	valid, _, cur, total := v.Validate([]byte("ab\xFFcd"))
	require.False(t, valid)
	require.Equal(t, 2, cur)
	require.Equal(t, 2, total)
	for _, next := range []string{"", "x", "\xC3\xA9", "more text"} {
		valid, ends, cur, total := v.Validate([]byte(next))
		assert.Equal(t, []any{false, false, 0, 2}, []any{valid, ends, cur, total}, "after %q", next)
	}
	v.Reset()
	valid, ends, cur, total := v.Validate([]byte("ok"))
	assert.Equal(t, []any{true, true, 2, 2}, []any{valid, ends, cur, total})
}

func TestXorMaskValidateMatchesSeparateCalls(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 300; iter++ {
		plain := randomUTF8(rng, rng.IntN(3*2048), iter%3 == 0)
		pos := rng.IntN(4)
		masked := bytes.Clone(plain)
		ref.XorMask(masked, testKey, pos)

		// Feed the stream in two calls, so state carries over.
		cut := rng.IntN(len(masked) + 1)
		fv := NewUtf8Validator()
		sv := NewUtf8Validator()
		p := pos
		for _, part := range [][]byte{masked[:cut], masked[cut:]} {
			sep := bytes.Clone(part)
			wantNext := ref.XorMask(sep, testKey, p)
			wv, we, wc, wt := sv.Validate(sep)
			next, gv, ge, gc, gt := XorMaskValidate(part, testKey, p, fv)
			require.Equal(t, []any{wantNext, wv, we, wc, wt}, []any{next, gv, ge, gc, gt})
			require.Equal(t, sep, part, "whole buffer unmasked")
			p = next
		}
		require.Equal(t, plain, masked)
		require.Equal(t, *sv, *fv)
	}
}

func ExampleUtf8Validator_Validate() {
	v := NewUtf8Validator()
	// "é" split across two frames, then an invalid byte.
	fmt.Println(v.Validate([]byte("caf\xC3")))
	fmt.Println(v.Validate([]byte("\xA9!\xFF")))
	// Output:
	// true false 4 4
	// false false 2 6
}
