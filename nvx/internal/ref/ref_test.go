package ref

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// The reference must agree with the hand-written table and with utf8.Valid.
func TestValidateCases(t *testing.T) {
	for _, c := range Cases {
		valid, ends, idx := Validate([]byte(c.In))
		assert.Equal(t, c.Valid, valid, c.Name)
		assert.Equal(t, c.Ends, ends, c.Name)
		assert.Equal(t, c.Index, idx, c.Name)
		assert.Equal(t, utf8.ValidString(c.In), valid && ends, c.Name)
	}
}

func TestXorMask(t *testing.T) {
	b := []byte{0, 0, 0, 0, 0, 0xFF}
	next := XorMask(b, [4]byte{1, 2, 3, 4}, 2)
	assert.Equal(t, []byte{3, 4, 1, 2, 3, 0xFB}, b)
	assert.Equal(t, 0, next) // (2+6)%4
}
