// Command echo is a WebSocket echo server for conformance tools such as the
// Autobahn testsuite's fuzzingclient: it sends every message back with its
// type, through the callback API, with every protocol check on (UTF-8
// validation, masking, size limits).
//
//	go run ./examples/echo -addr 127.0.0.1:9001
//
// It accepts permessage-deflate (any valid offer) unless -deflate=false,
// and permessage-snappy and permessage-brotli, in the order of preference
// -compress gives (default deflate,snappy,brotli; empty accepts none), and
// exits cleanly on SIGINT or SIGTERM: the listener closes, open connections
// get a close handshake with 1001 at once, and connections still in their
// HTTP phase are cut; the exit status is 0 when every WebSocket closed
// within -shutdown-timeout, 1 otherwise.
//
// With -tls-cert FILE -tls-key FILE it serves wss:// (TLS), HTTP/1.1 and
// HTTP/2 on the same port (ALPN); with -h2c it serves cleartext HTTP/1.1
// and h2c. WebSockets over HTTP/2 (RFC 8441) need the process to start
// with GODEBUG=http2xconnect=1 (Go's net/http reads it once, at start):
//
//	GODEBUG=http2xconnect=1 go run ./examples/echo -tls-cert cert.pem -tls-key key.pem
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/flags"
	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/ws"
)

// config is the command line.
type config struct {
	addr           string
	deflate        bool
	compress       string
	maxMessageSize int64
	autoFragment   int
	shutdownWait   time.Duration
	failByDrop     bool
	verbose        bool
	tlsCert        string
	tlsKey         string
	h2c            bool
	eventLoop      bool
}

func parseFlags(args []string, errOut io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:9001", "TCP address to listen on")
	fs.BoolVar(&c.deflate, "deflate", true, "accept permessage-deflate offers")
	fs.StringVar(&c.compress, "compress", "deflate,snappy,brotli", "compression extensions accepted, in order of preference (deflate, snappy, brotli; empty: none)")
	fs.Int64Var(&c.maxMessageSize, "max-message-size", ws.DefaultMaxMessagePayloadSize, "largest message accepted, in bytes (0: no limit)")
	fs.IntVar(&c.autoFragment, "fragment", 0, "split sent messages into frames of at most this many bytes (0: one frame)")
	fs.DurationVar(&c.shutdownWait, "shutdown-timeout", 5*time.Second, "how long to wait for connections to close on SIGINT/SIGTERM")
	fs.BoolVar(&c.failByDrop, "fail-by-drop", false, "on a protocol violation drop TCP at once instead of sending a close frame with the status code")
	fs.BoolVar(&c.verbose, "v", false, "log every connection")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "serve TLS (HTTP/1.1 and HTTP/2) with this PEM certificate (needs -tls-key)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key for -tls-cert")
	fs.BoolVar(&c.h2c, "h2c", false, "also serve HTTP/2 without TLS (h2c, prior knowledge)")
	fs.BoolVar(&c.eventLoop, "event-loop", false, "serve in event-driven mode: idle connections hold no goroutine and no buffer (Linux, plain TCP; others stay in goroutine mode)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, errors.New("-tls-cert and -tls-key go together")
	}
	if c.h2c && c.tlsCert != "" {
		return c, errors.New("-h2c is for cleartext; with TLS, HTTP/2 is negotiated by ALPN")
	}
	if _, _, err := compression(c); err != nil {
		return c, err
	}
	return c, nil
}

// compression maps -compress and -deflate to the options' extensions.
func compression(c config) (*ws.DeflateOptions, []ws.Extension, error) {
	return flags.Compression(c.compress, c.deflate)
}

// options builds the server's protocol options: Autobahn's defaults (every
// check on) plus the flags.
func options(c config) *ws.Options {
	o := ws.DefaultOptions()
	o.MaxMessagePayloadSize = c.maxMessageSize
	// Conformance tools check the close code of a failed connection, so
	// send it rather than dropping TCP.
	o.FailByDrop = c.failByDrop
	o.AutoFragmentSize = c.autoFragment
	o.EventLoop = c.eventLoop
	o.PerMessageDeflate, o.Extensions, _ = compression(c) // checked by parseFlags
	return o
}

// echoHandler sends every message back with its type.
type echoHandler struct {
	ws.BaseHandler
	logger *slog.Logger
}

func (h *echoHandler) OnOpen(c *ws.Conn) { h.logger.Debug("open") }

func (h *echoHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	if err := c.SendMessage(payload, isBinary); err != nil {
		h.logger.Debug("echo failed", "err", err)
	}
}

func (h *echoHandler) OnClose(c *ws.Conn, wasClean bool, code int, reason string) {
	h.logger.Debug("close", "clean", wasClean, "code", code, "reason", reason)
}

// serve runs the echo server on ln until ctx is done, then shuts it down.
func serve(ctx context.Context, ln net.Listener, c config, logger *slog.Logger) error {
	srv := ws.NewServer(func() ws.Handler { return &echoHandler{logger: logger} }, options(c))
	srv.Logger = logger
	if c.h2c {
		srv.Protocols = new(http.Protocols)
		srv.Protocols.SetHTTP1(true)
		srv.Protocols.SetUnencryptedHTTP2(true)
	}
	if c.tlsCert != "" && !ws.HTTP2ExtendedConnect() {
		logger.Warn("serving HTTP/2 over TLS without WebSockets over HTTP/2: start the process with GODEBUG=http2xconnect=1 for RFC 8441")
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("echo: serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownWait)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("echo: serve %s: %w", ln.Addr(), err)
	}
	if shutErr != nil {
		return fmt.Errorf("echo: shutdown: %w", shutErr)
	}
	return nil
}

// wrapTLS wraps ln in TLS (ALPN h2 and http/1.1) when -tls-cert is
// given, and returns the URL scheme.
func wrapTLS(ln net.Listener, c config) (net.Listener, string, error) {
	if c.tlsCert == "" {
		return ln, "ws://", nil
	}
	cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
	if err != nil {
		_ = ln.Close()
		return nil, "", fmt.Errorf("echo: loading the TLS certificate %s / key %s: %w", c.tlsCert, c.tlsKey, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	return tls.NewListener(ln, cfg), "wss://", nil
}

func main() {
	c, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(2)
	}
	level := slog.LevelInfo
	if c.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		logger.Error("listen", "addr", c.addr, "err", err)
		os.Exit(1)
	}
	ln, scheme, err := wrapTLS(ln, c)
	if err != nil {
		logger.Error("TLS", "err", err)
		os.Exit(1)
	}
	http2 := c.tlsCert != "" || c.h2c
	if http2 && !ws.HTTP2ExtendedConnect() {
		logger.Warn("HTTP/2 is served but WebSockets over HTTP/2 (RFC 8441) are off: start the process with GODEBUG=http2xconnect=1")
	}
	logger.Info("echo server listening", "url", scheme+ln.Addr().String(), "deflate", c.deflate,
		"http2", http2, "rfc8441", http2 && ws.HTTP2ExtendedConnect(), "nvx", ws.UsesNVX(), "kernel", nvx.Kernel())
	if err := serve(ctx, ln, c, logger); err != nil {
		logger.Error("echo server failed", "err", err)
		os.Exit(1)
	}
	logger.Info("stopped")
}
