package graphclient

import (
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// splitWindow halves a truncated query's window at a whole second: [a,m) and [m,b) share
// the instant m (whether the service's end is inclusive is not documented; records are
// deduplicated by Id, so either way is exact). A window of one second or less cannot be
// split (false).
func splitWindow(w auditsearch.Window) (auditsearch.Window, auditsearch.Window, bool) {
	d := w.End.Sub(w.Start)
	if d <= time.Second {
		return w, w, false
	}
	m := w.Start.Add(d / 2).Truncate(time.Second)
	if !m.After(w.Start) {
		m = w.Start.Add(time.Second).Truncate(time.Second)
	}
	if !m.Before(w.End) {
		return w, w, false
	}
	return auditsearch.Window{Start: w.Start, End: m}, auditsearch.Window{Start: m, End: w.End}, true
}
