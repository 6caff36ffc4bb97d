package ws_test

import (
	"context"
	"log"

	"github.com/autobahn-go/autobahn/ws"
)

// A server accepting permessage-deflate, permessage-snappy and
// permessage-brotli, in that order of preference, whatever order the
// client offers them in.
func ExampleBrotliExtension() {
	o := ws.DefaultOptions()
	o.PerMessageDeflate = &ws.DeflateOptions{}
	o.Extensions = []ws.Extension{
		ws.SnappyExtension(nil),
		ws.BrotliExtension(&ws.BrotliOptions{Level: 5}),
	}
	srv := ws.NewServer(func() ws.Handler { return &ws.BaseHandler{} }, o)
	_ = srv
}

// A client preferring permessage-snappy and falling back to
// permessage-deflate: DeflateExtension places deflate in the list.
func ExampleSnappyExtension() {
	o := ws.DefaultOptions()
	o.Extensions = []ws.Extension{
		ws.SnappyExtension(&ws.SnappyOptions{NoContextTakeover: true}),
		ws.DeflateExtension(&ws.DeflateOptions{}),
	}
	c, err := ws.Dial(context.Background(), "ws://127.0.0.1:9001/", nil, o)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if exts := c.Response().Extensions; len(exts) > 0 {
		log.Printf("negotiated %s", exts[0].Name)
	}
}
