//go:build race

package emulator

// raceEnabled: heavy HTTP volume tests run in their cheaper form under the race detector.
const raceEnabled = true
