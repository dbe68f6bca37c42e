//go:build emulatorscale

// The scale measurement is not a test `make test` runs: it builds a million records and
// reports heap and query times. Run it by hand (see README.md, "Testing"):
//
//	go test -tags emulatorscale ./emulator/ -run TestScale -v [-emulator.scale N]

package emulator

import (
	"flag"
	"github.com/stretchr/testify/assert"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

var scaleRecords = flag.Int("emulator.scale", 1000000, "records in the data set TestScale measures")

// TestScale measures the heap held by a large data set and times typical queries over it:
// go test -tags emulatorscale ./emulator/ -run TestScale -v
func TestScale(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&before)
	start := time.Now()
	// Ideal: timings of whole 5,000-row calls.
	e := setup(t, Options{Records: *scaleRecords, Days: 30, Seed: 1, Profile: ProfileIdeal})
	built := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("%d records built in %s; live heap %.1f MiB (HeapAlloc after GC), process Sys %.1f MiB",
		e.Len(), built.Round(time.Millisecond), float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), float64(after.Sys)/(1<<20))
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	timed := func(name string, f func() int) {
		s := time.Now()
		n := f()
		t.Logf("%s: %d in %s", name, n, time.Since(s).Round(time.Millisecond))
	}
	timed("ground truth, whole span", func() int { return len(e.GroundTruth(Query{Start: first, End: last.Add(time.Second)})) })
	timed("newest 5000 via InvokeCommand", func() int {
		return len(e.fullPage(t, tok, with(window(first, last.Add(time.Second)), "ResultSize", 5000)))
	})
	timed("large set session page of 5000", func() int {
		return len(e.fullPage(t, tok, with(window(first, last.Add(time.Second)), "ResultSize", 5000, "SessionId", "scale", "SessionCommand", "ReturnLargeSet")))
	})
	timed("FreeText over one day", func() int {
		return len(e.GroundTruth(Query{Start: last.Add(-24 * time.Hour), End: last, FreeText: "BlockedByConditionalAccess"}))
	})
	var peak runtime.MemStats
	runtime.ReadMemStats(&peak)
	t.Logf("process Sys after queries %.1f MiB", float64(peak.Sys)/(1<<20))
	if after.HeapAlloc-before.HeapAlloc > 1<<30 {
		t.Fatalf("heap above 1 GiB")
	}
}

// TestGraphLargeExport pages a 200,000-record Graph query (about 2.5 minutes: the
// emulator renders some 31 µs per Graph record), a measurement rather than a check.
func TestGraphLargeExport(t *testing.T) {
	e := setup(t, fastGraph(Options{Records: 200000, Days: 2}))
	tok := e.graphToken(t, appReader)
	id := e.createQuery(t, tok, map[string]any{})
	e.waitQuery(t, tok, id)
	start := time.Now()
	recs, pages := e.allRecords(t, tok, id, 1000)
	t.Logf("%d records in %d pages in %s", len(recs), pages, time.Since(start))
	assert.Len(t, recs, 200000)
}
