package main

import (
	"fmt"
	"net"
	"net/http"
	"reflect"
	"sync/atomic"

	"github.com/lesismal/nbio/nbhttp"
	nbws "github.com/lesismal/nbio/nbhttp/websocket"
	"github.com/lxzan/gws"

	"github.com/autobahn-go/autobahn/ws"
)

// counters are what a server counts for the parent: connections open and
// messages received.
type counters struct {
	open, msgs atomic.Int64
}

// servers start an echo server on addr (a free loopback address) and
// return once it accepts connections; each is set up as its documentation
// shows, compression off.
var servers = map[string]func(addr, mode string, n *counters) error{
	"autobahn": serveAutobahn,
	"gws":      serveGWS,
	"nbio":     serveNbio,
}

type autobahnIdle struct {
	ws.BaseHandler
	n *counters
}

func (h autobahnIdle) OnOpen(*ws.Conn) { h.n.open.Add(1) }
func (h autobahnIdle) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	h.n.msgs.Add(1)
	_ = c.SendMessage(payload, isBinary) // a failed send closes the connection
}
func (h autobahnIdle) OnClose(*ws.Conn, bool, int, string) { h.n.open.Add(-1) }

// setEventLoop turns on Options.EventLoop, the event-driven mode. It is
// looked up by name so that this program builds against a library that
// does not have the mode yet (and then says so).
func setEventLoop(o *ws.Options) error {
	f := reflect.ValueOf(o).Elem().FieldByName("EventLoop")
	if !f.IsValid() || f.Kind() != reflect.Bool {
		return fmt.Errorf("this build of autobahn-go has no Options.EventLoop (event-driven mode)")
	}
	f.SetBool(true)
	return nil
}

func serveAutobahn(addr, mode string, n *counters) error {
	o := ws.DefaultOptions()
	switch mode {
	case "goroutine":
	case "eventloop":
		if err := setEventLoop(o); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown -mode %q (goroutine or eventloop)", mode)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := ws.NewServer(func() ws.Handler { return autobahnIdle{n: n} }, o)
	go func() { _ = srv.Serve(ln) }()
	return nil
}

type gwsIdle struct {
	gws.BuiltinEventHandler
	n *counters
}

func (h gwsIdle) OnOpen(*gws.Conn) { h.n.open.Add(1) }
func (h gwsIdle) OnMessage(c *gws.Conn, m *gws.Message) {
	h.n.msgs.Add(1)
	_ = c.WriteMessage(m.Opcode, m.Bytes())
	_ = m.Close()
}
func (h gwsIdle) OnClose(*gws.Conn, error) { h.n.open.Add(-1) }

func serveGWS(addr, _ string, n *counters) error {
	up := gws.NewUpgrader(gwsIdle{n: n}, &gws.ServerOption{CheckUtf8Enabled: true})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r)
			if err != nil {
				return
			}
			go c.ReadLoop()
		}))
	}()
	return nil
}

func serveNbio(addr, _ string, n *counters) error {
	up := nbws.NewUpgrader()
	up.OnOpen(func(*nbws.Conn) { n.open.Add(1) })
	up.OnMessage(func(c *nbws.Conn, mt nbws.MessageType, data []byte) {
		n.msgs.Add(1)
		_ = c.WriteMessage(mt, data)
	})
	up.OnClose(func(*nbws.Conn, error) { n.open.Add(-1) })
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if _, err := up.Upgrade(w, r, nil); err != nil {
			return
		}
	})
	engine := nbhttp.NewEngine(nbhttp.Config{
		Network: "tcp",
		Addrs:   []string{addr},
		Handler: mux,
		MaxLoad: 1 << 20,
	})
	return engine.Start()
}
