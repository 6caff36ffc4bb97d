package ws

// The conformance suites again with Options.EventLoop on: every case of
// the callback, blocking, NextReader and streaming tables, both roles,
// runs with the connection served by the poller (evloop.go). On platforms
// without a poller the connections fall back to goroutine mode and the
// cases still must pass.

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inEventLoop returns the cases with EventLoop switched on before each
// case's own option tweak.
func inEventLoop(cases []confCase) []confCase {
	out := make([]confCase, len(cases))
	for i, c := range cases {
		tweak := c.opts
		c.opts = func(o *Options) {
			o.EventLoop = true
			if tweak != nil {
				tweak(o)
			}
		}
		out[i] = c
	}
	return out
}

func TestConformanceEventLoopServer(t *testing.T) {
	t.Parallel()
	runConfTable(t, rawClient, inEventLoop(append(sharedCases(), serverOnlyCases()...)))
}

func TestConformanceEventLoopClient(t *testing.T) {
	t.Parallel()
	runConfTable(t, rawServer, inEventLoop(append(sharedCases(), clientOnlyCases()...)))
}

func TestConformanceEventLoopBlockingServer(t *testing.T) {
	t.Parallel()
	runBlockingTable(t, rawClient, false, inEventLoop(blockingCases()))
}

func TestConformanceEventLoopBlockingClient(t *testing.T) {
	t.Parallel()
	runBlockingTable(t, rawServer, false, inEventLoop(blockingCases()))
}

func TestConformanceEventLoopNextReaderServer(t *testing.T) {
	t.Parallel()
	runBlockingTable(t, rawClient, true, inEventLoop(blockingCases()))
}

func TestConformanceEventLoopNextReaderClient(t *testing.T) {
	t.Parallel()
	runBlockingTable(t, rawServer, true, inEventLoop(blockingCases()))
}

func TestConformanceEventLoopStreamingServer(t *testing.T) {
	t.Parallel()
	runStreamingTable(t, rawClient, inEventLoop(streamingCases()))
}

func TestConformanceEventLoopStreamingClient(t *testing.T) {
	t.Parallel()
	runStreamingTable(t, rawServer, inEventLoop(streamingCases()))
}

func TestConformanceEventLoopCloseTiming(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		role     rawRole
		blocking bool
	}{{"server", rawClient, false}, {"client", rawServer, false}, {"blocking-server", rawClient, true}, {"blocking-client", rawServer, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.blocking {
				runBlockingTable(t, tc.role, false, inEventLoop(closeTimingCases()))
			} else {
				runConfTable(t, tc.role, inEventLoop(closeTimingCases()))
			}
		})
	}
}

// TestDeflateEventLoop: permessage-deflate in event mode on both sides,
// with and without context takeover and fragmentation, messages of every
// size (some inflate across many poller reads).
func TestDeflateEventLoop(t *testing.T) {
	msgs := [][]byte{nil, []byte("x"), pmdText(64, 2), pmdText(5000, 3), pmdText(5000, 3), pmdText(200000, 4), pmdText(1<<20, 6)}
	for _, s := range []*DeflateOptions{{}, {NoContextTakeover: true}, {MaxWindowBits: 9}} {
		for _, frag := range []int{0, 777} {
			t.Run(fmt.Sprintf("noctx=%v/win=%d/frag=%d", s.NoContextTakeover, s.MaxWindowBits, frag), func(t *testing.T) {
				addr := pmdServer(t, s, func(o *Options) { o.AutoFragmentSize = frag; o.EventLoop = true })
				o := DefaultOptions()
				o.PerMessageDeflate = &DeflateOptions{}
				o.AutoFragmentSize = frag
				o.EventLoop = true
				c, err := Dial(pmdCtx(t), "ws://"+addr+"/", nil, o)
				require.NoError(t, err)
				defer func() { _ = c.CloseNow() }()
				require.True(t, c.Compressed())
				assert.Equal(t, eventLoopAvailable(), inEvent(c))
				for i, m := range msgs {
					require.NoError(t, c.SendMessage(m, false))
					_, got, err := c.ReadMessage(pmdCtx(t))
					require.NoError(t, err, "message %d", i)
					require.True(t, bytes.Equal(m, got), "message %d: %d bytes back for %d", i, len(got), len(m))
				}
			})
		}
	}
}
