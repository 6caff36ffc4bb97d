//go:build race

package nvx

// raceRounds is how many rounds the measurement at start makes under the
// race detector: its instrumented Go loops are many times slower than C
// at every candidate size, so more rounds would only say that again, and
// every test binary that imports nvx pays them (31 rounds took 0.8 s).
const raceRounds = 3
