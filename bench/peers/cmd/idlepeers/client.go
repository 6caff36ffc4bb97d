package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	gorilla "github.com/gorilla/websocket"
)

// load opens n connections to url from local address ip (spreading the
// clients over several loopback addresses keeps ephemeral ports free),
// sends one 64-byte text message on each and waits for its echo, prints
// "READY", and holds the connections, idle, until stdin closes.
func load(url, ip string, n int, out io.Writer) error {
	d := gorilla.Dialer{
		ReadBufferSize:   1024,
		WriteBufferSize:  1024,
		HandshakeTimeout: 30 * time.Second,
		NetDialContext: (&net.Dialer{
			LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)},
			Timeout:   30 * time.Second,
			Control:   bindAddressNoPort,
		}).DialContext,
	}
	msg := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	cs := make([]*gorilla.Conn, n)
	var mu sync.Mutex
	var first error
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := dialOne(&d, url, msg)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("idlepeers: connection %d: %w", i, err)
					}
					mu.Unlock()
					continue
				}
				cs[i] = c
			}
		}()
	}
	for i := range cs {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	fmt.Fprintln(out, "READY")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range cs {
		_ = c.Close()
	}
	return nil
}

// dialOne opens one connection and has one message echoed on it.
func dialOne(d *gorilla.Dialer, url string, msg []byte) (*gorilla.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, _, err := d.DialContext(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	if err := c.WriteMessage(gorilla.TextMessage, msg); err != nil {
		_ = c.Close()
		return nil, err
	}
	if _, got, err := c.ReadMessage(); err != nil || len(got) != len(msg) {
		_ = c.Close()
		return nil, fmt.Errorf("echo: %d bytes, %v", len(got), err)
	}
	_ = c.SetReadDeadline(time.Time{})
	return c, nil
}
