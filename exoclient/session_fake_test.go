package exoclient

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// fakeBounds is which instants a window [Start, End] includes: the service does not
// document it, and the search must be exact under each.
type fakeBounds int

const (
	boundsHalfOpen fakeBounds = iota // [Start, End)
	boundsClosed                     // [Start, End]
	boundsLeftOpen                   // (Start, End]
)

// fakeFault is what the fake does to one call.
type fakeFault int

const (
	faultNone      fakeFault = iota
	faultBogus               // the page's rows carry ResultIndex -1 (session advances)
	faultEmpty               // an empty page mid-session (session does not advance)
	faultLost                // the page is consumed but the call fails (lost response)
	faultSkip                // the page is consumed and the next one returned (silent retry)
	faultDuplicate           // the page also carries copies of rows of the previous page
	faultForbidden           // HTTP 403: not recoverable by a new session
	faultCanceled            // a 200 without rows and a failure warning (L3; session does not advance)
)

// fakeCall describes one call to the fault decider.
type fakeCall struct {
	Params SearchParams
	Page   int // 0-based page number within the session; 0 for sorted calls
	// Session numbers the sessions in the order the fake saw them (1-based; 0 for sorted calls).
	Session int
	// N numbers the calls in the order the fake saw them (1-based).
	N int
}

// fakeService simulates Search-UnifiedAuditLog over an in-memory data set (DESIGN §4):
// sorted calls newest first; ReturnLargeSet sessions with unsorted pages, a 50,000-row cap,
// global ResultIndex, ResultCount, and an empty page past the end.
type fakeService struct {
	data      []Row // sorted by CreationTime, then ID
	bounds    fakeBounds
	echoCount bool                                            // ResultCount echoes ResultSize (the 2026 behaviour)
	sessDups  int                                             // every sessDups-th row of a session list appears twice (0 = none)
	rowCap    int                                             // rows per session; 0 = sessionRowCap
	fault     func(c fakeCall) fakeFault                      // nil = no faults
	gate      func(ctx context.Context, p SearchParams) error // called first in every call, outside the lock

	// The live service (DESIGN §4b):
	nonSessionCap  int  // L1: calls without a session return at most this many rows (0 = no cap)
	restPage       int  // L4: a call asking more rows than this is served in REST pages of it (0 = never)
	refuseNextLink bool // L4: and every continuation is refused: the rest of the call is lost
	restartAtEnd   bool // L9: a session asked past its end starts over

	// decoding, when set, is called after a call's answer has arrived whole (a page, or
	// the L3 warning), as the client decodes it: the call is no longer served.
	decoding func(c fakeCall)

	mu          sync.Mutex
	sessions    map[string]*fakeSession
	calls       int
	sessionsRun int
	inflight    int
	maxInflight int
	closed      bool // set by tests: any call after it is counted in lateCalls
	lateCalls   int
	refused     int             // continuations refused
	restarts    int             // sessions that started over
	serving     map[string]bool // sessions with a call being served
	overlapped  int             // calls that arrived while their session was serving another
}

type fakeSession struct {
	rows  []Row
	count int // ResultCount: the list's length before the cap
	pos   int
	page  int
	last  []Row
	num   int
}

func newFakeService(data []Row) *fakeService {
	d := slices.Clone(data)
	slices.SortFunc(d, func(a, b Row) int {
		if c := a.CreationTime.Compare(b.CreationTime); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	return &fakeService{data: d, sessions: map[string]*fakeSession{}, serving: map[string]bool{}}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// selection returns the records of window [start, end] under the fake's bounds, oldest first.
func (f *fakeService) selection(start, end time.Time) []Row {
	lo := sort.Search(len(f.data), func(i int) bool {
		t := f.data[i].CreationTime
		if f.bounds == boundsLeftOpen {
			return t.After(start)
		}
		return !t.Before(start)
	})
	hi := sort.Search(len(f.data), func(i int) bool {
		t := f.data[i].CreationTime
		if f.bounds == boundsHalfOpen {
			return !t.Before(end)
		}
		return t.After(end)
	})
	if hi < lo {
		return nil
	}
	return f.data[lo:hi]
}

// expected is the exact answer to q: the newest q.ResultSize, newest first, ties by ID.
func (f *fakeService) expected(q Query) []Row {
	sel := slices.Clone(f.selection(q.Start, q.End))
	slices.SortFunc(sel, auditsearch.CompareNewestFirst)
	return sel[:min(len(sel), q.ResultSize)]
}

// SearchPage serves p, then tells the caller the answer arrived whole, as Client.SearchPage
// does when a 200 body has been read (answered), and lets the test hold the "decoding".
func (f *fakeService) SearchPage(ctx context.Context, p SearchParams) ([]Row, error) {
	call := fakeCall{Params: p}
	rows, err := f.serve(ctx, &call)
	if err == nil || errors.As(err, new(*WarningError)) {
		answered(ctx, nil)
		if f.decoding != nil {
			f.decoding(call)
		}
	}
	return rows, err
}

// serve is one call, from its arrival to its answer; it completes c.
func (f *fakeService) serve(ctx context.Context, c *fakeCall) ([]Row, error) {
	p := c.Params
	session := p.LargeSet && p.SessionID != ""
	f.mu.Lock()
	f.calls++
	c.N = f.calls
	f.inflight++
	f.maxInflight = max(f.maxInflight, f.inflight)
	if f.closed {
		f.lateCalls++
	}
	if session {
		if f.serving[p.SessionID] {
			f.overlapped++
		}
		f.serving[p.SessionID] = true
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight--
		if session {
			f.serving[p.SessionID] = false
		}
		f.mu.Unlock()
	}()
	if f.gate != nil {
		if err := f.gate(ctx, p); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !p.LargeSet {
		return f.sorted(p)
	}
	return f.sessionPage(c)
}

func (f *fakeService) sorted(p SearchParams) ([]Row, error) {
	switch f.decide(fakeCall{Params: p}) {
	case faultForbidden:
		return nil, &APIError{Status: http.StatusForbidden, Code: "Forbidden", Message: "not allowed"}
	case faultCanceled:
		return nil, canceledWarning()
	}
	sel := f.selection(p.Start, p.End)
	size := p.ResultSize
	if size == 0 {
		size = 100
	}
	if f.nonSessionCap > 0 {
		size = min(size, f.nonSessionCap)
	}
	out := make([]Row, 0, min(size, len(sel)))
	for i := len(sel) - 1; i >= 0 && len(out) < size; i-- {
		r := sel[i]
		r.ResultIndex, r.ResultCount = len(out)+1, f.resultCount(len(sel), size)
		out = append(out, r)
	}
	if f.refuseNextLink && f.restPage > 0 && len(out) > f.restPage {
		f.refused++
		return nil, &ContinuationRefusedError{Rows: out[:f.restPage], PageRows: f.restPage, Err: errors.New("Expired or Invalid pagination request")}
	}
	return out, nil
}

// canceledWarning is the error SearchPage makes of a 200 with the L3 warning.
func canceledWarning() error {
	return &WarningError{Warnings: []string{"WARNING: Failed to process request via Sync Search mode. A task was canceled."}}
}

func (f *fakeService) resultCount(n, size int) int {
	if f.echoCount {
		return size
	}
	return n
}

// session returns (creating it on the first call) the session's row list: the window's
// records in a shuffled order, with duplicates if configured, capped at 50,000.
func (f *fakeService) session(p SearchParams) *fakeSession {
	if s, ok := f.sessions[p.SessionID]; ok {
		return s
	}
	f.sessionsRun++
	sel := f.selection(p.Start, p.End)
	rows := make([]Row, 0, len(sel))
	for i, r := range sel {
		rows = append(rows, r)
		if f.sessDups > 0 && i%f.sessDups == f.sessDups-1 {
			rows = append(rows, sel[i/2])
		}
	}
	rng := rand.New(rand.NewPCG(uint64(len(sel)), uint64(f.sessionsRun)))
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	s := &fakeSession{count: len(rows), num: f.sessionsRun}
	rowCap := f.rowCap
	if rowCap == 0 {
		rowCap = sessionRowCap
	}
	s.rows = rows[:min(len(rows), rowCap)]
	for i := range s.rows {
		s.rows[i].ResultIndex, s.rows[i].ResultCount = i+1, f.resultCount(s.count, p.ResultSize)
	}
	f.sessions[p.SessionID] = s
	return s
}

func (f *fakeService) sessionPage(c *fakeCall) ([]Row, error) {
	p := c.Params
	s := f.session(p)
	c.Page, c.Session = s.page, s.num
	fault := f.decide(*c)
	s.page++
	if f.restartAtEnd && s.pos == len(s.rows) && s.pos > 0 {
		s.pos = 0
		f.restarts++
	}
	switch fault {
	case faultForbidden:
		return nil, &APIError{Status: http.StatusForbidden, Code: "Forbidden", Message: "not allowed"}
	case faultCanceled:
		return nil, &sessionLostError{err: canceledWarning()}
	case faultEmpty:
		return []Row{}, nil
	case faultLost:
		s.next(p.ResultSize)
		return nil, fmt.Errorf("read: connection reset by peer")
	case faultSkip:
		s.next(p.ResultSize)
	}
	prev := s.last
	page := s.next(p.ResultSize)
	if f.refuseNextLink && f.restPage > 0 && len(page) > f.restPage {
		f.refused++
		return nil, &sessionLostError{err: &ContinuationRefusedError{Rows: page[:f.restPage], PageRows: f.restPage, Err: errors.New("Expired or Invalid pagination request")}}
	}
	switch fault {
	case faultBogus:
		for i := range page {
			page[i].ResultIndex = -1
		}
	case faultDuplicate:
		page = append(page, prev[:min(3, len(prev))]...)
	}
	return page, nil
}

// next consumes and returns the next page.
func (s *fakeSession) next(size int) []Row {
	end := min(s.pos+size, len(s.rows))
	page := slices.Clone(s.rows[s.pos:end])
	s.pos = end
	s.last = page
	return page
}

func (f *fakeService) decide(c fakeCall) fakeFault {
	if f.fault == nil {
		return faultNone
	}
	return f.fault(c)
}

func (f *fakeService) stats() (calls, sessions, maxInflight int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.sessionsRun, f.maxInflight
}

// randomFaults injects kind into a share rate of the session calls, at most limit times
// per window and never twice at the same page of the same window, so that a correct
// client always gets a clean session within its bounded attempts. The decider runs
// under the fake's lock.
func randomFaults(seed uint64, rate float64, limit int, kinds ...fakeFault) func(fakeCall) fakeFault {
	rng := rand.New(rand.NewPCG(seed, seed))
	perWindow := map[Window]int{}
	atPage := map[string]bool{}
	return func(c fakeCall) fakeFault {
		if !c.Params.LargeSet || rng.Float64() >= rate {
			return faultNone
		}
		w := Window{Start: c.Params.Start, End: c.Params.End}
		key := fmt.Sprint(w, c.Page)
		if perWindow[w] >= limit || atPage[key] {
			return faultNone
		}
		perWindow[w]++
		atPage[key] = true
		return kinds[rng.IntN(len(kinds))]
	}
}

// errGate is returned by gates that give up waiting.
var errGate = errors.New("gate timed out")
