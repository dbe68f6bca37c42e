package main

import (
	"runtime/debug"
)

// defaultMemoryLimit is the Go runtime's soft memory limit in the protocol mode unless
// GOMEMLIMIT is set. A large export streams its records, but decoding leaves garbage
// behind each page, and with the default GC pacing the heap may grow to twice what is
// live before a collection: under the limit the collector runs sooner instead (the
// engine's containers are often capped around 1 GiB). Above it, nothing fails: the
// limit is soft.
const defaultMemoryLimit = 384 << 20

// setMemoryLimit applies defaultMemoryLimit unless the environment sets GOMEMLIMIT.
func setMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
