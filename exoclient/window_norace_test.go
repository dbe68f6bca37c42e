//go:build !race

package exoclient

// raceEnabled shrinks the search tests under the race detector, which slows them tenfold.
const raceEnabled = false
