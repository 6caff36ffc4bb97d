//go:build race

package ws

// broadcastTestConns is the fan-out of TestBroadcastStalledReaders: fewer
// under the race detector (which also caps live goroutines at 8128).
const broadcastTestConns = 1000
