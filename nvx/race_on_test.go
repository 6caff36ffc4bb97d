//go:build race

package nvx

// raceEnabled: the race detector slows Go code (not C) several times over.
const raceEnabled = true
