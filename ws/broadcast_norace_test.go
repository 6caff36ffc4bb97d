//go:build !race

package ws

// broadcastTestConns is the fan-out of TestBroadcastStalledReaders.
const broadcastTestConns = 2000

// raceEnabled: the race detector is on (sync.Pool then drops items at
// random, so allocation counts are higher).
const raceEnabled = false
