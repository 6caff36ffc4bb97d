package ws

// The shared conformance cases again, with a Handler that implements
// FrameHandler (Autobahn's onMessageBegin ... onMessageEnd): messages reach
// the handler frame by frame as they arrive. The handler reassembles and
// echoes at OnMessageEnd, so every case applies unchanged; on top, the
// streaming callbacks must nest properly and the data must add up to the
// announced frame lengths.

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// confStreamHandler is a confHandler receiving messages as streams.
type confStreamHandler struct {
	*confHandler

	// read goroutine only (callbacks run one at a time)
	inMsg, inFrame bool
	isBinary       bool
	buf            []byte
	frameLen       int64
	frameGot       int64
	violations     []string
}

func (h *confStreamHandler) violate(format string, args ...any) {
	h.mu.Lock()
	h.violations = append(h.violations, fmt.Sprintf(format, args...))
	h.mu.Unlock()
}

func (h *confStreamHandler) OnMessage(*Conn, []byte, bool) {
	h.violate("OnMessage called although the handler implements FrameHandler")
}

func (h *confStreamHandler) OnMessageBegin(_ *Conn, isBinary bool) {
	if h.inMsg {
		h.violate("OnMessageBegin inside a message")
	}
	h.inMsg, h.isBinary, h.buf = true, isBinary, nil
}

func (h *confStreamHandler) OnMessageFrameBegin(_ *Conn, length int64) {
	if !h.inMsg || h.inFrame {
		h.violate("OnMessageFrameBegin outside a message or inside a frame")
	}
	h.inFrame, h.frameLen, h.frameGot = true, length, 0
}

func (h *confStreamHandler) OnMessageFrameData(_ *Conn, p []byte) {
	if !h.inFrame {
		h.violate("OnMessageFrameData outside a frame")
	}
	h.frameGot += int64(len(p))
	if h.frameGot > h.frameLen {
		h.violate("frame data %d bytes exceeds the announced %d", h.frameGot, h.frameLen)
	}
	h.buf = append(h.buf, p...) // p is only valid during the call
}

func (h *confStreamHandler) OnMessageFrameEnd(*Conn) {
	if !h.inFrame {
		h.violate("OnMessageFrameEnd outside a frame")
	}
	if h.frameGot != h.frameLen {
		h.violate("frame ended after %d of %d bytes", h.frameGot, h.frameLen)
	}
	h.inFrame = false
}

func (h *confStreamHandler) OnMessageEnd(c *Conn) {
	if !h.inMsg || h.inFrame {
		h.violate("OnMessageEnd outside a message or inside a frame")
	}
	h.inMsg = false
	p := bytes.Clone(h.buf)
	h.record(confEvent{kind: "message", payload: p, binary: h.isBinary})
	_ = c.SendMessage(p, h.isBinary)
}

func runStreamingTable(t *testing.T, role rawRole, cases []confCase) {
	for _, c := range cases {
		if c.roles != nil && !containsRole(c.roles, role) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.bug != "" {
				t.Skip("BUG: " + c.bug)
			}
			opts := confOptions()
			if c.opts != nil {
				c.opts(opts)
			}
			sh := &confStreamHandler{confHandler: newConfHandler()}
			e := startCaseWith(t, role, opts, sh.confHandler, sh)
			playConfCase(t, e, c)
			sh.mu.Lock()
			defer sh.mu.Unlock()
			assert.Empty(t, sh.violations, "streaming callbacks")
		})
	}
}

// streamingCases: everything shared except the every-split UTF-8 variants.
func streamingCases() []confCase {
	var cs []confCase
	for _, c := range sharedCases() {
		if !bytes.Contains([]byte(c.name), []byte("-split-at-")) {
			cs = append(cs, c)
		}
	}
	return cs
}

func TestConformanceStreamingServer(t *testing.T) {
	t.Parallel()
	runStreamingTable(t, rawClient, streamingCases())
}

func TestConformanceStreamingClient(t *testing.T) {
	t.Parallel()
	runStreamingTable(t, rawServer, streamingCases())
}
