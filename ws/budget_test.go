package ws

import (
	"bytes"
	stdflate "compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryBudgetReserve(t *testing.T) {
	type step struct {
		n, ceil int64
		ok      bool
		inUse   int64
	}
	cases := []struct {
		name    string
		limit   int64
		steps   []step
		peak    int64
		refused int64
	}{
		{"within", 100, []step{{60, 100, true, 60}, {40, 100, true, 100}}, 100, 0},
		{"over", 100, []step{{60, 100, true, 60}, {41, 100, false, 60}, {40, 100, true, 100}}, 100, 1},
		{"ceiling below limit", 100, []step{{40, 50, true, 40}, {20, 50, false, 40}, {20, 100, true, 60}}, 60, 1},
		{"no limit", 0, []step{{1 << 40, 0, true, 1 << 40}, {1, 0, true, 1<<40 + 1}}, 1<<40 + 1, 0},
		{"free", 100, []step{{100, 100, true, 100}, {-100, 0, true, 0}, {100, 100, true, 100}}, 100, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewMemoryBudget(tc.limit)
			assert.Equal(t, tc.limit, b.Limit())
			for i, s := range tc.steps {
				if s.n < 0 {
					b.free(-s.n)
				} else {
					assert.Equal(t, s.ok, b.reserve(s.n, s.ceil), "step %d", i)
				}
				assert.Equal(t, s.inUse, b.InUse(), "step %d", i)
			}
			assert.Equal(t, tc.peak, b.Peak())
			assert.Equal(t, tc.refused, b.Refused())
		})
	}
	assert.Equal(t, int64(0), NewMemoryBudget(-5).Limit(), "a negative limit means none")
}

// TestMemoryBudgetConcurrentReserve: charges from many goroutines never
// take the budget past its limit, and all come back.
func TestMemoryBudgetConcurrentReserve(t *testing.T) {
	b := NewMemoryBudget(1000)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				n := int64(1 + (g*7+i)%300)
				if b.reserve(n, b.Limit()) {
					assert.LessOrEqual(t, b.InUse(), int64(1000))
					b.free(n)
				}
			}
		}(g)
	}
	wg.Wait()
	assert.Equal(t, int64(0), b.InUse())
	assert.LessOrEqual(t, b.Peak(), int64(1000))
}

func TestMemoryBudgetDefaults(t *testing.T) {
	srv := NewServer(func() Handler { return &BaseHandler{} }, nil)
	require.NotNil(t, srv.opts.MemoryBudget)
	assert.Equal(t, int64(DefaultMemoryBudget), srv.opts.MemoryBudget.Limit())
	shared := NewMemoryBudget(1 << 20)
	o := DefaultOptions()
	o.MemoryBudget = shared
	s1 := NewServer(func() Handler { return &BaseHandler{} }, o)
	s2 := NewServer(func() Handler { return &BaseHandler{} }, o)
	assert.Same(t, shared, s1.opts.MemoryBudget, "a given budget is shared, not copied")
	assert.Same(t, shared, s2.opts.MemoryBudget)
	assert.Same(t, acceptBudget(), acceptBudget(), "Accept connections share one budget")
	assert.Equal(t, int64(DefaultMemoryBudget), acceptBudget().Limit())
	assert.Nil(t, DefaultOptions().MemoryBudget, "Dial uses none unless given")
}

// budgetOpts are test options with budget b, and a close handshake
// timeout long enough for a loaded machine: the peer's close reply comes
// only after it wrote the whole refused message.
func budgetOpts(b *MemoryBudget) *Options {
	o := testOpts()
	o.MemoryBudget = b
	o.CloseHandshakeTimeout = 4 * testTimeout
	return o
}

// sendLoose writes msg as a binary message in frames of at most frame
// bytes on its own goroutine, stopping quietly at the first write error
// (the server may drop the connection); the channel closes when done.
func sendLoose(p *rawPeer, msg []byte, frame int) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < len(msg); i += frame {
			end := min(i+frame, len(msg))
			op := byte(OpContinuation)
			if i == 0 {
				op = OpBinary
			}
			if _, err := p.c.Write(encode(op, end == len(msg), 0, msg[i:end], true)); err != nil {
				return
			}
		}
	}()
	return done
}

// replyClose answers the server's close once sent is done, ignoring a
// connection already gone.
func replyClose(p *rawPeer, sent <-chan struct{}, code int) {
	if sent != nil {
		<-sent
	}
	_, _ = p.c.Write(encode(OpClose, true, 0, closePayload(code, ""), true))
}

// sendFragmented sends msg as binary frames of at most frame bytes; with
// fin false the message stays open.
func sendFragmented(p *rawPeer, msg []byte, frame int, first, fin bool) {
	for i := 0; i < len(msg); i += frame {
		end := min(i+frame, len(msg))
		op := byte(OpContinuation)
		if first && i == 0 {
			op = OpBinary
		}
		p.send(op, fin && end == len(msg), msg[i:end])
	}
}

func budgetPattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7) + byte(i>>9)
	}
	return b
}

// TestMemoryBudgetOverflowGets1013: with a 1 MiB budget, a connection
// holding a large message in progress leaves too little for a second
// large one, which gets 1013; a small message passes meanwhile; both
// the held message and, once it was delivered, a new large one arrive
// intact; nothing is charged after the connections close.
func TestMemoryBudgetOverflowGets1013(t *testing.T) {
	b := NewMemoryBudget(1 << 20)
	_, hA, pA := serverWithPeer(t, budgetOpts(b), nil)
	msgA := budgetPattern(330<<10, 1)
	sendFragmented(pA, msgA[:320<<10], 32<<10, true, false)
	// Wait until the server holds A's 320 KiB (512 KiB of buffer).
	require.Eventually(t, func() bool { return b.InUse() >= 400<<10 }, testTimeout, time.Millisecond)

	cB, hB, pB := serverWithPeer(t, budgetOpts(b), nil)
	sentB := sendLoose(pB, budgetPattern(400<<10, 2), 32<<10)
	pB.expectClose(CloseTryAgainLater)
	replyClose(pB, sentB, CloseTryAgainLater)
	ci := hB.waitClose(t)
	assert.Equal(t, CloseTryAgainLater, ci.code, "server side: %q", ci.reason)
	<-cB.Done()
	assert.Empty(t, hB.msgs)

	_, hC, pC := serverWithPeer(t, budgetOpts(b), nil)
	msgC := budgetPattern(10<<10, 3)
	sendFragmented(pC, msgC, 4<<10, true, true)
	assert.Equal(t, msgC, hC.nextMsg(t).payload, "a small message needs no budget")

	sendFragmented(pA, msgA[320<<10:], 32<<10, false, true)
	assert.Equal(t, msgA, hA.nextMsg(t).payload, "the held message is intact")
	require.Eventually(t, func() bool { return b.InUse() == 0 }, testTimeout, time.Millisecond, "released on delivery")

	_, hD, pD := serverWithPeer(t, budgetOpts(b), nil)
	msgD := budgetPattern(400<<10, 4)
	sendFragmented(pD, msgD, 32<<10, true, true)
	assert.Equal(t, msgD, hD.nextMsg(t).payload, "room again once A was delivered")

	assert.LessOrEqual(t, b.Peak(), b.Limit())
	assert.GreaterOrEqual(t, b.Refused(), int64(1))
	// D's buffer is given back after OnMessage returns, which may be just
	// after the test has the payload.
	require.Eventually(t, func() bool { return b.InUse() == 0 }, testTimeout, time.Millisecond, "released after D's delivery")
}

// TestMemoryBudgetMessageLargerThanBudget: a message that alone needs
// more than the whole budget gets 1009 every time, uncompressed or
// compressed, and gives everything back.
func TestMemoryBudgetMessageLargerThanBudget(t *testing.T) {
	b := NewMemoryBudget(256 << 10)
	for i := 0; i < 3; i++ {
		c, h, p := serverWithPeer(t, budgetOpts(b), nil)
		sent := sendLoose(p, budgetPattern(512<<10, byte(i)), 32<<10)
		p.expectClose(CloseMessageTooBig)
		replyClose(p, sent, CloseMessageTooBig)
		assert.Equal(t, CloseMessageTooBig, h.waitClose(t).code)
		<-c.Done()
	}
	// Compressed: 4 MiB of zeros with the real codec.
	var z bytes.Buffer
	fw, _ := stdflate.NewWriter(&z, stdflate.BestCompression)
	_, _ = fw.Write(make([]byte, 4<<20))
	_ = fw.Flush()
	bomb := bytes.TrimSuffix(z.Bytes(), deflateTail)
	for i := 0; i < 3; i++ {
		codec := newDeflateCodec(deflateParams{sendWindowBits: 15, recvWindowBits: 15, recvNoTakeover: true, level: 1})
		c, h, p := serverWithPeer(t, budgetOpts(b), codec)
		p.sendRSV(OpBinary, true, 4, bomb)
		p.expectClose(CloseMessageTooBig)
		replyClose(p, nil, CloseMessageTooBig)
		assert.Equal(t, CloseMessageTooBig, h.waitClose(t).code)
		<-c.Done()
	}
	assert.LessOrEqual(t, b.Peak(), b.Limit())
	assert.Equal(t, int64(0), b.InUse())
}

// TestMemoryBudgetConcurrentServer: through a real Server and its
// handshake, several clients at once send large messages, plain and
// compressed, into a small budget. Each one is either echoed intact or
// closed with 1013; the charge never passes the limit and is 0 once all
// connections closed.
func TestMemoryBudgetConcurrentServer(t *testing.T) {
	for _, deflate := range []bool{false, true} {
		t.Run(fmt.Sprintf("deflate=%v", deflate), func(t *testing.T) {
			b := NewMemoryBudget(1 << 20)
			o := budgetOpts(b)
			if deflate {
				o.PerMessageDeflate = &DeflateOptions{}
			}
			url, srv := serveEcho(t, o)
			const clients, rounds = 6, 3
			type result struct{ ok, tryLater, other int }
			results := make([]result, clients)
			var wg sync.WaitGroup
			for i := 0; i < clients; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					co := testOpts()
					co.AutoFragmentSize = 16 << 10
					if deflate {
						co.PerMessageDeflate = &DeflateOptions{}
					}
					ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
					defer cancel()
					cli, err := Dial(ctx, url, nil, co)
					if !assert.NoError(t, err) {
						return
					}
					defer func() { _ = cli.CloseNow() }()
					for r := 0; r < rounds; r++ {
						msg := budgetPattern(300<<10, byte(i*rounds+r))
						if deflate {
							// Compressible but not trivial: runs of the pattern.
							msg = bytes.Repeat(budgetPattern(1<<10, byte(i)), 300)
						}
						if cli.SendMessage(msg, true) != nil {
							results[i].tryLater++ // closed under us by the 1013
							return
						}
						_, got, err := cli.ReadMessage(ctx)
						var ce *CloseError
						switch {
						case err == nil && bytes.Equal(msg, got):
							results[i].ok++
						case errors.As(err, &ce) && ce.Code == CloseTryAgainLater:
							results[i].tryLater++
							return
						default:
							results[i].other++
							t.Errorf("client %d round %d: %d bytes back, err %v", i, r, len(got), err)
							return
						}
					}
				}(i)
			}
			wg.Wait()
			var sum result
			for _, r := range results {
				sum.ok += r.ok
				sum.tryLater += r.tryLater
				sum.other += r.other
			}
			t.Logf("%d messages echoed intact, %d connections closed with 1013; budget peak %d of %d, %d refusals",
				sum.ok, sum.tryLater, b.Peak(), b.Limit(), b.Refused())
			assert.Zero(t, sum.other)
			assert.Positive(t, sum.ok)
			assert.LessOrEqual(t, b.Peak(), b.Limit())
			assert.LessOrEqual(t, int64(sum.tryLater), b.Refused(), "every 1013 comes from a refusal")
			require.Eventually(t, func() bool { return srv.ConnectionCount() == 0 }, testTimeout, 5*time.Millisecond)
			assert.Equal(t, int64(0), b.InUse(), "no charge left after the connections closed")
		})
	}
}

// TestMemoryBudgetReadMessage: in blocking mode, what ReadMessage gathers
// is charged; past the budget it fails with ErrMemoryBudget and the peer
// gets 1013; everything is given back.
func TestMemoryBudgetReadMessage(t *testing.T) {
	b := NewMemoryBudget(256 << 10)
	a, nc := tcpPair(t)
	c := engine(t, a, true, budgetOpts(b), nil, nil)
	p := newPeer(t, nc, true)

	small := budgetPattern(100<<10, 9)
	sentSmall := sendLoose(p, small, 32<<10)
	_, got, err := c.ReadMessage(context.Background())
	<-sentSmall
	require.NoError(t, err)
	assert.Equal(t, small, got)
	assert.Equal(t, int64(0), b.InUse(), "released when ReadMessage returns")

	sent := sendLoose(p, budgetPattern(1<<20, 10), 32<<10)
	_, _, err = c.ReadMessage(context.Background())
	require.ErrorIs(t, err, ErrMemoryBudget)
	p.expectClose(CloseTryAgainLater)
	replyClose(p, sent, CloseTryAgainLater)
	// The next read discards the rest of the abandoned message and ends
	// with the close, never with a piece of it.
	_, _, err = c.ReadMessage(context.Background())
	assert.ErrorIs(t, err, ErrClosed)
	<-c.Done()
	assert.LessOrEqual(t, b.Peak(), b.Limit())
	assert.Equal(t, int64(0), b.InUse())
}

// TestMemoryBudgetKeptCompressor: a full context takeover compressor is
// charged while kept, only up to half the budget; past that a message is
// compressed with a pooled compressor (still valid), and closing gives
// the charge back.
func TestMemoryBudgetKeptCompressor(t *testing.T) {
	cost := deflaterCost[1]
	b := NewMemoryBudget(5 * cost) // half: room for two kept compressors
	msg := bytes.Repeat([]byte("context takeover keeps this compressor alive; "), 100)
	var codecs []*deflateCodec
	for i := 0; i < 3; i++ {
		d := newDeflateCodec(deflateParams{sendWindowBits: 15, recvWindowBits: 15, level: 1})
		d.budget = b
		var stream []byte // the messages as one deflate stream (context takeover)
		for j := 0; j < 3; j++ {
			out, err := d.compress(nil, msg)
			require.NoError(t, err)
			stream = append(append(stream, out...), deflateTail...)
		}
		got, err := io.ReadAll(stdflate.NewReader(bytes.NewReader(stream)))
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Equal(t, bytes.Repeat(msg, 3), got, "codec %d", i)
		codecs = append(codecs, d)
	}
	assert.NotNil(t, codecs[0].fw)
	assert.NotNil(t, codecs[1].fw)
	assert.Nil(t, codecs[2].fw, "no room for a third kept compressor")
	assert.Equal(t, 2*cost, b.InUse())
	codecs[0].close()
	assert.Equal(t, cost, b.InUse())
	out, err := codecs[2].compress(nil, msg)
	require.NoError(t, err)
	assert.Equal(t, msg, inflate(t, out))
	assert.NotNil(t, codecs[2].fw, "kept once there is room again")
	codecs[1].close()
	codecs[2].close()
	assert.Equal(t, int64(0), b.InUse())
}

// TestMemoryBudgetSharedAcrossConns: connections of two servers sharing
// one budget draw on the same counter.
func TestMemoryBudgetSharedAcrossConns(t *testing.T) {
	b := NewMemoryBudget(1 << 20)
	_, h1, p1 := serverWithPeer(t, budgetOpts(b), nil)
	held := budgetPattern(320<<10, 5)
	sendFragmented(p1, held, 32<<10, true, false)
	require.Eventually(t, func() bool { return b.InUse() >= 400<<10 }, testTimeout, time.Millisecond)
	a, nc := tcpPair(t)
	h2 := newRec()
	engine(t, a, true, budgetOpts(b), h2, nil)
	p2 := newPeer(t, nc, true)
	sent2 := sendLoose(p2, budgetPattern(400<<10, 6), 32<<10)
	p2.expectClose(CloseTryAgainLater)
	replyClose(p2, sent2, CloseTryAgainLater)
	p1.send(OpContinuation, true, nil)
	assert.Equal(t, held, h1.nextMsg(t).payload)
}

// budgetAcceptHandler replaces the options of its connection (without a
// budget) and reports the budget the connection got.
type budgetAcceptHandler struct {
	BaseHandler
	got chan *MemoryBudget
}

func (h budgetAcceptHandler) OnConnect(*ConnectionRequest) (*ConnectionAccept, error) {
	return &ConnectionAccept{Options: testOpts()}, nil
}

func (h budgetAcceptHandler) OnOpen(c *Conn) { h.got <- c.opts.MemoryBudget }

// TestMemoryBudgetConnectionAcceptKeepsServerBudget: options replaced in
// OnConnect without a budget keep the server's.
func TestMemoryBudgetConnectionAcceptKeepsServerBudget(t *testing.T) {
	got := make(chan *MemoryBudget, 1)
	srv := NewServer(func() Handler { return budgetAcceptHandler{got: got} }, testOpts())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cli, err := Dial(ctx, "ws://"+ln.Addr().String()+"/", nil, testOpts())
	require.NoError(t, err)
	defer func() { _ = cli.CloseNow() }()
	assert.Nil(t, cli.opts.MemoryBudget, "Dial: none unless given")
	select {
	case b := <-got:
		assert.Same(t, srv.opts.MemoryBudget, b)
	case <-time.After(testTimeout):
		t.Fatal("no OnOpen")
	}
}
