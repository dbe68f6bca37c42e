package emulator

import (
	"bytes"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Query is a Search-UnifiedAuditLog query, as GroundTruth takes it. Empty fields do not filter.
type Query struct {
	Start, End  time.Time
	FreeText    string
	RecordType  string // name or number
	IPAddresses []string
	Operations  []string
	UserIDs     []string
	ObjectIDs   []string
}

// filter is a Query compiled against a store's interned tables.
type filter struct {
	st         *store
	recordType int // -1 = any
	ops        []string
	users      []string
	ips        []string
	objects    []string
	freeText   []byte
	foldText   bool
}

func compileFilter(st *store, q Query) (*filter, bool) {
	f := &filter{st: st, recordType: -1}
	if q.RecordType != "" {
		n, ok := parseRecordTypeParam(q.RecordType)
		if !ok {
			return nil, false
		}
		f.recordType = n
	}
	lower := func(xs []string) []string {
		out := make([]string, 0, len(xs))
		for _, x := range xs {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, strings.ToLower(x))
			}
		}
		return out
	}
	f.ops, f.users, f.ips, f.objects = lower(q.Operations), lower(q.UserIDs), lower(q.IPAddresses), lower(q.ObjectIDs)
	if q.FreeText != "" {
		f.freeText = []byte(strings.ToLower(q.FreeText))
		f.foldText = true
		for _, c := range f.freeText {
			if c >= utf8.RuneSelf {
				f.foldText = false // non-ASCII: lower the whole text instead
			}
		}
	}
	return f, true
}

func anyFold(set []string, v string) bool {
	for _, s := range set {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// match reports whether the record at position i passes every filter.
func (f *filter) match(i int) bool {
	m := &f.st.recs[i]
	k := &f.st.kinds[m.kind]
	if f.recordType >= 0 && k.recordType != f.recordType {
		return false
	}
	if len(f.ops) > 0 && !anyFold(f.ops, k.op) {
		return false
	}
	if len(f.users) > 0 && !anyFold(f.users, f.st.users[m.user]) {
		return false
	}
	if len(f.ips) > 0 && !anyFold(f.ips, f.st.ips[m.ip]) && !anyFold(f.ips, stripPort(f.st.ips[m.ip2])) {
		return false
	}
	if len(f.objects) > 0 && !anyFold(f.objects, f.st.objects[m.obj]) {
		return false
	}
	if f.freeText != nil {
		text := f.st.text(m)
		if f.foldText {
			return containsFoldASCII(text, f.freeText)
		}
		return bytes.Contains(bytes.ToLower(text), f.freeText)
	}
	return true
}

// stripPort turns Exchange's "1.2.3.4:5678" or "[::1]:5678" ClientIPAddress into the address.
func stripPort(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i > 0 {
			return s[1:i]
		}
	}
	if strings.Count(s, ":") == 1 {
		return s[:strings.Index(s, ":")]
	}
	return s
}

// containsFoldASCII is a case-insensitive bytes.Contains for a lower-case ASCII needle.
func containsFoldASCII(hay, needle []byte) bool {
	n := len(needle)
	if n == 0 {
		return true
	}
	first := needle[0]
	for i := 0; i+n <= len(hay); i++ {
		if lowerASCII(hay[i]) != first {
			continue
		}
		j := 1
		for j < n && lowerASCII(hay[i+j]) == needle[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 32
	}
	return c
}

// matches lists the positions of visible records matching q, oldest first.
func (e *Emulator) matches(q Query) ([]int32, bool) {
	f, ok := compileFilter(e.store, q)
	if !ok {
		return nil, false
	}
	lo, hi := e.store.span(q.Start, q.End, e.opts.EndDateInclusive)
	now := e.Now().Unix()
	var out []int32
	for i := lo; i < hi; i++ {
		if e.store.visible(i, now) && f.match(i) {
			out = append(out, int32(i))
		}
	}
	return out, true
}

// GroundTruth lists the Ids of visible records matching q, newest first by CreationTime, ties
// by Id ascending. An unknown RecordType matches nothing.
func (e *Emulator) GroundTruth(q Query) []string {
	pos, ok := e.matches(q)
	if !ok {
		return nil
	}
	return e.idsNewestFirst(pos)
}

// idsNewestFirst lists the Ids of the records at pos, newest first by CreationTime, ties by
// Id ascending.
func (e *Emulator) idsNewestFirst(pos []int32) []string {
	type rec struct {
		t  int64
		id string
	}
	rs := make([]rec, len(pos))
	for i, p := range pos {
		m := &e.store.recs[p]
		rs[i] = rec{m.t, e.store.id(m)}
	}
	slices.SortFunc(rs, func(a, b rec) int {
		if a.t != b.t {
			return int(b.t - a.t)
		}
		return strings.Compare(a.id, b.id)
	})
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.id
	}
	return out
}

// Record returns the AuditData text of the record with this Id, visible or not.
func (e *Emulator) Record(id string) ([]byte, bool) {
	i, ok := e.store.positionOf(id)
	if !ok {
		return nil, false
	}
	return e.store.text(&e.store.recs[i]), true
}

// Release makes the records with these Ids visible at once, whatever their ingestion delay;
// it returns how many Ids it found.
func (e *Emulator) Release(ids ...string) int {
	n := 0
	for _, id := range ids {
		if i, ok := e.store.positionOf(id); ok {
			e.store.release(i)
			n++
		}
	}
	return n
}

// ReleaseAll makes every record visible, late ones included.
func (e *Emulator) ReleaseAll() {
	for i := range e.store.recs {
		e.store.release(i)
	}
}

// Pending lists the Ids of records created before now that are not yet visible (stragglers).
func (e *Emulator) Pending() []string {
	now := e.Now().Unix()
	var out []string
	for i := range e.store.recs {
		if e.store.recs[i].t <= now && !e.store.visible(i, now) {
			out = append(out, e.store.id(&e.store.recs[i]))
		}
	}
	return out
}

// Len is the number of records held (visible or not).
func (e *Emulator) Len() int { return len(e.store.recs) }

// TimeRange is the CreationTime of the oldest and newest records held.
func (e *Emulator) TimeRange() (time.Time, time.Time) {
	if len(e.store.recs) == 0 {
		return time.Time{}, time.Time{}
	}
	return time.Unix(e.store.recs[0].t, 0).UTC(), time.Unix(e.store.recs[len(e.store.recs)-1].t, 0).UTC()
}
