package ws_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/ws"
)

// Two servers (say, a public and an internal endpoint) drawing on one
// memory budget of 128 MiB for the messages they are receiving: whatever
// peers send, the bytes held by unfinished and undelivered messages stay
// within it, and a message that does not fit fails with 1013 (try again
// later).
func ExampleMemoryBudget() {
	budget := ws.NewMemoryBudget(128 << 20)
	opts := ws.DefaultOptions()
	opts.PerMessageDeflate = &ws.DeflateOptions{}
	opts.MemoryBudget = budget
	public := ws.NewServer(func() ws.Handler { return &ws.BaseHandler{} }, opts)
	internal := ws.NewServer(func() ws.Handler { return &ws.BaseHandler{} }, opts)
	_, _ = public, internal // mount them with http.Handle, or Serve a listener

	fmt.Println(budget.Limit()>>20, "MiB,", budget.InUse(), "in use")
	// Output: 128 MiB, 0 in use
}
