package peers

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// The broadcast benchmark's clients run in a child process (this test
// binary re-executed with BCAST_CHILD_ADDR set): 10,000 server connections
// and 10,000 client connections do not fit in one process's 20,000 open
// files. The clients are raw sockets with a minimal frame reader, the same
// for every server library measured, so the client side costs the same.
//
// Protocol with the parent: the child dials BCAST_CHILD_N connections,
// every BCAST_CHILD_STALLED_EVERY-th of which (0: none) never reads (with a
// small receive buffer) and says so with a text message "stalled", writes
// 'R' on fd 3 when all handshakes are done,
// then writes 'M' on fd 3 each time every reading client has received one
// more whole message. It exits when its stdin closes.

const (
	envAddr    = "BCAST_CHILD_ADDR"
	envN       = "BCAST_CHILD_N"
	envStalled = "BCAST_CHILD_STALLED_EVERY"
	envDeflate = "BCAST_CHILD_DEFLATE"
)

func TestBroadcastChild(t *testing.T) {
	addr := os.Getenv(envAddr)
	if addr == "" {
		t.Skip("only run as the broadcast benchmark's client process")
	}
	n, _ := strconv.Atoi(os.Getenv(envN))
	every, _ := strconv.Atoi(os.Getenv(envStalled))
	deflate := os.Getenv(envDeflate) == "1"
	ctl := os.NewFile(3, "ctl")
	if err := runClients(addr, n, every, deflate, ctl); err != nil {
		fmt.Fprintln(os.Stderr, "broadcast child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func isStalled(i, every int) bool { return every > 0 && i%every == 0 }

func runClients(addr string, n, every int, deflate bool, ctl io.Writer) error {
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	var firstErr atomic.Value
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, br, err := handshake(addr, deflate, isStalled(i, every))
			if err != nil {
				firstErr.CompareAndSwap(nil, fmt.Errorf("conn %d: %w", i, err))
				return
			}
			conns[i], readers[i] = c, br
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	// A stalled client says so (one masked text frame, key 0), so that the
	// server can fill its queue before the timing starts.
	for i := range n {
		if isStalled(i, every) {
			if _, err := conns[i].Write([]byte{0x81, 0x80 | 7, 0, 0, 0, 0, 's', 't', 'a', 'l', 'l', 'e', 'd'}); err != nil {
				return err
			}
		}
	}
	healthy := 0
	for i := range n {
		if !isStalled(i, every) {
			healthy++
		}
	}
	var got atomic.Int64
	var ctlMu sync.Mutex
	signal := func(b byte) {
		ctlMu.Lock()
		_, _ = ctl.Write([]byte{b})
		ctlMu.Unlock()
	}
	for i := range n {
		if isStalled(i, every) {
			continue
		}
		go func() {
			br := readers[i]
			for {
				if err := readMessage(br); err != nil {
					return
				}
				if got.Add(1)%int64(healthy) == 0 {
					signal('M')
				}
			}
		}()
	}
	signal('R')
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes stdin
	for _, c := range conns {
		_ = c.Close()
	}
	return nil
}

// handshake opens one WebSocket client connection by hand.
func handshake(addr string, deflate, stalled bool) (net.Conn, *bufio.Reader, error) {
	d := net.Dialer{}
	if stalled {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
			})
		}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	req := "GET /bcast HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	if deflate {
		req += "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n"
	}
	req += "\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(c, 4<<10)
	status, err := br.ReadString('\n')
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if !strings.Contains(status, " 101 ") {
		c.Close()
		return nil, nil, fmt.Errorf("handshake: %q", status)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		if line == "\r\n" {
			return c, br, nil
		}
	}
}

// readMessage reads frames (unmasked, from a server) up to a final data
// frame, discarding payloads; control frames are skipped.
func readMessage(br *bufio.Reader) error {
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return err
		}
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(br, e[:]); err != nil {
				return err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(br, e[:]); err != nil {
				return err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		if _, err := br.Discard(int(n)); err != nil {
			return err
		}
		op, fin := h[0]&0x0F, h[0]&0x80 != 0
		if op == 8 {
			return io.EOF
		}
		if op < 8 && fin {
			return nil
		}
	}
}
