// Command testee is a WebSocket client for the conventions of conformance
// test servers such as the Autobahn testsuite's fuzzingserver:
//
//	go run ./examples/testee -url ws://127.0.0.1:9001 -agent NAME
//
// It opens /getCaseCount (the server sends the number of cases as one JSON
// text message), then for each case i from 1 opens
// /runCase?case=i&agent=NAME and echoes every message with its type until
// the server closes, and finally opens /updateReports?agent=NAME and waits
// for the server to close. It offers permessage-deflate unless
// -deflate=false; -compress snappy (or brotli, or a list in order of
// preference such as brotli,snappy,deflate) offers permessage-snappy or
// permessage-brotli instead. It keeps every protocol check on, and stops
// cleanly on SIGINT or SIGTERM. With -h2 it dials over HTTP/2 (RFC 8441:
// TLS ALPN h2 for wss://, h2c for ws://), every case a stream on one
// shared connection, falling back to HTTP/1.1 when the server does not
// offer it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/flags"
	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/ws"
)

// config is the command line.
type config struct {
	url            string
	agent          string
	deflate        bool
	compress       string
	maxMessageSize int64
	caseTimeout    time.Duration
	cases          string // optional "first-last" subset, 1-based
	failByDrop     bool
	verbose        bool
	h2             bool
	pool           *ws.HTTP2Pool // with -h2: the connection every case shares (set by run)
}

func parseFlags(args []string, errOut io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("testee", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&c.url, "url", "ws://127.0.0.1:9001", "base URL of the test server")
	fs.StringVar(&c.agent, "agent", "autobahn-go", "agent name reported to the test server")
	fs.BoolVar(&c.deflate, "deflate", true, "offer permessage-deflate")
	fs.StringVar(&c.compress, "compress", "deflate", "compression extensions offered, in order of preference: deflate, snappy, brotli, or a list (deflate,snappy); empty: none")
	fs.Int64Var(&c.maxMessageSize, "max-message-size", 64<<20, "largest message accepted, in bytes (0: no limit)")
	fs.DurationVar(&c.caseTimeout, "case-timeout", 5*time.Minute, "longest a single case may take")
	fs.StringVar(&c.cases, "cases", "", `run only cases FIRST-LAST (e.g. "1-10"); empty: all`)
	fs.BoolVar(&c.failByDrop, "fail-by-drop", false, "on a protocol violation drop TCP at once instead of sending a close frame with the status code")
	fs.BoolVar(&c.verbose, "v", false, "log every case")
	fs.BoolVar(&c.h2, "h2", false, "dial over HTTP/2 (RFC 8441), one shared connection, falling back to HTTP/1.1")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if _, _, err := compression(c); err != nil {
		return c, err
	}
	u, err := url.Parse(c.url)
	if err != nil {
		return c, fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return c, fmt.Errorf("-url: scheme must be ws or wss, got %q", u.Scheme)
	}
	if c.agent == "" {
		return c, errors.New("-agent must not be empty")
	}
	return c, nil
}

// compression maps -compress and -deflate to the options' extensions.
func compression(c config) (*ws.DeflateOptions, []ws.Extension, error) {
	return flags.Compression(c.compress, c.deflate)
}

// options are the client's protocol options: Autobahn's defaults (every
// check on) plus the flags.
func options(c config) *ws.Options {
	o := ws.DefaultOptions()
	o.MaxMessagePayloadSize = c.maxMessageSize
	// Conformance tools check the close code of a failed connection, so
	// send it rather than dropping TCP.
	o.FailByDrop = c.failByDrop
	o.PerMessageDeflate, o.Extensions, _ = compression(c) // checked by parseFlags
	if c.h2 {
		o.HTTP2 = true
		o.HTTP2Pool = c.pool
	}
	return o
}

// endpoint returns the base URL with path and query set.
func endpoint(base, path string, query url.Values) string {
	u, err := url.Parse(base)
	if err != nil { // checked in parseFlags
		return base
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery = query.Encode()
	return u.String()
}

// countHandler takes the first message (the case count).
type countHandler struct {
	ws.BaseHandler
	msg chan []byte
}

func (h *countHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	select {
	case h.msg <- payload:
	default:
	}
}

// echoHandler sends every message back with its type.
type echoHandler struct {
	ws.BaseHandler
	logger *slog.Logger
}

func (h *echoHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	if err := c.SendMessage(payload, isBinary); err != nil {
		h.logger.Debug("echo failed", "err", err)
	}
}

// waitClosed waits until c is done; when ctx ends or timeout passes first,
// it starts a close handshake and waits a little for it.
func waitClosed(ctx context.Context, c *ws.Conn, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	var err error
	select {
	case <-c.Done():
		return nil
	case <-ctx.Done():
		err = ctx.Err()
		_ = c.SendClose(1001, "going away")
	case <-t.C:
		err = fmt.Errorf("not closed by the server within %v", timeout)
		_ = c.SendClose(1000, "")
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
	}
	return err
}

// caseCount asks the server for the number of cases.
func caseCount(ctx context.Context, c config) (int, error) {
	h := &countHandler{msg: make(chan []byte, 1)}
	conn, err := ws.Dial(ctx, endpoint(c.url, "/getCaseCount", nil), h, options(c))
	if err != nil {
		return 0, fmt.Errorf("testee: getCaseCount: %w", err)
	}
	var msg []byte
	select {
	case msg = <-h.msg:
	case <-conn.Done():
		select {
		case msg = <-h.msg:
		default:
			return 0, errors.New("testee: getCaseCount: closed without a count")
		}
	case <-ctx.Done():
		_ = waitClosed(ctx, conn, 0)
		return 0, ctx.Err()
	}
	_ = waitClosed(ctx, conn, 30*time.Second)
	var n int
	if err := json.Unmarshal(msg, &n); err != nil || n < 0 {
		return 0, fmt.Errorf("testee: getCaseCount: bad count %q: %v", msg, err)
	}
	return n, nil
}

// caseRange parses -cases against the server's count.
func caseRange(spec string, n int) (first, last int, err error) {
	if spec == "" {
		return 1, n, nil
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		b = a
	}
	first, err1 := strconv.Atoi(a)
	last, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || first < 1 || last < first {
		return 0, 0, fmt.Errorf("testee: bad -cases %q", spec)
	}
	return first, min(last, n), nil
}

// run drives the whole sequence: count, cases, report.
func run(ctx context.Context, c config, logger *slog.Logger) error {
	if c.h2 && c.pool == nil {
		c.pool = ws.NewHTTP2Pool()
		defer c.pool.Close()
	}
	n, err := caseCount(ctx, c)
	if err != nil {
		return err
	}
	first, last, err := caseRange(c.cases, n)
	if err != nil {
		return err
	}
	logger.Info("running cases", "count", n, "first", first, "last", last, "agent", c.agent)
	for i := first; i <= last; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		q := url.Values{"case": {strconv.Itoa(i)}, "agent": {c.agent}}
		conn, err := ws.Dial(ctx, endpoint(c.url, "/runCase", q), &echoHandler{logger: logger}, options(c))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			logger.Warn("case failed to connect", "case", i, "err", err)
			continue
		}
		if err := waitClosed(ctx, conn, c.caseTimeout); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			logger.Warn("case did not finish", "case", i, "err", err)
		}
		logger.Debug("case done", "case", i)
	}
	conn, err := ws.Dial(ctx, endpoint(c.url, "/updateReports", url.Values{"agent": {c.agent}}), &ws.BaseHandler{}, options(c))
	if err != nil {
		return fmt.Errorf("testee: updateReports: %w", err)
	}
	if err := waitClosed(ctx, conn, 2*time.Minute); err != nil {
		return fmt.Errorf("testee: updateReports: %w", err)
	}
	logger.Info("reports updated", "agent", c.agent)
	return nil
}

func main() {
	c, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "testee:", err)
		os.Exit(2)
	}
	level := slog.LevelInfo
	if c.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("testee", "url", c.url, "agent", c.agent, "deflate", c.deflate, "compress", c.compress, "nvx", ws.UsesNVX(), "kernel", nvx.Kernel())
	if err := run(ctx, c, logger); err != nil {
		if errors.Is(err, context.Canceled) {
			logger.Info("interrupted")
			return
		}
		logger.Error("testee failed", "err", err)
		os.Exit(1)
	}
}
