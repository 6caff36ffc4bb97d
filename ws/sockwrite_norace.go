//go:build linux && !race

package ws

// raceReleaseWrite does nothing without the race detector (see
// sockwrite_race.go).
func raceReleaseWrite(uintptr) {}
