package ws

import (
	"bytes"
	"errors"
	"fmt"
)

// This file holds what prepared messages need from the permessage-deflate
// codec: a message compressed on its own, shareable by many connections.

// deflateStandalone compresses payload as one permessage-deflate message
// with no history (a fresh pooled writer), at level with a window of bits,
// without the trailing 00 00 ff ff.
func deflateStandalone(level, bits int, payload []byte) ([]byte, error) {
	var sink deflateSink
	sink.buf = make([]byte, 0, len(payload)/2+64)
	fw, err := getWriter(level, bits, &sink)
	if err != nil {
		return nil, fmt.Errorf("ws: permessage-deflate: %w", err)
	}
	_, err = fw.Write(payload)
	if err == nil {
		err = fw.Flush()
	}
	putWriter(level, bits, fw)
	if err != nil {
		return nil, fmt.Errorf("ws: permessage-deflate: compress: %w", err)
	}
	out := sink.buf
	if !bytes.HasSuffix(out, pmdTail) {
		return nil, errors.New("ws: permessage-deflate: compress: sync flush without 00 00 ff ff")
	}
	return out[:len(out)-len(pmdTail)], nil
}

// sharesCompressed reports whether a message compressed on its own (no
// history) may be sent on this connection in place of its own
// compression: when each message is compressed alone anyway, or when
// takeover is kept through a pooled writer primed with the sent history
// (sentShared then keeps that history in step). A writer kept between
// messages holds history the shared copy would skip, so not then.
func (c *deflateCodec) sharesCompressed() bool {
	return c.p.sendNoTakeover || c.p.sendHistory > 0
}

// sentShared records a message sent as a shared compressed copy. Call
// under the same exclusion as compress.
func (c *deflateCodec) sentShared(payload []byte) {
	c.abandonStream()
	c.sent(payload)
}
