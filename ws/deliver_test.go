package ws

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evRec records the receive callbacks of the handlers below as strings.
type evRec struct {
	BaseHandler
	ev chan string
}

func newEvRec() *evRec { return &evRec{ev: make(chan string, 1000)} }

func (r *evRec) OnMessage(_ *Conn, p []byte, isBinary bool) {
	r.ev <- fmt.Sprintf("msg %v %q", isBinary, p)
}
func (r *evRec) OnClose(*Conn, bool, int, string) { r.ev <- "close" }
func (r *evRec) begin(isBinary bool)              { r.ev <- fmt.Sprintf("begin %v", isBinary) }
func (r *evRec) frameBegin(n int64)               { r.ev <- fmt.Sprintf("fbegin %d", n) }
func (r *evRec) data(p []byte)                    { r.ev <- fmt.Sprintf("data %q", p) }
func (r *evRec) frame(p []byte)                   { r.ev <- fmt.Sprintf("frame %q", p) }
func (r *evRec) frameEnd()                        { r.ev <- "fend" }
func (r *evRec) end()                             { r.ev <- "end" }

// Handlers implementing one or a few of the frame-level interfaces.
type (
	hFrameOnly     struct{ *evRec }
	hDataOnly      struct{ *evRec }
	hObservers     struct{ *evRec }
	hFrameObserved struct{ *evRec }
	hFull          struct{ *evRec }
)

func (h hFrameOnly) OnMessageFrame(_ *Conn, p []byte)     { h.frame(p) }
func (h hDataOnly) OnMessageFrameData(_ *Conn, p []byte)  { h.data(p) }
func (h hObservers) OnMessageBegin(_ *Conn, b bool)       { h.begin(b) }
func (h hObservers) OnMessageFrameBegin(_ *Conn, n int64) { h.frameBegin(n) }
func (h hObservers) OnMessageFrameEnd(*Conn)              { h.frameEnd() }
func (h hObservers) OnMessageEnd(*Conn)                   { h.end() }

func (h hFrameObserved) OnMessageBegin(_ *Conn, b bool)       { h.begin(b) }
func (h hFrameObserved) OnMessageFrameBegin(_ *Conn, n int64) { h.frameBegin(n) }
func (h hFrameObserved) OnMessageFrame(_ *Conn, p []byte)     { h.frame(p) }
func (h hFrameObserved) OnMessageFrameEnd(*Conn)              { h.frameEnd() }
func (h hFrameObserved) OnMessageEnd(*Conn)                   { h.end() }

func (h hFull) OnMessageBegin(_ *Conn, b bool)       { h.begin(b) }
func (h hFull) OnMessageFrameBegin(_ *Conn, n int64) { h.frameBegin(n) }
func (h hFull) OnMessageFrameData(_ *Conn, p []byte) { h.data(p) }
func (h hFull) OnMessageFrame(_ *Conn, p []byte)     { h.frame(p) }
func (h hFull) OnMessageFrameEnd(*Conn)              { h.frameEnd() }
func (h hFull) OnMessageEnd(*Conn)                   { h.end() }

// wframe is one frame the test peer sends.
type wframe struct {
	op      byte
	fin     bool
	payload string
}

// collect reads events until one of the stop events (or a timeout).
func collect(t *testing.T, ev chan string, stop ...string) []string {
	t.Helper()
	var got []string
	deadline := time.After(testTimeout)
	for {
		select {
		case e := <-ev:
			got = append(got, e)
			for _, s := range stop {
				if strings.HasPrefix(e, s) {
					return got
				}
			}
		case <-deadline:
			t.Fatalf("timed out after events %q", got)
			return got
		}
	}
}

func TestFrameLevelCallbacks(t *testing.T) {
	frag := []wframe{{OpText, false, "ab"}, {OpPing, true, "p"}, {OpContinuation, false, ""}, {OpContinuation, true, "cd"}}
	tests := []struct {
		name  string
		mk    func(*evRec) Handler
		limit int64
		send  []wframe
		want  []string
		code  int // close code expected from the engine (0: none)
	}{
		{
			name: "frame only: one call per whole frame, no OnMessage",
			mk:   func(r *evRec) Handler { return hFrameOnly{r} },
			send: frag,
			want: []string{`frame "ab"`, `frame ""`, `frame "cd"`},
		},
		{
			name: "data only: chunks, no OnMessage",
			mk:   func(r *evRec) Handler { return hDataOnly{r} },
			send: []wframe{{OpBinary, false, "xy"}, {OpContinuation, true, "z"}},
			want: []string{`data "xy"`, `data "z"`},
		},
		{
			name: "observers keep the default buffering and OnMessage",
			mk:   func(r *evRec) Handler { return hObservers{r} },
			send: frag,
			want: []string{"begin false", "fbegin 2", "fend", "fbegin 0", "fend", "fbegin 2", "fend", "end", `msg false "abcd"`},
		},
		{
			name: "observed frames, binary",
			mk:   func(r *evRec) Handler { return hFrameObserved{r} },
			send: []wframe{{OpBinary, false, "\x00\xff"}, {OpContinuation, true, "\x01"}},
			want: []string{"begin true", "fbegin 2", `frame "\x00\xff"`, "fend", "fbegin 1", `frame "\x01"`, "fend", "end"},
		},
		{
			name: "full: data chunks then the whole frame",
			mk:   func(r *evRec) Handler { return hFull{r} },
			send: []wframe{{OpText, true, "hello"}},
			want: []string{"begin false", "fbegin 5", `data "hello"`, `frame "hello"`, "fend", "end"},
		},
		{
			name: "code point split across frames",
			mk:   func(r *evRec) Handler { return hFrameOnly{r} },
			send: []wframe{{OpText, false, "a\xc3"}, {OpContinuation, true, "\xa9"}},
			want: []string{`frame "a\xc3"`, `frame "\xa9"`},
		},
		{
			name: "invalid UTF-8 mid-frame: that frame is never delivered",
			mk:   func(r *evRec) Handler { return hFrameObserved{r} },
			send: []wframe{{OpText, false, "ab"}, {OpContinuation, true, "c\xffd"}},
			want: []string{"begin false", "fbegin 2", `frame "ab"`, "fend", "fbegin 3"},
			code: CloseInvalidPayload,
		},
		{
			name: "invalid UTF-8 mid-frame: no chunk with the bad byte",
			mk:   func(r *evRec) Handler { return hDataOnly{r} },
			send: []wframe{{OpText, true, "ok\xc0\xaf"}},
			want: []string{},
			code: CloseInvalidPayload,
		},
		{
			name: "text ending inside a code point: last frame not delivered",
			mk:   func(r *evRec) Handler { return hFrameOnly{r} },
			send: []wframe{{OpText, false, "ab"}, {OpContinuation, true, "\xe2\x82"}},
			want: []string{`frame "ab"`},
			code: CloseInvalidPayload,
		},
		{
			name:  "message limit: frames within it delivered, then 1009",
			mk:    func(r *evRec) Handler { return hFrameObserved{r} },
			limit: 4,
			send:  []wframe{{OpBinary, false, "ab"}, {OpContinuation, true, "cde"}},
			want:  []string{"begin true", "fbegin 2", `frame "ab"`, "fend"},
			code:  CloseMessageTooBig,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tcpPair(t)
			rec := newEvRec()
			o := testOpts()
			if tc.limit > 0 {
				o.MaxMessagePayloadSize = tc.limit
			}
			engine(t, a, true, o, tc.mk(rec), nil)
			p := newPeer(t, b, true)
			for _, f := range tc.send {
				p.send(f.op, f.fin, []byte(f.payload))
				if f.op == OpPing {
					assert.Equal(t, OpPong, p.mustRead().op)
				}
			}
			if tc.code != 0 {
				p.expectClose(tc.code)
				_ = p.c.Close()
				got := collect(t, rec.ev, "close")
				assert.Equal(t, tc.want, got[:len(got)-1])
				return
			}
			// A marker message ends the events of the message under test.
			p.send(OpText, true, []byte("zz"))
			got := collect(t, rec.ev, `frame "zz"`, `data "zz"`, `msg false "zz"`)
			require.GreaterOrEqual(t, len(got), 1)
			// Drop the marker's own events (they follow the message's).
			cut := indexAfterFirstEnd(got)
			if !strings.HasPrefix(tc.want[0], "begin") {
				for i := range got {
					if strings.Contains(got[i], `"zz"`) {
						cut = i
						break
					}
				}
			}
			assert.Equal(t, tc.want, got[:cut])
		})
	}
}

// indexAfterFirstEnd is the index of the event after the first message's
// last event ("msg ..." or, without one, "end").
func indexAfterFirstEnd(got []string) int {
	for i, e := range got {
		if e == "end" {
			if i+1 < len(got) && strings.HasPrefix(got[i+1], "msg ") {
				return i + 2
			}
			return i + 1
		}
	}
	return len(got)
}

// TestFrameLevelCallbacksCompressed checks what the frame-level callbacks
// get from a compressed message split over frames: the wire length in
// OnMessageFrameBegin, inflated bytes in OnMessageFrame, one call per
// frame, together exactly the message.
func TestFrameLevelCallbacksCompressed(t *testing.T) {
	msg := bytes.Repeat([]byte("compressible text "), 2000)
	tests := []struct {
		name   string
		splits int
		text   bool
		bad    bool // append an invalid byte before compressing
	}{
		{name: "one frame", splits: 1, text: true},
		{name: "three frames binary", splits: 3},
		{name: "seven frames text", splits: 7, text: true},
		{name: "invalid UTF-8 inside", splits: 3, text: true, bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tcpPair(t)
			rec := newEvRec()
			engine(t, a, true, testOpts(), hFrameObserved{rec}, &flateCodec{})
			p := newPeer(t, b, true)
			in := msg
			if tc.bad {
				in = append(append([]byte{}, msg...), 0xff)
			}
			comp := deflate(t, in)
			op := byte(OpBinary)
			if tc.text {
				op = OpText
			}
			step := (len(comp) + tc.splits - 1) / tc.splits
			var lens []string
			for i := 0; i < tc.splits; i++ {
				part := comp[min(i*step, len(comp)):min((i+1)*step, len(comp))]
				fop, rsv := byte(OpContinuation), byte(0)
				if i == 0 {
					fop, rsv = op, rsv1
				}
				p.sendRSV(fop, i == tc.splits-1, rsv, part)
				lens = append(lens, fmt.Sprintf("fbegin %d", len(part)))
			}
			if tc.bad {
				p.expectClose(CloseInvalidPayload)
				_ = p.c.Close()
				got := collect(t, rec.ev, "close")
				assert.NotContains(t, got, "end")
				return
			}
			got := collect(t, rec.ev, "end")
			var begins []string
			var whole bytes.Buffer
			frames := 0
			for _, e := range got {
				switch {
				case strings.HasPrefix(e, "fbegin"):
					begins = append(begins, e)
				case strings.HasPrefix(e, "frame "):
					frames++
					var s string
					_, err := fmt.Sscanf(e, "frame %q", &s)
					require.NoError(t, err)
					whole.WriteString(s)
				}
			}
			assert.Equal(t, fmt.Sprintf("begin %v", !tc.text), got[0])
			assert.Equal(t, lens, begins, "wire lengths")
			assert.Equal(t, tc.splits, frames, "one OnMessageFrame per frame")
			assert.Equal(t, msg, whole.Bytes(), "frames together are the inflated message")
		})
	}
}
