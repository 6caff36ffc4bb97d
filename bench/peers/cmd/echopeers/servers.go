package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/coder/websocket"
	gorilla "github.com/gorilla/websocket"
	"github.com/lxzan/gws"

	"github.com/autobahn-go/autobahn/ws"
)

// servers are the echo servers compared, each set up as its documentation
// shows for an echo, compression off, message limit at least 16 MiB. Only
// autobahn and gws (CheckUtf8Enabled) validate incoming text as UTF-8;
// gorilla and coder do not, so they do less work per text message.
var servers = map[string]func(ln net.Listener) error{
	"autobahn": serveAutobahn,
	// autobahn-copy is autobahn with a payload of its own per message
	// (ReuseMessageBuffer off, the default); not in serverOrder, run it
	// with -impls.
	"autobahn-copy": serveAutobahnCopy,
	// autobahn-evloop is autobahn in its event-driven mode
	// (Options.EventLoop), with ReuseMessageBuffer.
	"autobahn-evloop": serveAutobahnEventLoop,
	"gws":             serveGWS,
	// floor is not a WebSocket server but the floor under all of them
	// (floor.go); not in serverOrder, run it with -impls.
	"floor":   serveFloor,
	"gorilla": serveGorilla,
	"coder":   serveCoder,
}

// serverOrder is the order of the columns and of the runs of one case:
// the four servers, then floor, what a server without the protocol costs
// against the same client (floor.go).
var serverOrder = []string{"autobahn", "gws", "gorilla", "coder", "floor"}

type autobahnEcho struct{ ws.BaseHandler }

func (autobahnEcho) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	_ = c.SendMessage(payload, isBinary) // a failed send closes the connection
}

// serveAutobahn runs the echo with ReuseMessageBuffer: the handler sends
// the payload back before OnMessage returns, so it may live in a reused
// buffer, as gws's echo gives its Message back with Close.
func serveAutobahn(ln net.Listener) error {
	o := ws.DefaultOptions()
	o.ReuseMessageBuffer = true
	srv := ws.NewServer(func() ws.Handler { return autobahnEcho{} }, o)
	return srv.Serve(ln)
}

// serveAutobahnEventLoop runs the echo of serveAutobahn in the
// event-driven mode.
func serveAutobahnEventLoop(ln net.Listener) error {
	o := ws.DefaultOptions()
	o.ReuseMessageBuffer = true
	o.EventLoop = true
	srv := ws.NewServer(func() ws.Handler { return autobahnEcho{} }, o)
	return srv.Serve(ln)
}

// serveAutobahnCopy runs the echo with the default options.
func serveAutobahnCopy(ln net.Listener) error {
	srv := ws.NewServer(func() ws.Handler { return autobahnEcho{} }, ws.DefaultOptions())
	return srv.Serve(ln)
}

type gwsEcho struct{ gws.BuiltinEventHandler }

func (gwsEcho) OnMessage(c *gws.Conn, m *gws.Message) {
	_ = c.WriteMessage(m.Opcode, m.Bytes())
	_ = m.Close()
}

func serveGWS(ln net.Listener) error {
	up := gws.NewUpgrader(gwsEcho{}, &gws.ServerOption{
		CheckUtf8Enabled:   true,
		ReadMaxPayloadSize: 16 << 20,
	})
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		go c.ReadLoop()
	}))
}

func serveGorilla(ln net.Listener) error {
	up := gorilla.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadLimit(16 << 20)
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	}))
}

func serveCoder(ln net.Listener) error {
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(16 << 20)
		ctx := context.Background()
		buf := make([]byte, 32<<10)
		for {
			typ, rd, err := c.Reader(ctx)
			if err != nil {
				return
			}
			wr, err := c.Writer(ctx, typ)
			if err != nil {
				return
			}
			if _, err := io.CopyBuffer(wr, rd, buf); err != nil {
				return
			}
			if err := wr.Close(); err != nil {
				return
			}
		}
	}))
}

// serve runs server name on a loopback port, printing "LISTEN addr" for
// the parent, until SIGTERM or SIGINT; with a profile file, it profiles the
// CPU until then.
func serve(name, cpuProfile string, out io.Writer) error {
	fn, ok := servers[name]
	if !ok {
		return fmt.Errorf("echopeers: unknown server %q", name)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return fmt.Errorf("echopeers: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("echopeers: %w", err)
		}
	}
	go func() {
		<-sigs
		pprof.StopCPUProfile()
		os.Exit(0)
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("echopeers: listen: %w", err)
	}
	fmt.Fprintf(out, "LISTEN %s\n", ln.Addr())
	if err := fn(ln); err != nil {
		return fmt.Errorf("echopeers: %s: %w", name, err)
	}
	return nil
}
