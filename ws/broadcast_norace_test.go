//go:build !race

package ws

// broadcastTestConns is the fan-out of TestBroadcastStalledReaders.
const broadcastTestConns = 2000
