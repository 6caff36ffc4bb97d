//go:build linux

package bench

import "github.com/autobahn-go/autobahn/ws"

// bombModes are the server configurations BenchmarkInflateBomb runs.
func bombModes() []string { return []string{"default"} }

// bombServerOptions applies mode to the bomb server's options and returns
// a function describing the server's state for the report.
func bombServerOptions(o *ws.Options, mode string) func() string {
	return func() string { return "" }
}
