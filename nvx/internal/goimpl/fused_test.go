package goimpl

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maskedLooksASCII on masked bytes says whether the two words it samples
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
			o := []int{0, (n - 8) &^ 3}[rng.IntN(2)]
			plain[o+rng.IntN(8)] |= 0x80
		}
		key := [4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())}
		pos := rng.IntN(8)
		masked := bytes.Clone(plain)
		XorMask(masked, key, pos, false)
		want := n >= 16
		if want {
			for _, o := range []int{0, (n - 8) &^ 3} {
				want = want && bytes.IndexFunc(plain[o:o+8], func(r rune) bool { return r >= 0x80 }) < 0
			}
		}
		require.Equal(t, want, maskedLooksASCII(masked, key, pos), "n=%d pos=%d key=%x", n, pos, key)
	}
}

// Between FusedMin and FusedASCIIMin, text whose sample is not ASCII goes
// to C in one fused call; text that looks ASCII is unmasked in Go and
// validated as Validate chooses; results equal the pure-Go ones.
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
		{"ASCII then CJK (sampled): one fused call", ascii[:400] + cjk[:600], []int{1000}, nil},
		{"ASCII with one accent between the samples: Go", ascii[:300] + "é" + ascii[:1000], nil, nil},
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
