package ws

import (
	"encoding/binary"
	"io"
)

// Opcodes (RFC 6455 section 5.2).
const (
	OpContinuation byte = 0x0
	OpText         byte = 0x1
	OpBinary       byte = 0x2
	OpClose        byte = 0x8
	OpPing         byte = 0x9
	OpPong         byte = 0xA
)

// rsv1 is the RSV1 bit as SendFrame's rsv argument spells it (rsv is the
// three RSV bits as a number 0..7, RSV1 the high one), used by
// permessage-deflate to mark a compressed message.
const rsv1 byte = 4

// maxControlPayload is the largest payload a control frame may carry.
const maxControlPayload = 125

// maxHeaderSize is the largest frame header: 2 + 8 (length) + 4 (mask key).
const maxHeaderSize = 14

// frameHeader is one decoded frame header.
type frameHeader struct {
	fin     bool
	rsv     byte // the three RSV bits, 0..7 (4 = RSV1)
	opcode  byte
	masked  bool
	key     [4]byte
	length  int64
	hdrSize int // bytes the header took on the wire
}

// isControl reports whether op is a control opcode.
func isControl(op byte) bool { return op&0x8 != 0 }

// headerRules are the per-frame checks that depend on the connection.
type headerRules struct {
	rsv1OK        bool  // permessage-deflate negotiated
	requireMasked bool  // server requiring masked client frames
	rejectMasked  bool  // client refusing masked server frames
	maxFrame      int64 // 0: no limit
}

// readFrameHeader reads and checks one frame header from r. Every check
// that needs only the header is made here (RSV bits, opcode, control frame
// rules, length encoding, masking per role, frame size limit); message-level
// rules (continuation without a start, ...) are the caller's. Errors are
// *protocolError or r's read error (io.EOF only before the first byte).
// After a *protocolError, h.length is the payload length still to skip, or
// -1 when it is unknown.
func readFrameHeader(r *connReader, rules *headerRules, buf *[maxHeaderSize]byte) (frameHeader, error) {
	var h frameHeader
	if err := r.readFull(buf[:2]); err != nil {
		return h, err
	}
	b0, b1 := buf[0], buf[1]
	h.fin = b0&0x80 != 0
	h.rsv = (b0 >> 4) & 7
	h.opcode = b0 & 0xF
	h.masked = b1&0x80 != 0
	n := int64(b1 & 0x7F)
	h.hdrSize = 2

	// Read the whole header first, so that a connection failed without a
	// drop can skip this frame's payload and go on parsing.
	var lengthErr error
	switch n {
	case 126:
		if err := r.readFull(buf[2:4]); err != nil {
			return h, noEOF(err)
		}
		h.hdrSize += 2
		n = int64(binary.BigEndian.Uint16(buf[2:4]))
		if n < 126 {
			lengthErr = protoErr(CloseProtocolError, "non-minimal 16-bit length encoding of %d", n)
		}
	case 127:
		if err := r.readFull(buf[2:10]); err != nil {
			return h, noEOF(err)
		}
		h.hdrSize += 8
		u := binary.BigEndian.Uint64(buf[2:10])
		if u>>63 != 0 {
			h.length = -1 // unknown: the payload cannot be skipped
			return h, protoErr(CloseProtocolError, "64-bit payload length with the most significant bit set")
		}
		n = int64(u)
		if n < 65536 {
			lengthErr = protoErr(CloseProtocolError, "non-minimal 64-bit length encoding of %d", n)
		}
	}
	h.length = n
	if h.masked {
		// Through buf: reading into h.key would move h to the heap.
		if err := r.readFull(buf[10:14]); err != nil {
			return h, noEOF(err)
		}
		copy(h.key[:], buf[10:14])
		h.hdrSize += 4
	}

	switch h.opcode {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
	default:
		return h, protoErr(CloseProtocolError, "reserved opcode %d", h.opcode)
	}
	if h.rsv&^rsv1 != 0 {
		return h, protoErr(CloseProtocolError, "RSV2/RSV3 bits set (rsv=%d) without a negotiated extension", h.rsv)
	}
	if h.rsv&rsv1 != 0 {
		switch {
		case !rules.rsv1OK:
			return h, protoErr(CloseProtocolError, "RSV1 bit set without a negotiated extension")
		case h.opcode == OpContinuation || isControl(h.opcode):
			return h, protoErr(CloseProtocolError, "RSV1 bit set on a control or continuation frame")
		}
	}
	if isControl(h.opcode) {
		if !h.fin {
			return h, protoErr(CloseProtocolError, "fragmented control frame (opcode %d)", h.opcode)
		}
		if n > maxControlPayload {
			return h, protoErr(CloseProtocolError, "control frame payload of %d bytes (more than 125)", n)
		}
	}
	if lengthErr != nil {
		return h, lengthErr
	}
	if h.masked && rules.rejectMasked {
		return h, protoErr(CloseProtocolError, "masked frame from the server")
	}
	if !h.masked && rules.requireMasked {
		return h, protoErr(CloseProtocolError, "unmasked frame from the client")
	}
	if rules.maxFrame > 0 && h.length > rules.maxFrame {
		return h, protoErr(CloseMessageTooBig, "frame payload of %d bytes exceeds the limit of %d", h.length, rules.maxFrame)
	}
	return h, nil
}

// noEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendFrameHeader appends the encoded header of one frame to dst.
func appendFrameHeader(dst []byte, opcode byte, fin bool, rsv byte, masked bool, key [4]byte, length int) []byte {
	b0 := opcode&0xF | (rsv&7)<<4
	if fin {
		b0 |= 0x80
	}
	var mbit byte
	if masked {
		mbit = 0x80
	}
	switch {
	case length < 126:
		dst = append(dst, b0, mbit|byte(length))
	case length < 65536:
		dst = append(dst, b0, mbit|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(length))
	default:
		dst = append(dst, b0, mbit|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(length))
	}
	if masked {
		dst = append(dst, key[:]...)
	}
	return dst
}
