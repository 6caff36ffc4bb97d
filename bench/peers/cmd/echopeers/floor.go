package main

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
)

// serveFloor is not a WebSocket server: it is the floor under the servers
// of the comparison that run on Go's netpoller (all four), the cost of the
// system calls, the loopback TCP path and the netpoller for one echo with
// the protocol left out. After a minimal handshake it reads what the
// socket holds into one buffer, finds the whole frames there and sends
// them back in one write, in place (each header rewritten as a server's,
// the payload still masked: the client checks only type and length). It
// does not unmask, validate, answer control frames or close cleanly. Per
// echo it makes the calls such a server makes at best: one read with the
// frame, one that finds the socket empty (the netpoller is edge-triggered)
// and one write. So a server on the netpoller can at best match its
// msgs/s and CPU per message against the same client on the same machine
// (floor-epoll, floor_epoll_linux.go, is the same without the netpoller).
// Large messages are the exception: a server that reads a whole message
// into a buffer of its size makes fewer reads than floor's 64 KiB ones.
func serveFloor(ln net.Listener) error {
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if nc, n, buf, ok := floorUpgrade(w, r); ok {
			defer nc.Close()
			_ = floorEcho(nc, buf, n)
		}
	}))
}

// floorUpgrade answers a WebSocket upgrade with the least a client
// accepts and takes the connection over. It returns the connection and a
// 64 KiB buffer holding its first n bytes (what came after the request).
func floorUpgrade(w http.ResponseWriter, r *http.Request) (nc net.Conn, n int, buf []byte, ok bool) {
	key := r.Header.Get("Sec-WebSocket-Key")
	hj, ok := w.(http.Hijacker)
	if key == "" || !ok {
		http.Error(w, "floor: not a WebSocket upgrade", http.StatusBadRequest)
		return nil, 0, nil, false
	}
	nc, rw, err := hj.Hijack()
	if err != nil {
		return nil, 0, nil, false
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"
	if _, err := nc.Write([]byte(resp)); err != nil {
		_ = nc.Close()
		return nil, 0, nil, false
	}
	buf = make([]byte, 64<<10)
	n, _ = rw.Reader.Read(buf[:rw.Reader.Buffered()])
	return nc, n, buf, true
}

// floorEcho reads frames from nc into buf (n bytes already there) and
// writes each back with a server's header, until an error.
func floorEcho(nc net.Conn, buf []byte, n int) error {
	for {
		var err error
		if n, err = floorSend(buf, n, nc); err != nil {
			return err
		}
		if n == len(buf) {
			buf = floorGrow(buf)
		}
		m, err := nc.Read(buf[n:])
		if err != nil {
			return err
		}
		n += m
	}
}

// floorSend sends every whole frame of buf[:n] back to w in one write, in
// place: each header is rewritten as a server's, and the frames after the
// first are moved down to follow it. What is left of a cut frame moves to
// the front of buf; floorSend returns how many bytes that is.
func floorSend(buf []byte, n int, w io.Writer) (int, error) {
	off, from, to := 0, -1, 0 // buf[from:to] is what goes out
	for {
		hl, start, end, ok := floorFrame(buf[off:n])
		if !ok {
			break
		}
		// The server's header is the client's without the mask bit and
		// key, so it fits just before the payload (copy moves
		// overlapping bytes right).
		p := off + start - hl
		copy(buf[p:p+hl], buf[off:off+hl])
		buf[p+1] &^= 0x80
		if from < 0 {
			from, to = p, off+end
		} else {
			to += copy(buf[to:], buf[p:off+end]) // below the frames not yet read
		}
		off += end
	}
	if from >= 0 {
		if _, err := w.Write(buf[from:to]); err != nil {
			return 0, err
		}
	}
	return copy(buf, buf[off:n]), nil
}

// floorGrow doubles a full buffer, for a frame larger than it.
func floorGrow(buf []byte) []byte {
	nb := make([]byte, 2*len(buf))
	copy(nb, buf)
	return nb
}

// floorFrame finds the first whole client frame in b: its header is
// b[:hl] without the mask key, its payload b[start:end]. ok is false when
// b holds no whole frame yet.
func floorFrame(b []byte) (hl, start, end int, ok bool) {
	if len(b) < 2 {
		return 0, 0, 0, false
	}
	l, hl := int(b[1]&0x7f), 2
	switch l {
	case 126:
		if len(b) < 4 {
			return 0, 0, 0, false
		}
		l, hl = int(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, 0, 0, false
		}
		v := binary.BigEndian.Uint64(b[2:])
		if v > 1<<40 {
			return 0, 0, 0, false
		}
		l, hl = int(v), 10
	}
	start = hl
	if b[1]&0x80 != 0 {
		start += 4 // the client's mask key
	}
	end = start + l
	if len(b) < end {
		return 0, 0, 0, false
	}
	return hl, start, end, true
}
