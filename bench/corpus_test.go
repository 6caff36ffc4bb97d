package bench

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestText(t *testing.T) {
	for _, kind := range Texts {
		for _, n := range []int{1, 8, 63, 64, 1000, 65536} {
			b := Text(kind, n)
			assert.Len(t, b, n, kind)
			assert.True(t, utf8.Valid(b), "%s %d", kind, n)
			assert.True(t, bytes.Equal(b, Text(kind, n)), "deterministic")
		}
	}
	count := func(kind string) (ascii int) {
		for _, c := range Text(kind, 1<<14) {
			if c < 0x80 {
				ascii++
			}
		}
		return ascii
	}
	assert.Equal(t, 1<<14, count("ascii"))
	assert.InDelta(t, 0.9*(1<<14), count("latin"), 0.08*(1<<14), "latin is mostly ASCII with accents")
	assert.Less(t, count("cjk"), (1<<14)/5, "cjk is mostly 3-byte")
}

func TestSizeName(t *testing.T) {
	for n, want := range map[int]string{8: "8B", 1000: "1000B", 1024: "1KiB", 65536: "64KiB", 1 << 20: "1MiB", 1536: "1536B"} {
		assert.Equal(t, want, SizeName(n))
	}
}
