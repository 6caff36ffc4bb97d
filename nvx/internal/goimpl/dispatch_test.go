package goimpl

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
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
