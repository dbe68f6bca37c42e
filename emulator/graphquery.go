package emulator

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// Graph defaults (DESIGN §6).
const (
	DefaultGraphDelay          = 2 * time.Second
	DefaultGraphRecordLimit    = 1000000
	DefaultGraphCreateInterval = time.Second
	// graphMaxTop is the largest records page; a larger $top is served as this.
	graphMaxTop = 1000
)

// Graph audit query statuses.
const (
	GraphNotStarted = "notStarted"
	GraphRunning    = "running"
	GraphSucceeded  = "succeeded"
	GraphFailed     = "failed"
)

// GraphFilter is a Graph audit log query's filters, as its create body names them; empty
// fields do not filter. GraphGroundTruth takes it.
type GraphFilter struct {
	Start, End         time.Time // zero: unbounded
	RecordTypes        []string  // Graph names (column 3 of the record type table), any case
	Keyword            string
	Services           []string // Workload names
	Operations         []string
	UserPrincipalNames []string
	IPAddresses        []string
	ObjectIDs          []string
	// AdministrativeUnitIDs: no record belongs to an administrative unit, so any value
	// matches nothing.
	AdministrativeUnitIDs []string
}

// query is the Search-UnifiedAuditLog query the filter shares with Exchange: both backends
// match with the same code, so they agree record for record.
func (f GraphFilter) query(now time.Time) Query {
	q := Query{Start: f.Start, End: f.End, FreeText: f.Keyword, Operations: f.Operations,
		UserIDs: f.UserPrincipalNames, IPAddresses: f.IPAddresses, ObjectIDs: f.ObjectIDs}
	if q.Start.IsZero() {
		q.Start = time.Unix(0, 0).UTC()
	}
	if q.End.IsZero() {
		q.End = now.Add(24 * time.Hour)
	}
	return q
}

// graphMatches lists the positions of visible records matching f, oldest first; false when a
// record type is not a Graph name.
func (e *Emulator) graphMatches(f GraphFilter) ([]int32, bool) {
	types := map[int]bool{}
	for _, name := range f.RecordTypes {
		n, ok := graphRecordTypeByName(name)
		if !ok {
			return nil, false
		}
		types[n] = true
	}
	if len(f.AdministrativeUnitIDs) > 0 {
		return nil, true
	}
	pos, ok := e.matches(f.query(e.Now()))
	if !ok {
		return nil, false
	}
	out := pos[:0]
	for _, p := range pos {
		k := &e.store.kinds[e.store.recs[p].kind]
		if len(types) > 0 && !types[k.recordType] {
			continue
		}
		if len(f.Services) > 0 && !anyFold(f.Services, k.workload) {
			continue
		}
		out = append(out, p)
	}
	return out, true
}

// GraphGroundTruth lists the Ids of visible records a Graph query with filter f matches,
// newest first by CreationTime, ties by Id ascending (GroundTruth's order), before any record
// limit. A record type that is not a Graph name matches nothing.
func (e *Emulator) GraphGroundTruth(f GraphFilter) []string {
	pos, ok := e.graphMatches(f)
	if !ok {
		return nil
	}
	return e.idsNewestFirst(pos)
}

// graphQuery is one audit log query. Its status moves with the wall clock (clients poll with
// it); which records it holds is fixed when it settles, with the emulator clock's visibility.
type graphQuery struct {
	id          string
	displayName string
	filter      GraphFilter
	raw         map[string]any // the create body's filters, echoed back
	created     time.Time
	fail        bool // graph-fail drawn at create

	settleOnce sync.Once
	pos        []int32 // served records, in serving (shuffled) order
	total      int     // records matched before the limit
	exceeded   bool
}

// graphState holds the Graph side's queries.
type graphState struct {
	mu         sync.Mutex
	queries    map[string]*graphQuery
	lastCreate time.Time
	seq        uint64
}

// status is the query's status now.
func (e *Emulator) graphStatus(q *graphQuery) string {
	elapsed := time.Since(q.created)
	switch {
	case elapsed >= e.opts.GraphDelay && q.fail:
		return GraphFailed
	case elapsed >= e.opts.GraphDelay:
		e.settle(q)
		return GraphSucceeded
	case elapsed >= e.opts.GraphDelay/4:
		return GraphRunning
	}
	return GraphNotStarted
}

// settle fixes the query's records once: shuffled (Graph's order is not time order) and cut
// at the record limit.
func (e *Emulator) settle(q *graphQuery) {
	q.settleOnce.Do(func() {
		pos, _ := e.graphMatches(q.filter)
		r := rand.New(rand.NewPCG(uint64(e.opts.Seed), hashString(q.id)))
		r.Shuffle(len(pos), func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
		q.total = len(pos)
		if len(pos) > e.opts.GraphRecordLimit {
			pos, q.exceeded = slices.Clip(pos[:e.opts.GraphRecordLimit]), true
			e.countStat(&e.stats.GraphTruncated)
		}
		q.pos = pos
	})
}

// GraphQueryRecords lists the Ids of the records a settled Graph query serves, in serving
// order (false when the query is unknown or not yet succeeded).
func (e *Emulator) GraphQueryRecords(id string) ([]string, bool) {
	q := e.graphQuery(id)
	if q == nil || e.graphStatus(q) != GraphSucceeded {
		return nil, false
	}
	out := make([]string, len(q.pos))
	for i, p := range q.pos {
		out[i] = e.store.id(&e.store.recs[p])
	}
	return out, true
}

// GraphQueryIDs lists the Graph queries not deleted, oldest first.
func (e *Emulator) GraphQueryIDs() []string {
	g := e.graph
	g.mu.Lock()
	defer g.mu.Unlock()
	qs := make([]*graphQuery, 0, len(g.queries))
	for _, q := range g.queries {
		qs = append(qs, q)
	}
	slices.SortFunc(qs, func(a, b *graphQuery) int { return a.created.Compare(b.created) })
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.id
	}
	return out
}

func (e *Emulator) graphQuery(id string) *graphQuery {
	g := e.graph
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.queries[strings.ToLower(id)]
}

// admitCreate applies the create rate limit: it returns how long the caller must wait, or 0
// and records the create.
func (e *Emulator) admitCreate() time.Duration {
	g := e.graph
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	if iv := e.opts.GraphCreateInterval; iv > 0 && !g.lastCreate.IsZero() {
		if wait := g.lastCreate.Add(iv).Sub(now); wait > 0 {
			return wait
		}
	}
	g.lastCreate = now
	return 0
}

func (e *Emulator) addGraphQuery(q *graphQuery) {
	g := e.graph
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seq++
	q.id = seededUUID(uint64(e.opts.Seed), 0x96a9, g.seq)
	g.queries[q.id] = q
}

func (e *Emulator) deleteGraphQuery(id string) bool {
	g := e.graph
	g.mu.Lock()
	defer g.mu.Unlock()
	id = strings.ToLower(id)
	if _, ok := g.queries[id]; !ok {
		return false
	}
	delete(g.queries, id)
	return true
}
