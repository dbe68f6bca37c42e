package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"

	"container/heap"
	"slices"
	"time"
)

// splitWindow cuts w into at most n pieces of (nearly) equal duration whose inner
// boundaries fall on whole seconds. Neighbours share their boundary instant: whether the
// service's EndDate is inclusive is undocumented, and dedup by Id makes the overlap
// harmless either way. It never yields an empty piece; a window that cannot be split is
// returned as is.
func splitWindow(w auditsearch.Window, n int) []auditsearch.Window {
	d := w.End.Sub(w.Start)
	if secs := int((d + time.Second - 1) / time.Second); n > secs {
		n = secs
	}
	if n < 2 {
		return []auditsearch.Window{w}
	}
	out := make([]auditsearch.Window, 0, n)
	start := w.Start
	for i := 1; i < n; i++ {
		m := w.Start.Add(d / time.Duration(n) * time.Duration(i)).Truncate(time.Second)
		if !m.After(start) {
			m = m.Add(time.Second)
		}
		if !m.Before(w.End) {
			continue
		}
		out = append(out, auditsearch.Window{Start: start, End: m})
		start = m
	}
	return append(out, auditsearch.Window{Start: start, End: w.End})
}

// splitByRows cuts w, believed to hold est rows, into pieces of about want rows each
// (the last holds the rest), at most maxPieces: sample is rows of w in random order (as
// a session returns them), and the pieces' inner boundaries are its quantiles of
// CreationTime, rounded down to whole seconds. Neighbours share their boundary as in
// splitWindow. Where the sample cannot separate the pieces (too few rows, or all in one
// second), it falls back to equal-time pieces.
func splitByRows(w auditsearch.Window, sample []auditsearch.Record, est, want, maxPieces int) []auditsearch.Window {
	n := min(max(2, windowPieces(est, want)), maxPieces)
	share := max(float64(want)/float64(max(est, 1)), 1/float64(n))
	times := make([]time.Time, 0, len(sample))
	for _, r := range sample {
		if !r.CreationTime.Before(w.Start) && !r.CreationTime.After(w.End) {
			times = append(times, r.CreationTime)
		}
	}
	if len(times) < 2*n {
		return splitWindow(w, n)
	}
	slices.SortFunc(times, time.Time.Compare)
	out := make([]auditsearch.Window, 0, n)
	start := w.Start
	for i := 1; float64(i)*share < 1; i++ {
		m := times[int(float64(i)*share*float64(len(times)))].Truncate(time.Second)
		if m.After(start) && m.Before(w.End) {
			out = append(out, auditsearch.Window{Start: start, End: m})
			start = m
		}
	}
	if len(out) == 0 {
		return splitWindow(w, n)
	}
	return append(out, auditsearch.Window{Start: start, End: w.End})
}

// windowPieces is how many pieces a window estimated to hold rows records is cut into so
// that each piece is expected to hold at most target (windowTargetRows in production):
// comfortably under the session cap, so that most pieces need a single session.
func windowPieces(rows, target int) int {
	return (rows + target - 1) / target
}

// windowQueue is a max-heap of windows by End: the newest window is fetched first, which
// lets a search for the newest N records stop before the older windows are fetched.
type windowQueue []auditsearch.Window

func (q windowQueue) Len() int           { return len(q) }
func (q windowQueue) Less(i, j int) bool { return q[i].End.After(q[j].End) }
func (q windowQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *windowQueue) Push(x any)        { *q = append(*q, x.(auditsearch.Window)) }
func (q *windowQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	*q = old[:len(old)-1]
	return w
}

// newWindowQueue returns a heap holding ws.
func newWindowQueue(ws []auditsearch.Window) *windowQueue {
	q := windowQueue(append([]auditsearch.Window(nil), ws...))
	heap.Init(&q)
	return &q
}
