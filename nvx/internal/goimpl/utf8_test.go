package goimpl

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The pending field counts the bytes of the partial code point, as the C
// core's nvx_utf8_validator does, so both can continue each other's streams.
func TestStateFields(t *testing.T) {
	cases := []struct {
		chunks  []string
		state   uint32
		pending uint32
		total   uint64
	}{
		{[]string{"abc"}, stAccept, 0, 3},
		{[]string{"a\xF0"}, stF0, 1, 2},
		{[]string{"a\xF0", "\x9F"}, stCont2, 2, 3},
		{[]string{"\xF1", "\x80", "\x80"}, stCont1, 3, 3},
		{[]string{"\xF1\x80\x80\x80\xE0"}, stE0, 1, 5},
		{[]string{"\xC3"}, stCont1, 1, 1},
		{[]string{"\xED"}, stED, 1, 1},
		{[]string{"\xF4"}, stF4, 1, 1},
		{[]string{"\xE1"}, stCont2, 1, 1},
		{[]string{"\xF2"}, stCont3, 1, 1},
		{[]string{"xy", "\xE2\x82"}, stCont1, 2, 4},
		{[]string{"xy", "z\xFF"}, stReject, 0, 3},
	}
	for _, c := range cases {
		v := &Utf8Validator{}
		for _, s := range c.chunks {
			v.Validate([]byte(s), false)
		}
		assert.Equal(t, Utf8Validator{c.state, c.pending, c.total}, *v, "%q", c.chunks)
	}
}
