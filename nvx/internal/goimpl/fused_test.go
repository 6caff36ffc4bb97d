package goimpl

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maskedLooksASCII on masked bytes says whether the four words it samples
// are ASCII once unmasked, for every key offset and length, whatever the
// key; and a high bit in any sampled word is found.
func TestMaskedLooksASCII(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	ascii := []byte(strings.Repeat("plain words of text ", 40))
	for iter := 0; iter < 4000; iter++ {
		n := rng.IntN(len(ascii) + 1)
		plain := bytes.Clone(ascii[:n])
		if n > 0 && rng.IntN(2) == 0 {
			plain[rng.IntN(n)] |= 0x80
		}
		if n >= 16 && rng.IntN(4) == 0 { // a high bit in a sampled word
			o := []int{0, (n >> 2) &^ 3, (n >> 1) &^ 3, (n - 8) &^ 3}[rng.IntN(4)]
			plain[o+rng.IntN(8)] |= 0x80
		}
		key := [4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())}
		pos := rng.IntN(8)
		masked := bytes.Clone(plain)
		XorMask(masked, key, pos, false)
		want := n >= 16
		if want {
			for _, o := range []int{0, (n >> 2) &^ 3, (n >> 1) &^ 3, (n - 8) &^ 3} {
				want = want && bytes.IndexFunc(plain[o:o+8], func(r rune) bool { return r >= 0x80 }) < 0
			}
		}
		require.Equal(t, want, maskedLooksASCII(masked, key, pos), "n=%d pos=%d key=%x", n, pos, key)
	}
}

// Between FusedMin and FusedASCIIMin, Go unmasks the leading ASCII words
// and the rest from the first non-ASCII word goes to C in one fused call,
// unless it is short or its sample looks ASCII; all-ASCII text makes no
// call; a validator inside a code point sends the whole buffer to C;
// results equal the pure-Go ones. (The fused lengths assume buffers from
// the Go heap, 8-byte aligned: blocks then start at multiples of 64.)
func TestFusedRouting(t *testing.T) {
	oldF, oldV, oldMin, oldASCII, oldUM, oldUA := FusedHook, ValidateHook, FusedMin, FusedASCIIMin, UTF8Min, UTF8ASCIIMin
	t.Cleanup(func() {
		FusedHook, ValidateHook, FusedMin, FusedASCIIMin, UTF8Min, UTF8ASCIIMin = oldF, oldV, oldMin, oldASCII, oldUM, oldUA
	})
	FusedMin, FusedASCIIMin, UTF8Min, UTF8ASCIIMin = 128, 4096, 128, 4096
	var fused, validated []int
	FusedHook = func(b []byte, key [4]byte, pos int, v *Utf8Validator) (int, bool, bool, int, int) {
		fused = append(fused, len(b))
		return XorMaskValidate(b, key, pos, v, false)
	}
	ValidateHook = func(v *Utf8Validator, b []byte) (bool, bool, int, int) {
		validated = append(validated, len(b))
		return v.Validate(b, false)
	}
	ascii := strings.Repeat("json, mostly plain ", 300)
	cjk := strings.Repeat("世界", 400)
	cases := []struct {
		name                string
		text                string
		wantFused, wantVals []int
	}{
		{"short CJK stays in Go", cjk[:120], nil, nil},
		{"mid-size CJK: one fused call", cjk[:600], []int{600}, nil},
		{"mid-size ASCII stays in Go", ascii[:3000], nil, nil},
		{"ASCII then CJK: fused from the 64-byte block", ascii[:400] + cjk[:600], []int{616}, nil},
		{"ASCII then CJK, mid-word: fused from the block", ascii[:403] + cjk[:600], []int{619}, nil},
		{"ASCII then invalid byte, long rest: fused", ascii[:200] + "\xff" + cjk[:300], []int{309}, nil},
		{"ASCII then invalid byte, short rest: Go", ascii[:200] + "\xff" + ascii[:20], nil, nil},
		{"ASCII then CJK in the last words, rest below FusedMin/2: Go", ascii[:1030] + cjk[:15], nil, nil},
		{"ASCII, odd length: Go", ascii[:1001], nil, nil},
		{"ASCII then a cut code point: Go", ascii[:301] + cjk[:2], nil, nil},
		{"ASCII with one accent then ASCII: Go", ascii[:300] + "é" + ascii[:1000], nil, nil},
		{"large ASCII: one fused call", ascii[:4096], []int{4096}, nil},
	}
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fused, validated = nil, nil
			plain := []byte(c.text)
			for pos := 0; pos < 4; pos++ {
				fused, validated = nil, nil
				masked := bytes.Clone(plain)
				XorMask(masked, key, pos, false)
				var v, w Utf8Validator
				gotNext, gv, ge, gc, gt := XorMaskValidate(masked, key, pos, &v, true)
				ref := bytes.Clone(plain)
				XorMask(ref, key, pos, false)
				wantNext, wv, we, wc, wt := XorMaskValidate(ref, key, pos, &w, false)
				assert.Equal(t, plain, masked, "unmasked in place")
				assert.Equal(t, []any{wantNext, wv, we, wc, wt}, []any{gotNext, gv, ge, gc, gt})
				assert.Equal(t, c.wantFused, fused, "fused calls, pos %d", pos)
				assert.Equal(t, c.wantVals, validated, "validate calls, pos %d", pos)
			}
		})
	}
}

// A validator left inside a code point (or after an invalid byte) by the
// previous chunk sends the next mid-size chunk to C whole, and the results
// equal the pure-Go ones.
func TestFusedRoutingCarriedState(t *testing.T) {
	oldF, oldMin, oldASCII := FusedHook, FusedMin, FusedASCIIMin
	t.Cleanup(func() { FusedHook, FusedMin, FusedASCIIMin = oldF, oldMin, oldASCII })
	FusedMin, FusedASCIIMin = 128, 4096
	var fused []int
	FusedHook = func(b []byte, key [4]byte, pos int, v *Utf8Validator) (int, bool, bool, int, int) {
		fused = append(fused, len(b))
		return XorMaskValidate(b, key, pos, v, false)
	}
	ascii := strings.Repeat("plain ", 100)
	key := [4]byte{0xA5, 0x5A, 0x01, 0xFE}
	for _, c := range []struct{ name, first, second string }{
		{"inside a code point", "ab\xe4\xb8", "\x96" + ascii},
		{"after an invalid byte", "ab\xff", ascii},
		{"bad continuation", "ab\xe4", "x" + ascii},
	} {
		t.Run(c.name, func(t *testing.T) {
			fused = nil
			var v, w Utf8Validator
			v.Validate([]byte(c.first), false)
			w.Validate([]byte(c.first), false)
			plain := []byte(c.second)
			masked, ref := bytes.Clone(plain), bytes.Clone(plain)
			XorMask(masked, key, 1, false)
			XorMask(ref, key, 1, false)
			gn, gv, ge, gc, gt := XorMaskValidate(masked, key, 1, &v, true)
			wn, wv, we, wc, wt := XorMaskValidate(ref, key, 1, &w, false)
			assert.Equal(t, plain, masked)
			assert.Equal(t, []any{wn, wv, we, wc, wt}, []any{gn, gv, ge, gc, gt})
			assert.Equal(t, w, v, "validator state")
			assert.Equal(t, []int{len(plain)}, fused)
		})
	}
}

// maskASCII unmasks the bytes before the block or word holding the first
// non-ASCII byte (at most 71 bytes before it), leaves the rest masked, and
// returns their count: every length 0..100, a high bit at every position,
// every key offset, four alignments of the buffer.
func TestMaskASCII(t *testing.T) {
	key := [4]byte{0x13, 0x57, 0x9B, 0xDF}
	mem := make([]byte, 100+8)
	for n := 0; n <= 100; n++ {
		for bad := -1; bad < n; bad++ {
			plain := make([]byte, n)
			for j := range plain {
				plain[j] = byte('a' + j%26)
			}
			if bad >= 0 {
				plain[bad] = 0xC3
			}
			for pos := 0; pos < 4; pos++ {
				for _, off := range []int{0, 1, 5, 7} {
					masked := mem[off : off+n]
					copy(masked, plain)
					XorMask(masked, key, pos, false)
					orig := bytes.Clone(masked)
					k32 := uint32(key[pos&3]) | uint32(key[(pos+1)&3])<<8 | uint32(key[(pos+2)&3])<<16 | uint32(key[(pos+3)&3])<<24
					got := maskASCII(masked, uint64(k32)|uint64(k32)<<32)
					if bad < 0 {
						require.Equal(t, n, got, "n=%d pos=%d off=%d", n, pos, off)
					} else {
						require.True(t, got <= bad && bad < got+72, "n=%d bad=%d pos=%d off=%d: got %d", n, bad, pos, off, got)
					}
					require.Equal(t, plain[:got], masked[:got], "unmasked part, n=%d bad=%d pos=%d off=%d", n, bad, pos, off)
					require.Equal(t, orig[got:], masked[got:], "still-masked part, n=%d bad=%d pos=%d off=%d", n, bad, pos, off)
				}
			}
		}
	}
}

// UnmaskASCII unmasks all-ASCII text whole, at every key offset, and stops
// before the block holding a non-ASCII byte, leaving it masked.
func TestUnmaskASCII(t *testing.T) {
	key := [4]byte{0x01, 0x7F, 0x22, 0x55}
	plain := []byte(strings.Repeat("an all-ASCII line of text. ", 20))
	for pos := 0; pos < 4; pos++ {
		masked := bytes.Clone(plain)
		XorMask(masked, key, pos, false)
		require.Equal(t, len(plain), UnmaskASCII(masked, key, pos))
		require.Equal(t, plain, masked)

		withBad := bytes.Clone(plain)
		withBad[300] = 0xE9
		masked = bytes.Clone(withBad)
		XorMask(masked, key, pos, false)
		orig := bytes.Clone(masked)
		i := UnmaskASCII(masked, key, pos)
		require.True(t, i <= 300 && 300 < i+72, "pos %d: %d", pos, i)
		require.Equal(t, withBad[:i], masked[:i])
		require.Equal(t, orig[i:], masked[i:])
	}
}

// TestFusedLeadRouting: below FusedMin, XorMaskValidate unmasks in Go
// and validates through Validate's native path, so from UTF8LeadMin a
// buffer that opens with a word that is not all ASCII once unmasked (and
// whose rest does not look ASCII) goes to ValidateHook, unmasked, at every
// key offset; others stay in Go; results, state and bytes equal Go's.
func TestFusedLeadRouting(t *testing.T) {
	oldF, oldV, oldMin, oldASCII, oldUM, oldUA, oldLead := FusedHook, ValidateHook, FusedMin, FusedASCIIMin, UTF8Min, UTF8ASCIIMin, UTF8LeadMin
	t.Cleanup(func() {
		FusedHook, ValidateHook, FusedMin, FusedASCIIMin, UTF8Min, UTF8ASCIIMin, UTF8LeadMin = oldF, oldV, oldMin, oldASCII, oldUM, oldUA, oldLead
	})
	FusedMin, FusedASCIIMin, UTF8Min, UTF8ASCIIMin, UTF8LeadMin = 128, 4096, 128, 4096, 32
	var fused, validated [][]byte
	FusedHook = func(b []byte, key [4]byte, pos int, v *Utf8Validator) (int, bool, bool, int, int) {
		fused = append(fused, bytes.Clone(b))
		return XorMaskValidate(b, key, pos, v, false)
	}
	ValidateHook = func(v *Utf8Validator, b []byte) (bool, bool, int, int) {
		validated = append(validated, bytes.Clone(b))
		return v.Validate(b, false)
	}
	ascii := strings.Repeat("json, mostly plain ", 20)
	cjk := strings.Repeat("世界", 40)
	key := [4]byte{0x80, 0x22, 0xB3, 0x44} // high bits in the key: the test is on unmasked bytes
	for _, c := range []struct {
		name string
		text string
		toC  bool
	}{
		{"CJK at the lead threshold", cjk[:33], true},
		{"CJK below it", cjk[:30], false},
		{"a lone accent, then ASCII: Go", "Ça va" + ascii[:60], false},
		{"accented words throughout", strings.Repeat("Ça été réglé ", 4), true},
		{"ASCII first word, then CJK", ascii[:8] + cjk[:60], false},
		{"ASCII", ascii[:100], false},
		{"invalid first byte, ASCII rest: Go", "\xff" + ascii[:40], false},
		{"invalid first byte, CJK rest: C", "\xff" + cjk[:42], true},
	} {
		t.Run(c.name, func(t *testing.T) {
			plain := []byte(c.text)
			for pos := 0; pos < 4; pos++ {
				fused, validated = nil, nil
				masked, ref := bytes.Clone(plain), bytes.Clone(plain)
				XorMask(masked, key, pos, false)
				XorMask(ref, key, pos, false)
				var v, w Utf8Validator
				gn, gv, ge, gc, gt := XorMaskValidate(masked, key, pos, &v, true)
				wn, wv, we, wc, wt := XorMaskValidate(ref, key, pos, &w, false)
				assert.Equal(t, plain, masked, "unmasked in place")
				assert.Equal(t, []any{wn, wv, we, wc, wt}, []any{gn, gv, ge, gc, gt})
				assert.Equal(t, w, v, "validator state")
				assert.Empty(t, fused, "no fused call below FusedMin")
				if c.toC {
					assert.Equal(t, [][]byte{plain}, validated, "pos %d: C validates the unmasked buffer", pos)
				} else {
					assert.Empty(t, validated, "pos %d", pos)
				}
			}
		})
	}
}
