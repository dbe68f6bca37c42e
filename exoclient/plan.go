package exoclient

import (
	"math"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// Window planning (issue 15). Every call answers at most one page, so a window of r rows
// costs ceil(r / page) calls: the last, partial page is the waste of each window, and a
// window that reaches the session cap wastes its whole session. Windows are therefore cut
// from the query window one at a time, newest first, when a worker is free, each sized to
// hold windowPages pages at the rows per call learnt so far (pagesize.go) and the density
// of the windows fetched so far, under the cap with margin; near the end they shrink so
// that every worker has a share of what is left.
const (
	// windowPages is how many pages a window is sized for: a partial last page costs
	// about half a call per window, 5% of ten pages.
	windowPages = 10
	// recentWindows is how many finished windows the density of the next is judged on.
	recentWindows = 4
)

// windowPlan is the part of the query window not yet handed to workers, and what the
// windows fetched so far tell about its density. Only the coordinator touches it.
type windowPlan struct {
	rest    auditsearch.Window // not yet cut; empty when !rest.Start.Before(rest.End)
	workers int
	// seed is the density (rows per second) the first call suggested; 0 when unknown.
	seed float64
	// recent holds the densities of the last finished windows, newest last.
	recent []float64
	// rows and span total the finished windows cut from the rest, for the average
	// density.
	rows int
	span time.Duration
	// cutOut holds the windows cut and not yet learnt: only they tell about the rest (a
	// piece of a split window is a local peak, not a sample of the rest).
	cutOut map[auditsearch.Window]bool
	// tail is the rows per window once what is left fits in one window per worker:
	// fixed then, so the last windows are equal shares.
	tail int
}

// pending reports whether part of the query window is still to be cut.
func (p *windowPlan) pending() bool { return p.rest.Start.Before(p.rest.End) }

// learn records that w holds rows: from its first page when counts are credible, else
// when it is done. Only the first report of a window counts.
func (p *windowPlan) learn(w auditsearch.Window, rows int) {
	if !p.cutOut[w] {
		return
	}
	delete(p.cutOut, w)
	d := max(w.End.Sub(w.Start), time.Second)
	p.rows += rows
	p.span += d
	p.recent = append(p.recent, float64(rows)/d.Seconds())
	if len(p.recent) > recentWindows {
		p.recent = p.recent[1:]
	}
}

// density is the rows per second assumed for the rest: the highest of the recent
// windows', the average so far and the first call's (a density guessed high costs a
// partial page, one guessed low a capped session). 0 when nothing is known yet.
func (p *windowPlan) density() float64 {
	d := p.seed
	if p.span > 0 {
		d = max(d*0.5, float64(p.rows)/p.span.Seconds())
	}
	for _, r := range p.recent {
		d = max(d, r)
	}
	return d
}

// next is the window to hand out next (newest part of the rest) for windows of want
// rows, without cutting it. It is the whole rest when the rest is expected to hold
// little more than want.
func (p *windowPlan) next(want, page int) auditsearch.Window {
	dens := p.density()
	restSpan := p.rest.End.Sub(p.rest.Start)
	var d time.Duration
	if dens <= 0 {
		// Nothing known: a share of the rest per worker, learnt from before long.
		d = restSpan / time.Duration(4*p.workers)
	} else {
		restRows := dens * restSpan.Seconds()
		// The tail: once what is left fits in one window per worker, every worker gets an
		// equal share (a lone worker has nothing to share), none less than two pages'
		// worth (below that, a window costs its partial page for little parallelism).
		if p.tail == 0 && p.workers > 1 && restRows <= float64(want*p.workers) {
			p.tail = max(int(restRows)/p.workers, want/windowPages*2, 1)
		}
		if p.tail > 0 && p.tail < want {
			// Whole pages enough for the share: rounded down, a share of 1.5 pages made
			// windows of one page and left the rest to another window.
			want = min(want, alignPages(p.tail+page/2, page))
		}
		if restRows <= float64(want)*1.25 {
			return p.rest
		}
		d = time.Duration(math.Min(float64(want)/dens*float64(time.Second), float64(restSpan)))
	}
	m := p.rest.End.Add(-d).Truncate(time.Second)
	if !m.Before(p.rest.End) {
		m = m.Add(-time.Second)
	}
	if !m.After(p.rest.Start) {
		return p.rest
	}
	return auditsearch.Window{Start: m, End: p.rest.End}
}

// cut removes w (from next) from the rest.
func (p *windowPlan) cut(w auditsearch.Window) {
	p.rest.End = w.Start
	if p.cutOut == nil {
		p.cutOut = make(map[auditsearch.Window]bool)
	}
	p.cutOut[w] = true
}

// left is about how many windows of want rows the rest holds, for progress reports.
func (p *windowPlan) left(want int) int {
	if !p.pending() {
		return 0
	}
	rows := p.density() * p.rest.End.Sub(p.rest.Start).Seconds()
	return max(1, int(math.Ceil(rows/float64(max(want, 1)))))
}

// windowRows is how many rows a window is sized for at page rows per call: windowPages
// pages, under the session cap with margin, and a tenth of a page short of a whole
// number of pages, so that a window estimated well ends on a short last page rather
// than one row into an extra call. credible says whether sessions' ResultCount is the
// window's size: a window beyond the cap is then split after one call, so the window
// may come as close as l.target; otherwise a window beyond the cap costs a whole capped
// session, and windows aim at half the cap.
func windowRows(page int, l sessionLimits, credible bool) int {
	limit := l.cap / 2
	if credible {
		limit = l.target
	}
	return alignPages(min(windowPages*page, limit), page)
}

// alignPages is the whole number of pages nearest rows (at least one), a tenth of a
// page short.
func alignPages(rows, page int) int {
	page = max(page, 1)
	pages := max(1, (rows+page/2)/page)
	return max(1, pages*page-page/10)
}

// probeDensity is the density (rows per second) the sorted probe over w suggests: the
// newest rows' own (len(probe) rows between the oldest of them and w's end), or
// ResultCount spread over w when it is credible and suggests more. 0 when the probe is
// empty.
func probeDensity(w auditsearch.Window, probe []auditsearch.Record, asked int) float64 {
	if len(probe) == 0 {
		return 0
	}
	claimed, oldest := 0, w.End
	for _, r := range probe {
		claimed = max(claimed, r.ResultCount)
		if r.CreationTime.Before(oldest) {
			oldest = r.CreationTime
		}
	}
	d := float64(len(probe)) / max(w.End.Sub(oldest), time.Second).Seconds()
	if claimed > max(asked, len(probe)) {
		d = max(d, float64(claimed)/max(w.End.Sub(w.Start), time.Second).Seconds())
	}
	return d
}
