package ws

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peek returns the next n bytes without consuming them, reading the source
// as needed (tests only: the engine never peeks).
func (r *connReader) peek(n int) ([]byte, error) {
	if r.Buffered() >= n {
		return r.buf[r.r : int(r.r)+n], nil
	}
	b := make([]byte, n)
	m := copy(b, r.unread())
	for m < n && r.err == nil {
		k, err := r.src.Read(b[m:])
		m += k
		r.err = err
	}
	if r.pooled != nil {
		readBufPool.Put(r.pooled)
		readBufsOut.Add(-1)
		r.pooled = nil
	}
	r.buf, r.r, r.w = b, 0, int32(m)
	if m < n {
		return b[:m], r.takeErr()
	}
	return b, nil
}

// chunkReader hands out its data in reads of the given sizes (cycling),
// then err (io.EOF when nil); a size of 0 returns (0, nil) once.
type chunkReader struct {
	data   []byte
	sizes  []int
	i      int
	err    error
	reads  int
	errOut bool // return err together with the last bytes
}

func (c *chunkReader) Read(p []byte) (int, error) {
	c.reads++
	if len(c.data) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		return 0, io.EOF
	}
	n := len(p)
	if len(c.sizes) > 0 {
		n = min(n, c.sizes[c.i%len(c.sizes)])
		c.i++
	}
	n = copy(p, c.data[:min(n, len(c.data))])
	c.data = c.data[n:]
	if len(c.data) == 0 && c.errOut {
		err := c.err
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return n, nil
}

// readAllSized reads r to its end with reads of the given sizes (cycling)
// and returns the bytes and the error that ended it (nil for io.EOF).
func readAllSized(r io.Reader, sizes []int) ([]byte, error) {
	var out []byte
	for i := 0; ; i++ {
		n := sizes[i%len(sizes)]
		p := make([]byte, n)
		k, err := r.Read(p)
		out = append(out, p[:k]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if i > 1<<20 {
			return out, errors.New("no progress")
		}
	}
}

func crPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestConnReaderReads(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name     string
		pending  []byte
		data     []byte
		srcSizes []int // sizes of the source's reads
		rdSizes  []int // sizes of the caller's reads
		err      error // the source's final error (nil: io.EOF)
		errOut   bool
	}{
		{name: "empty", rdSizes: []int{10}},
		{name: "headers then payloads", data: crPattern(5000), rdSizes: []int{2, 4, 64, 2, 126}},
		{name: "split source reads", data: crPattern(3000), srcSizes: []int{1, 3, 7, 255, 256, 257}, rdSizes: []int{2, 100}},
		{name: "pending only", pending: crPattern(100), rdSizes: []int{3}},
		{name: "pending larger than small", pending: crPattern(1000), data: crPattern(70), rdSizes: []int{17, 300}},
		{name: "pending then large read", pending: crPattern(20), data: crPattern(70000), rdSizes: []int{1 << 20}},
		{name: "large direct reads", data: crPattern(3 << 20), rdSizes: []int{1 << 20, 16 << 10, 2}},
		{name: "read ahead after a full small", data: crPattern(100000), rdSizes: []int{2, 1}},
		{name: "error in the middle", data: crPattern(999), rdSizes: []int{2, 50}, err: boom},
		{name: "error with the last bytes", data: crPattern(999), rdSizes: []int{2, 50}, err: boom, errOut: true},
		{name: "EOF with the last bytes", data: crPattern(300), rdSizes: []int{7}, errOut: true},
		{name: "zero-length reads", data: crPattern(300), rdSizes: []int{0, 5, 0, 300}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := &chunkReader{data: bytes.Clone(tc.data), sizes: tc.srcSizes, err: tc.err, errOut: tc.errOut}
			pend := bytes.Clone(tc.pending)
			r := newConnReader(src, pend)
			for i := range pend {
				pend[i] = 0xEE // the caller's buffer is not kept
			}
			assert.Equal(t, len(tc.pending), r.Buffered())
			got, err := readAllSized(r, tc.rdSizes)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			want := append(bytes.Clone(tc.pending), tc.data...)
			require.Equal(t, len(want), len(got))
			require.True(t, bytes.Equal(want, got), "bytes differ")
			assert.Equal(t, 0, r.Buffered())
			assert.Nil(t, r.pooled, "a drained reader holds no pooled buffer")
		})
	}
}

// TestConnReaderDirectRead: a read at least readBufSize large goes into the
// caller's buffer in one source read (no copy through a buffer).
func TestConnReaderDirectRead(t *testing.T) {
	data := crPattern(1 << 20)
	src := &chunkReader{data: bytes.Clone(data)}
	r := newConnReader(src, nil)
	p := make([]byte, 1<<20)
	n, err := r.Read(p)
	require.NoError(t, err)
	assert.Equal(t, 1<<20, n)
	assert.Equal(t, 1, src.reads)
	assert.Nil(t, r.buf)
	assert.True(t, bytes.Equal(data, p))
}

// TestConnReaderBuffers: small reads go into the array inside the struct;
// a full one makes the next read borrow a pooled buffer, which goes back
// when consumed; release at a message boundary makes the next wait small.
func TestConnReaderBuffers(t *testing.T) {
	src := &chunkReader{data: crPattern(4 * readBufSize)}
	r := newConnReader(src, nil)
	var h [2]byte
	_, err := io.ReadFull(r, h[:])
	require.NoError(t, err)
	assert.Nil(t, r.pooled, "the first read goes into the small array")
	assert.Equal(t, connReaderSmall-2, r.Buffered())
	assert.True(t, r.hot)
	_, err = io.CopyN(io.Discard, &onlyReader{r}, int64(r.Buffered())) // CopyN reads in 32 KiB: direct
	require.NoError(t, err)
	_, err = io.ReadFull(r, h[:])
	require.NoError(t, err)
	require.NotNil(t, r.pooled, "a read after a full small array reads ahead into a pooled buffer")
	assert.Equal(t, readBufSize-2, r.Buffered())
	_, err = io.ReadFull(r, make([]byte, r.Buffered()))
	require.NoError(t, err)
	assert.Nil(t, r.pooled, "consumed: the buffer went back")
	assert.True(t, r.release())
	assert.False(t, r.hot)
	_, err = io.ReadFull(r, h[:])
	require.NoError(t, err)
	assert.Nil(t, r.pooled, "after release the wait reads into the small array")
}

// onlyReader hides every method but Read.
type onlyReader struct{ io.Reader }

// TestConnReaderErrorOnce: like bufio, the source's error is returned once
// after the bytes before it, and the source is read again afterwards.
func TestConnReaderErrorOnce(t *testing.T) {
	boom := errors.New("boom")
	src := &chunkReader{data: []byte("abc"), err: boom, errOut: true}
	r := newConnReader(src, nil)
	p := make([]byte, 2)
	n, err := r.Read(p)
	require.NoError(t, err)
	assert.Equal(t, "ab", string(p[:n]))
	n, err = r.Read(p)
	require.NoError(t, err)
	assert.Equal(t, "c", string(p[:n]))
	_, err = r.Read(p)
	require.ErrorIs(t, err, boom)
	_, err = r.Read(p)
	require.ErrorIs(t, err, boom, "the source is asked again")
}

// FuzzConnReader: any input, split any way by the source and read with any
// sizes, yields the same bytes and the same end as a plain bufio.Reader.
func FuzzConnReader(f *testing.F) {
	f.Add([]byte("\x81\x85abcd\x01\x02\x03\x04\x05"), []byte{2, 4, 5}, []byte{1, 2}, uint8(3))
	f.Add(crPattern(600), []byte{255, 1, 0}, []byte{2, 255}, uint8(0))
	f.Add(crPattern(40000), []byte{}, []byte{200, 255, 255}, uint8(17))
	f.Fuzz(func(t *testing.T, data, srcSizes, rdSizes []byte, npend uint8) {
		pend := min(int(npend), len(data))
		sizesOf := func(b []byte, scale int) []int {
			var s []int
			for _, x := range b {
				s = append(s, int(x)*scale)
			}
			return s
		}
		ss := sizesOf(srcSizes, 1)
		for i := range ss {
			ss[i] = max(ss[i], 1)
		}
		rs := sizesOf(rdSizes, 97) // up to ~24 KiB, past readBufSize
		if len(rs) == 0 {
			rs = []int{1}
		}
		for i := range rs {
			rs[i] = max(rs[i], 1)
		}
		ref, refErr := readAllSized(bufio.NewReaderSize(&chunkReader{data: bytes.Clone(data), sizes: ss}, 4096), rs)
		require.NoError(t, refErr)
		r := newConnReader(&chunkReader{data: bytes.Clone(data[pend:]), sizes: ss}, data[:pend])
		got, err := readAllSized(r, rs)
		require.NoError(t, err)
		require.True(t, bytes.Equal(ref, got), "got %d bytes, bufio %d", len(got), len(ref))
		require.True(t, bytes.Equal(data, got))
		require.Nil(t, r.pooled, "the borrowed buffer went back")
	})
}

// tcpConns returns the two ends of a loopback TCP connection.
func tcpConns(t *testing.T) (a, b *net.TCPConn) {
	x, y := tcpPair(t)
	return x.(*net.TCPConn), y.(*net.TCPConn)
}

// TestConnReaderSocket: over a TCP socket (the raw path on Unix) any
// split of the writes and of the reads yields the bytes in order, then
// io.EOF; pending bytes come first.
func TestConnReaderSocket(t *testing.T) {
	cases := []struct {
		name    string
		pending int
		writes  []int
		reads   []int
	}{
		{"small pieces", 0, []int{1, 2, 70, 300}, []int{2, 64}},
		{"pending first", 50, []int{200, 20000}, []int{2, 1000}},
		{"large", 0, []int{1 << 20, 3, 70000}, []int{2, 1 << 20, 16 << 10}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tcpConns(t)
			var want []byte
			pend := crPattern(tc.pending)
			want = append(want, pend...)
			r := newConnReader(a, pend)
			if runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1" {
				assert.True(t, r.raw.ok(), "a TCP socket is read through its RawConn")
			}
			var chunks [][]byte
			for i, n := range tc.writes {
				c := bytes.Repeat([]byte{byte(i + 1)}, n)
				chunks = append(chunks, c)
				want = append(want, c...)
			}
			go func() {
				for _, c := range chunks {
					_, _ = b.Write(c)
					time.Sleep(2 * time.Millisecond)
				}
				_ = b.CloseWrite()
			}()
			_ = a.SetReadDeadline(time.Now().Add(20 * time.Second))
			got, err := readAllSized(r, tc.reads)
			require.NoError(t, err)
			require.Equal(t, len(want), len(got))
			require.True(t, bytes.Equal(want, got))
			assert.Nil(t, r.pooled, "drained: no pooled buffer")
		})
	}
}

// TestConnReaderSocketErrors: a read deadline and a local close give the
// errors net.Conn.Read gives (a timeout; net.ErrClosed), and a reader that
// timed out reads on once the deadline is moved.
func TestConnReaderSocketErrors(t *testing.T) {
	a, b := tcpConns(t)
	r := newConnReader(a, nil)
	p := make([]byte, 10)
	_ = a.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	_, err := r.Read(p)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.Contains(t, err.Error(), "read tcp")
	assert.NotContains(t, err.Error(), "raw-read")
	assert.Nil(t, r.pooled, "waiting holds no pooled buffer")

	_ = a.SetReadDeadline(time.Time{})
	_, err = b.Write([]byte("hello"))
	require.NoError(t, err)
	n, err := r.Read(p)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(p[:n]))

	go func() {
		time.Sleep(30 * time.Millisecond)
		_ = a.Close()
	}()
	_, err = r.Read(p)
	require.ErrorIs(t, err, net.ErrClosed)
}
