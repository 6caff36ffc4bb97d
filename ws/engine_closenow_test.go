package ws

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// closeNowInOnClose calls CloseNow from OnClose and records what it got.
type closeNowInOnClose struct {
	*recHandler
	got chan error
}

func (h closeNowInOnClose) OnClose(c *Conn, wasClean bool, code int, reason string) {
	h.got <- c.CloseNow()
	h.recHandler.OnClose(c, wasClean, code, reason)
}

// TestCloseNowOnceDropped: CloseNow reports ErrClosed whenever the
// connection was already dropped, which includes the whole of OnClose
// (it runs before Done is closed: checking Done alone made a CloseNow
// right after OnClose return nil), and does not turn a clean close into an
// unclean one.
func TestCloseNowOnceDropped(t *testing.T) {
	for _, peerCloses := range []bool{true, false} {
		name := "dropped by CloseNow"
		if peerCloses {
			name = "after a clean closing handshake"
		}
		t.Run(name, func(t *testing.T) {
			a, b := tcpPair(t)
			h := closeNowInOnClose{newRec(), make(chan error, 1)}
			c := engine(t, a, true, testOpts(), h, nil)
			p := newPeer(t, b, true)
			if peerCloses {
				p.send(OpClose, true, closePayload(CloseNormal, "bye"))
				p.expectClose(CloseNormal)
			} else {
				require.NoError(t, c.CloseNow())
			}
			ci := h.waitClose(t)
			assert.ErrorIs(t, <-h.got, ErrClosed, "CloseNow inside OnClose")
			assert.Equal(t, peerCloses, ci.wasClean)
			assert.ErrorIs(t, c.CloseNow(), ErrClosed, "CloseNow right after OnClose")
		})
	}
}

// TestCloseNowConcurrent: of concurrent CloseNow calls exactly one drops.
func TestCloseNowConcurrent(t *testing.T) {
	c, h, _ := serverWithPeer(t, nil, nil)
	const n = 8
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.CloseNow()
		}()
	}
	wg.Wait()
	close(errs)
	nils := 0
	for err := range errs {
		if err == nil {
			nils++
		} else {
			assert.ErrorIs(t, err, ErrClosed)
		}
	}
	assert.Equal(t, 1, nils)
	assert.Equal(t, CloseAbnormal, h.waitClose(t).code)
}
