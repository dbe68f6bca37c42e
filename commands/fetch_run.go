package commands

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// Tuning of one fetch run.
const (
	// fetchPageSize is the ResultSize of each search of a fetch: 5,000 is one call without a
	// session. Fewer records back means the searched window is complete.
	fetchPageSize = 5000
	// fetchSecondCap is the ResultSize for a one-second window that still holds a full page.
	fetchSecondCap = 50000
	// fetchMaxSearches bounds the searches of one run; the next run goes on from where it stopped.
	fetchMaxSearches = 40
)

// fetcher runs one fetch: it finds the oldest records not yet emitted in
// [high water − lookback, now) and computes the next state.
//
// The search API returns the newest N records of a window, but incidents must go out oldest
// first without skipping any. So the window is scanned forward in chunks, each searched
// whole: a chunk whose search comes back full is narrowed (its end pulled back) until it
// comes back short, which means it holds no more records than those returned. Chunks are
// added until max_fetch unseen records are in hand or now is reached. Normally the whole
// window is one short search.
type fetcher struct {
	client Client
	log    *slog.Logger
	// Zero fields take the constants above (tests shrink them).
	pageSize, secondCap, maxSearches, maxStateBytes int

	searches int
}

// fetchOutcome is a run's result: the incidents' records, oldest first, and the next state.
type fetchOutcome struct {
	emitted []auditsearch.Record
	state   fetchState
}

func (f *fetcher) defaults() {
	f.pageSize = cmp.Or(f.pageSize, fetchPageSize)
	f.secondCap = cmp.Or(f.secondCap, fetchSecondCap)
	f.maxSearches = cmp.Or(f.maxSearches, fetchMaxSearches)
	f.maxStateBytes = cmp.Or(f.maxStateBytes, maxStateBytes)
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
}

// run polls once at now. On error the caller keeps st.
func (f *fetcher) run(ctx context.Context, p FetchParams, st fetchState, now time.Time) (*fetchOutcome, error) {
	f.defaults()
	next := fetchState{HighWater: st.HighWater, Floor: st.Floor, Seen: make(map[string]time.Time, len(st.Seen))}
	for id, t := range st.Seen {
		next.Seen[id] = t
	}
	start := st.HighWater.Add(-p.Lookback)
	if st.HighWater.IsZero() {
		start = p.FirstFetch
		next.Floor = laterOf(next.Floor, p.FirstFetch) // never before first_fetch
	}
	start = laterOf(start, next.Floor)
	found, scanned, err := f.scan(ctx, p, start, now, laterOf(st.HighWater, start), next.Seen)
	if err != nil {
		return nil, err
	}
	emitted, highWater := cut(found, p.MaxFetch, scanned)
	next.HighWater = laterOf(next.HighWater, highWater)
	for _, r := range emitted {
		next.Seen[r.ID] = r.CreationTime
	}
	next.prune(laterOf(next.HighWater.Add(-p.Lookback), next.Floor))
	if dropped := next.bound(f.maxStateBytes); dropped > 0 {
		f.log.WarnContext(ctx, "fetch state too large: forgot the oldest emitted Ids; "+
			"records that arrive later than the new floor will not become incidents",
			"dropped", dropped, "floor", next.Floor, "effective_lookback", next.HighWater.Sub(next.Floor).String())
	}
	f.log.DebugContext(ctx, "fetched", "window_start", start, "scanned_to", scanned, "new", len(found),
		"emitted", len(emitted), "high_water", next.HighWater, "seen", len(next.Seen), "searches", f.searches)
	return &fetchOutcome{emitted: emitted, state: next}, nil
}

// cut sorts the records oldest first (CreationTime, then Id) and keeps the first max. The
// high-water mark is scanned when everything found was kept, else the CreationTime of the
// last one kept: nothing after it has been emitted yet (the next run's window, which starts
// a lookback earlier, finds the rest; seen Ids keep ties at that instant from repeating).
func cut(found map[string]auditsearch.Record, max int, scanned time.Time) ([]auditsearch.Record, time.Time) {
	rows := make([]auditsearch.Record, 0, len(found))
	for _, r := range found {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b auditsearch.Record) int {
		return cmp.Or(a.CreationTime.Compare(b.CreationTime), cmp.Compare(a.ID, b.ID))
	})
	if len(rows) <= max {
		return rows, scanned
	}
	rows = rows[:max]
	return rows, rows[max-1].CreationTime
}

// scan collects the unseen records created in [start, now), chunk by chunk from start, until
// it holds at least max of them or reaches now. scanned is the end of the part searched
// whole. The search budget stops a scan only once it has made progress (found something or
// passed the old high-water mark): re-scanning the lookback must never starve a run.
// highWater is the old mark, or start on a first run.
func (f *fetcher) scan(ctx context.Context, p FetchParams, start, now, highWater time.Time, seen map[string]time.Time) (found map[string]auditsearch.Record, scanned time.Time, err error) {
	found = make(map[string]auditsearch.Record)
	a := start.Truncate(time.Second) // the service takes whole seconds; start is enforced below
	b := now
	for a.Before(now) && len(found) < p.MaxFetch {
		if f.searches >= f.maxSearches && (len(found) > 0 || a.After(highWater)) {
			f.log.WarnContext(ctx, "fetch stopped after its search budget; the next run goes on", "at", a, "searches", f.searches)
			break
		}
		rows, end, err := f.chunk(ctx, p, a, b)
		if err != nil {
			return nil, start, err
		}
		for _, r := range rows {
			_, dup := seen[r.ID]
			if !dup && !r.CreationTime.Before(start) && r.ID != "" {
				found[r.ID] = r
			}
		}
		a, b = end, nextEnd(end, end.Sub(a), len(rows), f.pageSize, now)
	}
	return found, laterOf(a, start), nil
}

// nextEnd is where the chunk after a complete one of span s holding n records first tries
// to end: where half a page is expected at the same density.
func nextEnd(a time.Time, s time.Duration, n, page int, now time.Time) time.Time {
	grow := max(float64(page)/2/float64(max(n, 1)), 1)
	if n == 0 {
		grow = max(grow, 8) // an empty chunk says nothing of the density: leap ahead
	}
	next := float64(s) * grow
	if next >= float64(now.Sub(a)) {
		return now
	}
	return a.Add(max(time.Duration(next), time.Second)).Truncate(time.Second)
}

// chunk searches [a, b) whole: while a search comes back full, b is pulled back, to where
// the returned records' density says about half a page lies. It returns the records and
// the chunk's end.
func (f *fetcher) chunk(ctx context.Context, p FetchParams, a, b time.Time) ([]auditsearch.Record, time.Time, error) {
	for {
		f.searches++
		res, err := f.client.Search(ctx, p.Query(a, b, f.pageSize))
		if err != nil {
			return nil, a, err
		}
		rows := f.rows(ctx, res)
		if len(rows) < f.pageSize {
			return rows, b, nil
		}
		if b.Sub(a) <= time.Second {
			return f.second(ctx, p, a, b)
		}
		b = narrowed(a, b, rows)
	}
}

// second fetches a one-second window holding a full page with a large search.
func (f *fetcher) second(ctx context.Context, p FetchParams, a, b time.Time) ([]auditsearch.Record, time.Time, error) {
	f.searches++
	res, err := f.client.Search(ctx, p.Query(a, b, f.secondCap))
	if err != nil {
		return nil, a, err
	}
	rows := f.rows(ctx, res)
	if len(rows) >= f.secondCap {
		f.log.WarnContext(ctx, "one second holds more audit records than can be fetched; some may never become incidents: narrow the fetch filters",
			"second", a, "records", len(rows))
	}
	return rows, b, nil
}

// rows are a result's records, with a warning for windows the service could not return whole.
func (f *fetcher) rows(ctx context.Context, res *auditsearch.Result) []auditsearch.Record {
	if res == nil {
		return nil
	}
	if len(res.Incomplete) > 0 {
		f.log.WarnContext(ctx, "Exchange Online could not return every record of some one-second windows; some may never become incidents",
			"windows", len(res.Incomplete))
	}
	return res.Records
}

// narrowed is the new end of a chunk [a, b) whose search returned a full page of its
// newest records: half the span those records cover, so the next try likely holds about
// half a page; always a whole second, after a and before b.
func narrowed(a, b time.Time, rows []auditsearch.Record) time.Time {
	oldest := b
	for _, r := range rows {
		if r.CreationTime.Before(oldest) {
			oldest = r.CreationTime
		}
	}
	oldest = laterOf(oldest, a)
	end := a.Add(b.Sub(oldest) / 2).Truncate(time.Second)
	if !end.Before(b) {
		end = a.Add(b.Sub(a) / 2).Truncate(time.Second)
	}
	if !end.After(a) {
		end = a.Add(time.Second)
	}
	return end
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
