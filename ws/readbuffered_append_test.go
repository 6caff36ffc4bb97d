package ws

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// appendRec appends to the payload it is given before recording it (a
// common echo idiom, allowed with ReuseMessageBuffer as long as the slice
// is not kept past OnMessage).
type appendRec struct{ *recHandler }

func (h appendRec) OnMessage(c *Conn, p []byte, isBinary bool) {
	q := append(p, "XXXXXXXXXXXXXXXX"...)
	h.recHandler.OnMessage(c, bytes.Clone(q[:len(p)]), isBinary)
}

// TestInPlaceDeliveryAppendKeepsNextFrame: a message delivered in place
// from the read buffer has no spare capacity, so an append in OnMessage
// cannot write over the next frame waiting behind it in the same buffer
// (it did: the second frame's header became 0x58... and the connection
// failed). Found by review.
func TestInPlaceDeliveryAppendKeepsNextFrame(t *testing.T) {
	for _, reuse := range []bool{true, false} {
		a, b := tcpPair(t)
		o := testOpts()
		o.ReuseMessageBuffer = reuse
		h := appendRec{newRec()}
		engine(t, a, true, o, h, nil)
		p := newPeer(t, b, true)
		// Two frames in one write, so both sit in the read buffer.
		p.write(append(encode(OpText, true, 0, []byte("first"), true), encode(OpText, true, 0, []byte("second"), true)...))
		require.Equal(t, "first", string(h.nextMsg(t).payload), "reuse=%v", reuse)
		require.Equal(t, "second", string(h.nextMsg(t).payload), "reuse=%v", reuse)
	}
}
