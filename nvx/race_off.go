//go:build !race

package nvx

// raceRounds is calibrationRounds without the race detector (see
// race_on.go).
const raceRounds = calibrationRounds
