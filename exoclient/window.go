package exoclient

import (
	"container/heap"
	"time"
)

// String formats the window for logs and error texts, e.g.
// "[2021-01-01T00:00:00Z, 2021-01-02T00:00:00Z)".
func (w Window) String() string {
	return "[" + w.Start.UTC().Format(time.RFC3339Nano) + ", " + w.End.UTC().Format(time.RFC3339Nano) + ")"
}

// splitWindow cuts w into at most n pieces of (nearly) equal duration whose inner
// boundaries fall on whole seconds. Neighbours share their boundary instant: whether the
// service's EndDate is inclusive is undocumented, and dedup by Id makes the overlap
// harmless either way. It never yields an empty piece; a window that cannot be split is
// returned as is.
func splitWindow(w Window, n int) []Window {
	d := w.End.Sub(w.Start)
	if secs := int((d + time.Second - 1) / time.Second); n > secs {
		n = secs
	}
	if n < 2 {
		return []Window{w}
	}
	out := make([]Window, 0, n)
	start := w.Start
	for i := 1; i < n; i++ {
		m := w.Start.Add(d / time.Duration(n) * time.Duration(i)).Truncate(time.Second)
		if !m.After(start) {
			m = m.Add(time.Second)
		}
		if !m.Before(w.End) {
			continue
		}
		out = append(out, Window{Start: start, End: m})
		start = m
	}
	return append(out, Window{Start: start, End: w.End})
}

// windowPieces is how many pieces a window estimated to hold rows records is cut into so
// that each piece is expected to hold at most target (windowTargetRows in production):
// comfortably under the session cap, so that most pieces need a single session.
func windowPieces(rows, target int) int {
	return (rows + target - 1) / target
}

// windowQueue is a max-heap of windows by End: the newest window is fetched first, which
// lets a search for the newest N records stop before the older windows are fetched.
type windowQueue []Window

func (q windowQueue) Len() int           { return len(q) }
func (q windowQueue) Less(i, j int) bool { return q[i].End.After(q[j].End) }
func (q windowQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *windowQueue) Push(x any)        { *q = append(*q, x.(Window)) }
func (q *windowQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	*q = old[:len(old)-1]
	return w
}

// newWindowQueue returns a heap holding ws.
func newWindowQueue(ws []Window) *windowQueue {
	q := windowQueue(append([]Window(nil), ws...))
	heap.Init(&q)
	return &q
}
