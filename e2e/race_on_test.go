//go:build race

package e2e

// raceEnabled: the heaviest searches run in their cheaper form under the race detector,
// which instruments this process (the emulator and the harness), never the built binary.
const raceEnabled = true
