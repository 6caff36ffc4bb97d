package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

const testTimeout = 20 * time.Second

// startEcho runs serve on a loopback port; the returned stop cancels it and
// returns serve's result.
func startEcho(t *testing.T, args ...string) (addr string, stop func() error) {
	t.Helper()
	c, err := parseFlags(args, io.Discard)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, c, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	var once bool
	var result error
	stop = func() error {
		if once {
			return result
		}
		once = true
		cancel()
		select {
		case result = <-done:
		case <-time.After(testTimeout):
			t.Fatal("serve did not return after cancel")
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), stop
}

// client records what our client receives.
type client struct {
	ws.BaseHandler
	msgs   chan ws.IncomingMessage
	closed chan int
}

func (h *client) OnMessage(c *ws.Conn, p []byte, isBinary bool) {
	h.msgs <- ws.IncomingMessage{Payload: p, IsBinary: isBinary}
}
func (h *client) OnClose(c *ws.Conn, wasClean bool, code int, reason string) { h.closed <- code }

func TestParseFlags(t *testing.T) {
	c, err := parseFlags(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9001", c.addr)
	assert.True(t, c.deflate, "deflate is on by default")
	assert.Equal(t, int64(ws.DefaultMaxMessagePayloadSize), c.maxMessageSize)

	c, err = parseFlags([]string{"-addr", "127.0.0.1:0", "-deflate=false", "-max-message-size", "100"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, config{addr: "127.0.0.1:0", compress: "deflate,snappy,brotli", maxMessageSize: 100, shutdownWait: 5 * time.Second}, c)
	o := options(c)
	assert.Nil(t, o.PerMessageDeflate)
	assert.True(t, o.UTF8ValidateIncoming, "UTF-8 validation stays on")
	assert.True(t, o.RequireMaskedClientFrames, "masking check stays on")

	assert.Len(t, o.Extensions, 2, "snappy and brotli stay on")

	c, err = parseFlags([]string{"-compress", "brotli, Snappy,deflate"}, io.Discard)
	require.NoError(t, err)
	o = options(c)
	assert.Nil(t, o.PerMessageDeflate, "deflate is not first: it goes into Extensions")
	require.Len(t, o.Extensions, 3)
	assert.Equal(t, "permessage-brotli", o.Extensions[0].Name())
	assert.Equal(t, "permessage-snappy", o.Extensions[1].Name())
	assert.Equal(t, "permessage-deflate", o.Extensions[2].Name())
	for _, bad := range []string{"bzip2", "snappy,snappy"} {
		_, err = parseFlags([]string{"-compress", bad}, io.Discard)
		assert.Error(t, err, bad)
	}

	c, err = parseFlags([]string{"-event-loop"}, io.Discard)
	require.NoError(t, err)
	assert.True(t, c.eventLoop)
	assert.True(t, options(c).EventLoop, "-event-loop switches Options.EventLoop on")
	assert.False(t, options(config{}).EventLoop, "goroutine mode by default")

	_, err = parseFlags([]string{"-nope"}, io.Discard)
	assert.Error(t, err)
	_, err = parseFlags([]string{"extra"}, io.Discard)
	assert.Error(t, err)
}

func TestEchoRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		flag   string
		client []ws.Extension // nil: permessage-deflate
		want   string         // negotiated extension
	}{
		{"-deflate=true", nil, "permessage-deflate"},
		{"-deflate=false", nil, ""},
		{"-compress=deflate,snappy,brotli", []ws.Extension{ws.SnappyExtension(nil)}, "permessage-snappy"},
		{"-compress=snappy,brotli", []ws.Extension{ws.BrotliExtension(nil)}, "permessage-brotli"},
		{"-compress=brotli,snappy", []ws.Extension{ws.SnappyExtension(nil), ws.BrotliExtension(nil)}, "permessage-brotli"},
		{"-compress=", []ws.Extension{ws.SnappyExtension(nil), ws.DeflateExtension(nil)}, ""},
		{"-event-loop", nil, "permessage-deflate"},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			addr, stop := startEcho(t, tc.flag)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			h := &client{msgs: make(chan ws.IncomingMessage, 16), closed: make(chan int, 1)}
			opts := ws.DefaultOptions()
			if tc.client == nil {
				opts.PerMessageDeflate = &ws.DeflateOptions{}
			}
			opts.Extensions = tc.client
			c, err := ws.Dial(ctx, "ws://"+addr+"/", h, opts)
			require.NoError(t, err)
			assert.Equal(t, tc.want != "", c.Compressed(), "compression negotiated")
			var got string
			if exts := c.Response().Extensions; len(exts) > 0 {
				got = exts[0].Name
			}
			assert.Equal(t, tc.want, got)

			msgs := []ws.IncomingMessage{
				{Payload: []byte("héllo"), IsBinary: false},
				{Payload: []byte{0, 1, 2, 0xff}, IsBinary: true},
				{Payload: []byte{}, IsBinary: false},
				{Payload: bytes.Repeat([]byte("abc"), 100000), IsBinary: true},
			}
			for _, m := range msgs {
				require.NoError(t, c.SendMessage(m.Payload, m.IsBinary))
				select {
				case got := <-h.msgs:
					assert.Equal(t, m.IsBinary, got.IsBinary)
					assert.True(t, bytes.Equal(m.Payload, got.Payload), "echo of %d bytes differs", len(m.Payload))
				case <-time.After(testTimeout):
					t.Fatal("no echo")
				}
			}

			// Shutting the server down closes the open connection.
			require.NoError(t, stop())
			select {
			case code := <-h.closed:
				assert.NotEqual(t, 0, code)
			case <-time.After(testTimeout):
				t.Fatal("connection not closed by shutdown")
			}
		})
	}
}

// TestEchoChecksUTF8 sends an invalid UTF-8 text frame over a raw socket:
// the server must close with 1007, proving validation is on.
func TestEchoChecksUTF8(t *testing.T) {
	addr, _ := startEcho(t, "-deflate=false")
	conn, err := net.DialTimeout("tcp", addr, testTimeout)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(testTimeout)))
	_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: "+addr+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)

	payload := []byte{'o', 'k', 0xc3, 0x28} // invalid 2-byte sequence
	key := [4]byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | byte(len(payload)), key[0], key[1], key[2], key[3]}
	for i, b := range payload {
		frame = append(frame, b^key[i%4])
	}
	_, err = conn.Write(frame)
	require.NoError(t, err)

	hdr := make([]byte, 2)
	_, err = io.ReadFull(br, hdr)
	require.NoError(t, err)
	require.Equal(t, byte(0x88), hdr[0], "expected a close frame")
	body := make([]byte, hdr[1]&0x7f)
	_, err = io.ReadFull(br, body)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(body), 2)
	assert.Equal(t, uint16(1007), binary.BigEndian.Uint16(body))
}
