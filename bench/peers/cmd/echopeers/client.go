package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	gorilla "github.com/gorilla/websocket"
)

// payload returns n bytes of the kind: "ascii" text, "utf8" text that is
// mostly 2- to 4-byte code points (padded with ASCII to exactly n bytes),
// or "binary" random bytes.
func payload(kind string, n int) ([]byte, int, error) {
	switch kind {
	case "ascii":
		return bytes.Repeat([]byte("x"), n), gorilla.TextMessage, nil
	case "utf8":
		// Whole code points of the unit, in turn, while they fit; then
		// ASCII to the exact size.
		unit := []rune("héllo wörld — 世界のテキスト 😀 ")
		b := make([]byte, 0, n)
		for i := 0; ; i++ {
			r := string(unit[i%len(unit)])
			if len(b)+len(r) > n {
				break
			}
			b = append(b, r...)
		}
		for len(b) < n {
			b = append(b, 'x')
		}
		return b, gorilla.TextMessage, nil
	case "binary":
		b := make([]byte, n)
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b, gorilla.BinaryMessage, nil
	}
	return nil, 0, fmt.Errorf("echopeers: unknown kind %q", kind)
}

// load drives conns gorilla connections to url, each with one message in
// flight: it prints "WARM" after warmup, then counts echoes for dur and
// prints "DONE msgs secs". Every echo is checked for its length.
func load(url, kind string, size, conns int, warmup, dur time.Duration, out io.Writer) error {
	msg, typ, err := payload(kind, size)
	if err != nil {
		return err
	}
	// 64 KiB buffers (gorilla's default is 4 KiB) and echoes read into a
	// buffer of the connection's own: a 16 KiB message then goes out in one
	// write, and receiving allocates nothing, so the client costs less per
	// message than the servers it drives (with 4 KiB buffers it spent more
	// CPU per message than any server at 16 KiB and 1 MiB, and msgs/s
	// measured the client). Every server gets the same client.
	d := gorilla.Dialer{ReadBufferSize: 64 << 10, WriteBufferSize: 64 << 10}
	cs := make([]*gorilla.Conn, conns)
	for i := range cs {
		c, _, err := d.Dial(url, nil)
		if err != nil {
			return fmt.Errorf("echopeers: dial %d: %w", i, err)
		}
		c.SetReadLimit(32 << 20)
		cs[i] = c
	}
	var count atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := make([]byte, len(msg)+1) // one more: a longer echo shows
			for !stop.Load() {
				if err := c.WriteMessage(typ, msg); err != nil {
					errs <- fmt.Errorf("echopeers: write: %w", err)
					return
				}
				gt, r, err := c.NextReader()
				if err != nil {
					errs <- fmt.Errorf("echopeers: read: %w", err)
					return
				}
				n, err := io.ReadFull(r, got)
				if err != io.ErrUnexpectedEOF && err != io.EOF {
					errs <- fmt.Errorf("echopeers: read: %d bytes, %w", n, err)
					return
				}
				if gt != typ || n != len(msg) {
					errs <- fmt.Errorf("echopeers: echo is type %d, %d bytes; sent type %d, %d bytes", gt, n, typ, len(msg))
					return
				}
				count.Add(1)
			}
		}()
	}
	time.Sleep(warmup)
	fmt.Fprintln(out, "WARM")
	start, n0 := time.Now(), count.Load()
	time.Sleep(dur)
	n1, secs := count.Load(), time.Since(start).Seconds()
	fmt.Fprintf(out, "DONE %d %.6f\n", n1-n0, secs)
	stop.Store(true)
	wg.Wait()
	for _, c := range cs {
		_ = c.Close()
	}
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
