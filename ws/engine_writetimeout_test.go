package ws

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteTimeoutPeerStopsReading: a peer that never reads makes the
// kernel buffers fill; the blocked send then fails within WriteTimeout
// (plus slack), the connection is dropped and OnClose runs once, unclean.
func TestWriteTimeoutPeerStopsReading(t *testing.T) {
	const wt = 200 * time.Millisecond
	const slack = 2 * time.Second // generous: the machine is shared
	tests := []struct {
		name   string
		server bool // server: unmasked frames (writev); client: masked chunks
		size   int
		send   func(c *Conn, p []byte) error
	}{
		{name: "server SendMessage", server: true, size: 64 << 10, send: func(c *Conn, p []byte) error { return c.SendMessage(p, true) }},
		{name: "server large frames", server: true, size: 1 << 20, send: func(c *Conn, p []byte) error { return c.SendMessage(p, true) }},
		{name: "client SendMessage", server: false, size: 64 << 10, send: func(c *Conn, p []byte) error { return c.SendMessage(p, true) }},
		{name: "server NextWriter", server: true, size: 64 << 10, send: func(c *Conn, p []byte) error {
			w, err := c.NextWriter(true)
			if err != nil {
				return err
			}
			if _, err := w.Write(p); err != nil {
				return err
			}
			return w.Close()
		}},
		{name: "client BeginMessageFrame", server: false, size: 64 << 10, send: func(c *Conn, p []byte) error {
			if err := c.BeginMessage(true, true); err != nil {
				return err
			}
			if err := c.BeginMessageFrame(int64(len(p))); err != nil {
				return err
			}
			if err := c.SendMessageFrameData(p); err != nil {
				return err
			}
			return c.EndMessage()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tcpPair(t)
			_ = b // the peer never reads
			o := testOpts()
			o.WriteTimeout = wt
			h := newRec()
			c := engine(t, a, tc.server, o, h, nil)
			payload := bytes.Repeat([]byte("x"), tc.size)

			r := sendUntilFail(t, func() error { return tc.send(c, payload) })
			err, took, sent := r.err, r.took, r.sent
			require.Error(t, err, "sends never failed (%d sent)", sent)
			assert.Positive(t, sent, "the first send already failed: %v", err)
			assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
			assert.Contains(t, err.Error(), "WriteTimeout")
			// One socket write carries at most writeSlice bytes, so a send
			// takes at most one timeout per slice once the buffers are full,
			// and only the last slice waits in practice.
			slices := (tc.size + writeSlice - 1) / writeSlice
			assert.Less(t, took, time.Duration(slices)*wt+slack, "the blocked send took too long")

			ci := h.waitClose(t)
			assert.False(t, ci.wasClean)
			assert.Equal(t, CloseAbnormal, ci.code)
			assert.Contains(t, ci.reason, "write timeout")
			select {
			case <-c.Done():
			case <-time.After(testTimeout):
				t.Fatal("connection did not finish")
			}
			// Later sends fail at once; OnClose ran once.
			assert.ErrorIs(t, c.SendMessage([]byte("late"), false), ErrClosed)
			h.mu.Lock()
			assert.Equal(t, 1, h.nCloses)
			h.mu.Unlock()
		})
	}
}

// TestWriteTimeoutUnblocksOtherSenders: senders queued behind the blocked
// write (another message, a close) return too instead of hanging.
func TestWriteTimeoutUnblocksOtherSenders(t *testing.T) {
	a, b := tcpPair(t)
	_ = b
	o := testOpts()
	o.WriteTimeout = 200 * time.Millisecond
	o.CloseHandshakeTimeout = 0 // no close timer: only the write timeout can end this
	h := newRec()
	c := engine(t, a, true, o, h, nil)
	payload := bytes.Repeat([]byte("y"), 64<<10)
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			var err error
			for err == nil {
				if i == 3 {
					time.Sleep(100 * time.Millisecond)
					err = c.SendClose(CloseNormal, "")
					if err == nil {
						err = fmt.Errorf("close sent")
					}
					continue
				}
				err = c.SendMessage(payload, true)
			}
			errs <- err
		}()
	}
	for range 4 {
		select {
		case err := <-errs:
			assert.Error(t, err)
		case <-time.After(testTimeout):
			t.Fatal("a sender is still blocked")
		}
	}
	ci := h.waitClose(t)
	assert.False(t, ci.wasClean)
	assert.Equal(t, CloseAbnormal, ci.code)
	assert.True(t, errors.Is(c.SendPing(nil), ErrClosed) || c.isDone())
}
