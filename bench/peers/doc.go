// Package peers holds benchmarks that compare autobahn-go with peer Go
// WebSocket libraries. It is its own module (with a replace of the library
// to ../..) so that the library's go.mod never requires a peer.
package peers
