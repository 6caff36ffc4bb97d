//go:build race

package ws

// broadcastTestConns is the fan-out of TestBroadcastStalledReaders: fewer
// under the race detector (which also caps live goroutines at 8128).
const broadcastTestConns = 1000

// raceEnabled: the race detector is on (sync.Pool then drops items at
// random, so allocation counts are higher).
const raceEnabled = true
