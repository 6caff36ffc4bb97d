package ws

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFeedReader: the event loop's reader has no small array; it reads
// the same bytes as a connReader, borrowing a pooled buffer for short
// reads and giving it back once consumed.
func TestFeedReader(t *testing.T) {
	cases := []struct {
		name     string
		pending  []byte
		data     []byte
		srcSizes []int
		rdSizes  []int
	}{
		{name: "headers then payloads", data: crPattern(5000), rdSizes: []int{2, 4, 64, 2, 126}},
		{name: "split source reads", data: crPattern(3000), srcSizes: []int{1, 3, 7, 255, 256, 257}, rdSizes: []int{2, 100}},
		{name: "pending small", pending: crPattern(100), data: crPattern(10), rdSizes: []int{3}},
		{name: "pending large", pending: crPattern(1000), data: crPattern(70), rdSizes: []int{17, 300}},
		{name: "large direct reads", data: crPattern(3 << 20), rdSizes: []int{1 << 20, 16 << 10, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := &chunkReader{data: bytes.Clone(tc.data), sizes: tc.srcSizes}
			r := newFeedReader(src, bytes.Clone(tc.pending))
			require.Nil(t, r.small)
			got, err := readAllSized(r, tc.rdSizes)
			require.NoError(t, err)
			want := append(bytes.Clone(tc.pending), tc.data...)
			require.True(t, bytes.Equal(want, got), "bytes differ")
			assert.Zero(t, r.Buffered())
			assert.Nil(t, r.pooled, "a drained reader holds no pooled buffer")
			assert.Nil(t, r.buf)
		})
	}
	assert.Less(t, unsafe.Sizeof(connReader{}), uintptr(connReaderSmall), "the feed reader is smaller than the small array")
}
