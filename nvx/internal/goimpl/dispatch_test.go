package goimpl

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLooksASCII(t *testing.T) {
	ascii := bytes.Repeat([]byte("plain text, "), 100)
	assert.True(t, looksASCII(ascii))
	assert.False(t, looksASCII(ascii[:15]), "too short to sample")
	assert.True(t, looksASCII(ascii[:16]))
	for _, at := range []int{0, len(ascii) / 4, len(ascii) / 2, len(ascii) - 1} { // sampled words
		b := bytes.Clone(ascii)
		b[at] = 0xC3
		assert.False(t, looksASCII(b), "non-ASCII at %d", at)
	}
	assert.False(t, looksASCII(bytes.Repeat([]byte("世界"), 100)))
	assert.False(t, looksASCII(bytes.Repeat([]byte("Straße "), 100)))
}

// TestASCIIWords checks every length up to 200 with no high byte and with
// one at each position: the answer is the first high byte's index rounded
// down to whole words, or len rounded down when there is none.
func TestASCIIWords(t *testing.T) {
	for n := 0; n <= 200; n++ {
		b := bytes.Repeat([]byte{'a'}, n)
		require.Equal(t, n&^7, asciiWords(b), "all ASCII, n=%d", n)
		for at := 0; at < n; at++ {
			b[at] = 0x80 | byte(at)
			require.Equal(t, at&^7, asciiWords(b), "n=%d high byte at %d", n, at)
			b[at] = 'a'
		}
	}
	// The word loop must not read past len(b) into the capacity.
	b := make([]byte, 40, 64)
	for i := range b[:cap(b)] {
		b[:cap(b)][i] = 0xFF
	}
	for i := range b {
		b[i] = 'x'
	}
	assert.Equal(t, 40, asciiWords(b))
	assert.Equal(t, 32, asciiWords(b[:39]))
}

// hookCalls installs Validate and ValidUTF8 hooks that run the Go code on
// the same state (so every result must match a run without hooks) and
// record the length of each chunk handed to them; the thresholds are
// nvx's. Everything is restored when the test ends.
func hookCalls(t *testing.T) *[]int {
	t.Helper()
	var calls []int
	oldV, oldOK, oldMin, oldASCII := ValidateHook, ValidHook, UTF8Min, UTF8ASCIIMin
	t.Cleanup(func() { ValidateHook, ValidHook, UTF8Min, UTF8ASCIIMin = oldV, oldOK, oldMin, oldASCII })
	UTF8Min, UTF8ASCIIMin = 128, 4096
	ValidateHook = func(v *Utf8Validator, b []byte) (bool, bool, int, int) {
		calls = append(calls, len(b))
		return v.Validate(b, false)
	}
	ValidHook = func(b []byte) bool {
		calls = append(calls, len(b))
		return utf8.Valid(b)
	}
	return &calls
}

// TestNativeRouting pins down which chunks go to the native hooks: none
// below UTF8Min, none for all-ASCII text below UTF8ASCIIMin, the part
// after the leading ASCII words for other text, and whole chunks from
// UTF8ASCIIMin on.
func TestNativeRouting(t *testing.T) {
	calls := hookCalls(t)
	ascii := strings.Repeat("json, mostly plain ", 300)
	cjk := strings.Repeat("世界", 200)
	cases := []struct {
		name string
		text string
		want []int // lengths handed to the hook
	}{
		{"short CJK stays in Go", cjk[:120], nil},
		{"ASCII below the ASCII threshold", ascii[:4095], nil},
		{"ASCII at the ASCII threshold", ascii[:4096], []int{4096}},
		{"CJK at the threshold", cjk[:129], []int{129}},
		{"ASCII words then CJK", ascii[:203] + cjk[:300], []int{503 - 200}},
		{"short ASCII run then CJK: whole chunk", ascii[:60] + cjk[:300], []int{360}},
		{"non-ASCII first word and rest: whole chunk", "é" + cjk[:201], []int{203}},
		{"a lone accent, then ASCII: Go (faster there)", "é" + ascii[:200], nil},
		{"ASCII with one accent late", ascii[:1000] + "é" + ascii[:1000], nil},
		{"short non-ASCII tail stays in Go", ascii[:300] + cjk[:30], nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := []byte(c.text)
			*calls = nil
			var v Utf8Validator
			valid, ends, cur, total := v.Validate(b, true)
			assert.True(t, valid)
			assert.True(t, ends)
			assert.Equal(t, len(b), cur)
			assert.Equal(t, len(b), total)
			assert.Equal(t, c.want, *calls, "Validate")
			*calls = nil
			assert.True(t, ValidUTF8(b, true))
			assert.Equal(t, c.want, *calls, "ValidUTF8")
		})
	}
}

// TestNativeSplitIndexes corrupts one byte of mixed text at every position
// class and checks that the split between the Go prefix and the hook
// reports the same indexes as Go alone, over random chunkings.
func TestNativeSplitIndexes(t *testing.T) {
	calls := hookCalls(t)
	rng := rand.New(rand.NewPCG(7, 11))
	for iter := 0; iter < 3000; iter++ {
		prefix := bytes.Repeat([]byte("abcdefgh"), rng.IntN(40))
		b := append(prefix, randomText(rng, rng.IntN(600), false)...)
		if rng.IntN(2) == 0 && len(b) > 0 {
			b[rng.IntN(len(b))] = byte(0x80 + rng.IntN(0x80))
		}
		checkChunked(t, rng, b, 700, iter)
	}
	assert.NotEmpty(t, *calls, "the hook must have been exercised")
}

// checkChunked feeds b in random chunks of 1 to maxChunk bytes to a
// validator on the native path and to one on the Go path, and requires the
// same result for every chunk, the same final state, and ValidUTF8 to
// agree with utf8.Valid.
func checkChunked(t *testing.T, rng *rand.Rand, b []byte, maxChunk, iter int) {
	t.Helper()
	var got, want Utf8Validator
	for off := 0; off < len(b); {
		end := min(len(b), off+1+rng.IntN(maxChunk))
		gv, ge, gc, gt := got.Validate(b[off:end], true)
		wv, we, wc, wt := want.Validate(b[off:end], false)
		require.Equal(t, []any{wv, we, wc, wt}, []any{gv, ge, gc, gt}, "iter %d chunk %d:%d", iter, off, end)
		off = end
	}
	require.Equal(t, want, got, "iter %d: validator state", iter)
	require.Equal(t, utf8.Valid(b), ValidUTF8(b, true), "iter %d", iter)
}

// randomText mixes ASCII runs with 2- and 3-byte code points.
func randomText(rng *rand.Rand, n int, _ bool) []byte {
	var b []byte
	for len(b) < n {
		switch rng.IntN(3) {
		case 0:
			b = append(b, "plain ascii run of text "[:rng.IntN(24)]...)
		case 1:
			b = utf8.AppendRune(b, rune(0x80+rng.IntN(0x800-0x80)))
		default:
			b = utf8.AppendRune(b, rune(0x800+rng.IntN(0xD800-0x800)))
		}
	}
	return b
}

// TestNativeLeadRouting: below UTF8Min, a chunk from UTF8LeadMin bytes
// goes to C whole when its first word is not all ASCII, whatever follows,
// and stays in Go when it opens with ASCII or is shorter; results and
// carried state equal Go's alone, however the text is cut.
func TestNativeLeadRouting(t *testing.T) {
	calls := hookCalls(t)
	old := UTF8LeadMin
	t.Cleanup(func() { UTF8LeadMin = old })
	UTF8LeadMin = 32
	ascii := strings.Repeat("json, mostly plain ", 20)
	cjk := strings.Repeat("世界", 40)
	for _, c := range []struct {
		name string
		text string
		want []int
	}{
		{"CJK at the lead threshold", cjk[:33], []int{33}},
		{"CJK below it", cjk[:30], nil},
		{"a lone accent, then ASCII: Go", "Ça va" + ascii[:60], nil},
		{"accented words throughout", strings.Repeat("Ça été réglé ", 4), []int{72}},
		{"ASCII first word, then CJK", ascii[:8] + cjk[:60], nil},
		{"ASCII", ascii[:100], nil},
		{"at UTF8Min the old rules: whole", cjk[:129], []int{129}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := []byte(c.text)
			*calls = nil
			var v Utf8Validator
			valid, ends, cur, total := v.Validate(b, true)
			assert.Equal(t, []any{true, true, len(b), len(b)}, []any{valid, ends, cur, total})
			assert.Equal(t, c.want, *calls, "Validate")
			*calls = nil
			assert.True(t, ValidUTF8(b, true))
			assert.Equal(t, c.want, *calls, "ValidUTF8")
		})
	}
	rng := rand.New(rand.NewPCG(3, 5))
	*calls = nil
	for iter := 0; iter < 3000; iter++ {
		b := randomText(rng, rng.IntN(200), false)
		if rng.IntN(2) == 0 && len(b) > 0 {
			b[rng.IntN(len(b))] = byte(0x80 + rng.IntN(0x80))
		}
		checkChunked(t, rng, b, 120, iter)
	}
	assert.NotEmpty(t, *calls, "the hook must have been exercised")
}
