package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// session is a Search-UnifiedAuditLog session: its rows in serving order and how far it got.
type session struct {
	mu      sync.Mutex // guards cursor and variant; taken before e.mu, never after
	order   []int32
	cursor  int
	mode    string
	last    atomic.Int64 // Unix nanoseconds of the latest call, read by eviction without mu
	variant int
}

// pendingPage is the unserved rest of a page split by @odata.nextLink.
type pendingPage struct {
	org     string
	params  string
	page    *pageSpec
	offset  int
	created time.Time
}

const (
	maxSessions  = 5000
	sessionIdle  = 30 * time.Minute
	nextLinkLife = 15 * time.Minute
	maxNextLinks = 4096
)

func (e *Emulator) page(r *http.Request, params map[string]json.RawMessage, fault string) (*pageOut, *httpErr) {
	org := r.PathValue("org")
	if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
		return e.continuation(org, tok, params)
	}
	sr, err := parseSearchParams(params, e.live())
	if err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			return nil, pe.refusal()
		}
		return nil, &httpErr{status: http.StatusBadRequest, code: "BadRequest", msg: err.Error(), exType: exParameter, shape: shapeDetails}
	}
	if e.opts.Retention > 0 {
		if earliest := e.Now().Add(-e.opts.Retention); sr.q.Start.Before(earliest) {
			return nil, e.retentionRefusal(sr.q.Start, earliest)
		}
	}
	return e.split(org, params, e.selectRows(sr, fault), 0), nil
}

func retentionText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// selectRows serves one page of a query: the newest ResultSize rows without a session, or the
// session's next page.
func (e *Emulator) selectRows(sr *searchRequest, fault string) *pageSpec {
	if sr.sessionID == "" {
		return e.selectNewest(sr, fault)
	}
	s := e.session(sr)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last.Store(time.Now().UnixNano())
	if e.live() && s.mode == "ReturnLargeSet" && len(s.order) > 0 && s.cursor >= len(s.order) {
		// L9: a large-set session asked past its end starts over instead of answering an
		// empty page; the end and the restart never share a page.
		s.cursor = 0
		e.countStat(&e.stats.SessionRestarts)
	}
	if fault == FaultDuplicate && s.cursor > 0 {
		e.countFault(fault)
		s.cursor -= max(1, min(s.cursor, sr.resultSize/5))
	}
	from := s.cursor
	to := min(len(s.order), from+sr.resultSize)
	s.cursor = to
	count := e.resultCount(len(s.order), sr)
	if fault == FaultBogusPage {
		e.countFault(fault)
		s.variant++
		if s.variant%2 == 0 && from < len(s.order) {
			return e.newPage(nil, from+1, count, false) // an empty page mid-session: these rows are lost
		}
		return e.newPage(s.order[from:to], from+1, count, true)
	}
	return e.newPage(s.order[from:to], from+1, count, false)
}

// selectNewest serves a call without a session: the newest ResultSize matches, newest first.
// The live service cuts them to NonSessionCap and echoes ResultSize as ResultCount (L1).
func (e *Emulator) selectNewest(sr *searchRequest, fault string) *pageSpec {
	pos, _ := e.matches(sr.q)
	total := min(len(pos), largeSetCap)
	n, count := sr.resultSize, e.resultCount(total, sr)
	if e.live() {
		count = sr.resultSize
		if c := e.opts.NonSessionCap; c > 0 && n > c {
			n = c
			if len(pos) > c {
				e.countStat(&e.stats.NonSessionCapped)
			}
		}
	}
	pos = e.newestFirst(pos, n)
	bogus := fault == FaultBogusPage
	if bogus {
		e.countFault(fault)
	}
	return e.newPage(pos, 1, count, bogus)
}

func (e *Emulator) resultCount(total int, sr *searchRequest) int {
	if e.opts.EchoResultSize {
		return sr.resultSize
	}
	return total
}

// session finds or starts the session named by the request. A known SessionId continues
// whatever query started it, as the service does: parameters of later calls are ignored.
func (e *Emulator) session(sr *searchRequest) *session {
	key := strings.ToLower(sr.sessionID)
	e.mu.Lock()
	s := e.sessions[key]
	e.mu.Unlock()
	if s != nil {
		return s
	}
	pos, _ := e.matches(sr.q)
	s = &session{mode: sr.sessionCommand}
	s.last.Store(time.Now().UnixNano())
	if sr.sessionCommand == "ReturnLargeSet" {
		r := rand.New(rand.NewPCG(uint64(e.opts.Seed), hashString(key)))
		r.Shuffle(len(pos), func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
		// A copy: the matches of a wide window can be far more than the 50,000 kept.
		s.order = slices.Clone(pos[:min(len(pos), largeSetCap)])
	} else {
		s.order = e.newestFirst(pos, previewCap)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if prev := e.sessions[key]; prev != nil {
		return prev
	}
	e.evictSessions()
	e.sessions[key] = s
	e.stats.Sessions++
	return s
}

func (e *Emulator) evictSessions() {
	if len(e.sessions) < maxSessions {
		return
	}
	now := time.Now()
	var oldestKey string
	var oldest time.Time
	for k, s := range e.sessions {
		last := time.Unix(0, s.last.Load())
		if now.Sub(last) > sessionIdle {
			delete(e.sessions, k)
		} else if oldestKey == "" || last.Before(oldest) {
			oldestKey, oldest = k, last
		}
	}
	if len(e.sessions) >= maxSessions {
		delete(e.sessions, oldestKey)
	}
}

// split renders a page from offset on, cutting it above PageSize and keeping the rest for
// the @odata.nextLink.
func (e *Emulator) split(org string, params map[string]json.RawMessage, page *pageSpec, offset int) *pageOut {
	p := &pageOut{live: e.live(), context: e.metadataContext(org)}
	end := len(page.pos)
	if e.opts.PageSize > 0 && end-offset > e.opts.PageSize {
		end = offset + e.opts.PageSize
		tok := uuid.NewString()
		pp := &pendingPage{org: strings.ToLower(org), params: canonicalParams(params), page: page, offset: end, created: time.Now()}
		if e.opts.Continuations == ContinuationsRefused {
			pp = nil // the link is refused whenever it is followed: nothing to keep
		}
		e.addNextLink(tok, pp)
		p.nextLink = e.URL() + "/adminapi/beta/" + org + "/InvokeCommand?$skiptoken=" + tok
		if offset == 0 && p.live {
			p.warnings = []string{moreResultsWarning}
		}
	}
	p.rows = e.render(page, offset, end)
	return p
}

func (e *Emulator) addNextLink(tok string, pp *pendingPage) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stats.NextLinks++
	if pp == nil {
		return
	}
	var oldestKey string
	var oldest time.Time
	for k, old := range e.nextLinks {
		if time.Since(old.created) > nextLinkLife {
			delete(e.nextLinks, k)
		} else if oldestKey == "" || old.created.Before(oldest) {
			oldestKey, oldest = k, old.created
		}
	}
	if len(e.nextLinks) >= maxNextLinks {
		delete(e.nextLinks, oldestKey)
	}
	e.nextLinks[tok] = pp
}

// continuation serves the next part of a split page; the body must repeat the first call's.
// A link can be fetched again until it expires, like an OData $skiptoken: a client retrying
// a continuation lost to a network error gets the same rows.
func (e *Emulator) continuation(org, tok string, params map[string]json.RawMessage) (*pageOut, *httpErr) {
	if e.opts.Continuations == ContinuationsRefused {
		// L4: refused at once; the session has already moved past the whole call.
		e.countStat(&e.stats.RefusedContinuations)
		return nil, &httpErr{status: http.StatusBadRequest, code: "BadRequest", msg: paginationRefused, exType: exPagination}
	}
	e.mu.Lock()
	pp := e.nextLinks[tok]
	e.mu.Unlock()
	if pp == nil {
		return nil, &httpErr{status: http.StatusBadRequest, code: "BadRequest", msg: "The $skiptoken is invalid or has expired.", exType: exPagination}
	}
	if pp.org != strings.ToLower(org) || pp.params != canonicalParams(params) {
		return nil, &httpErr{status: http.StatusBadRequest, code: "BadRequest", msg: "The request to an @odata.nextLink must repeat the body of the request that returned it.", exType: exPagination}
	}
	return e.split(org, params, pp.page, pp.offset), nil
}

func canonicalParams(p map[string]json.RawMessage) string {
	lower := make(map[string]json.RawMessage, len(p))
	for k, v := range p {
		lower[strings.ToLower(k)] = v
	}
	b, _ := json.Marshal(lower)
	return string(b)
}

// newestFirst returns the newest n of pos (oldest first on input), newest first by
// CreationTime, ties by Id ascending. Only the tail that can make the cut is sorted, so a
// window of a million records costs no more than its newest n.
func (e *Emulator) newestFirst(pos []int32, n int) []int32 {
	if len(pos) == 0 {
		return pos
	}
	lo := max(0, len(pos)-n)
	recs := e.store.recs
	for lo > 0 && recs[pos[lo-1]].t == recs[pos[lo]].t {
		lo--
	}
	tail := slices.Clone(pos[lo:])
	ids := make(map[int32]string, len(tail))
	for _, p := range tail {
		ids[p] = e.store.id(&recs[p])
	}
	slices.SortFunc(tail, func(a, b int32) int {
		if ta, tb := recs[a].t, recs[b].t; ta != tb {
			if ta > tb {
				return -1
			}
			return 1
		}
		return strings.Compare(ids[a], ids[b])
	})
	return tail[:min(len(tail), n)]
}
