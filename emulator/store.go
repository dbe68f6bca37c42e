package emulator

import (
	"bufio"
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const timeLayout = "2006-01-02T15:04:05"

// meta is the compact, filterable part of one record (40 bytes); a generated record's text is
// rendered from it and the seed on demand, which is how 1,000,000 records fit in memory.
type meta struct {
	t     int64  // CreationTime, Unix seconds
	delay int32  // ingestion delay, seconds
	kind  uint16 // index into store.kinds
	src   uint32 // generator stream or data set line
	user  uint32 // index into store.users
	ip    uint32 // ClientIP, index into store.ips (0 = none)
	ip2   uint32 // ActorIpAddress / ClientIPAddress
	obj   uint32 // ObjectId, index into store.objects (0 = none)
}

// kindInfo is what filters need of a record's kind.
type kindInfo struct {
	recordType int
	op         string
	workload   string
	typeName   string // a loaded record's RecordType name the table lacks (recordType -1)
}

// store holds every record, sorted by CreationTime, and the interned strings they point at.
type store struct {
	recs     []meta
	kinds    []kindInfo
	users    []string
	ips      []string
	objects  []string
	objCat   map[int][2]int
	gen      *generator
	seed     uint64
	arena    []byte   // data set text
	offs     []uint32 // data set line i is arena[offs[i]:offs[i+1]]
	ids      []string // data set Ids
	quoted   []byte   // with Options.Prerender: the AuditData strings, quoted as rows carry them…
	qoffs    []uint32 // …record src's is quoted[qoffs[src]:qoffs[src+1]]
	released []atomic.Uint64

	idOnce  sync.Once
	idIndex map[string]int32
}

func buildStore(o Options, t tenant, now time.Time) (*store, error) {
	st := &store{seed: uint64(o.Seed)}
	var err error
	if o.Dataset != "" || o.DatasetRecords != nil {
		err = st.loadDataset(o)
	} else {
		err = st.generate(o, t, now)
	}
	if err != nil {
		return nil, err
	}
	st.assignDelays(o)
	slices.SortStableFunc(st.recs, func(a, b meta) int { return cmp.Compare(a.t, b.t) })
	st.released = make([]atomic.Uint64, (len(st.recs)+63)/64)
	if o.Prerender {
		st.prerender()
	}
	return st, nil
}

// prerender keeps every record's AuditData as the quoted JSON string of a row.
func (st *store) prerender() {
	bySrc := make([]int32, 0, len(st.recs))
	for i := range st.recs {
		src := int(st.recs[i].src)
		for len(bySrc) <= src {
			bySrc = append(bySrc, -1)
		}
		bySrc[src] = int32(i)
	}
	st.qoffs = make([]uint32, len(bySrc)+1)
	for src, i := range bySrc {
		if i >= 0 {
			st.quoted = appendJSON(st.quoted, st.text(&st.recs[i]))
		}
		if len(st.quoted) > math.MaxUint32 {
			st.quoted, st.qoffs = nil, nil // beyond the offsets' reach (some 3 million records): render per call
			return
		}
		st.qoffs[src+1] = uint32(len(st.quoted))
	}
}

// quotedText is the record's AuditData as a row's quoted string when prerendered, else nil.
func (st *store) quotedText(m *meta) []byte {
	if st.qoffs == nil {
		return nil
	}
	return st.quoted[st.qoffs[m.src]:st.qoffs[m.src+1]]
}

// hourWeight models business hours (UTC) and quieter weekends.
func hourWeight(t time.Time) float64 {
	w := []float64{2, 1.5, 1, 1, 1, 1.5, 3, 5, 8, 9, 9, 8, 7, 8, 9, 9, 8, 6, 4, 3, 3, 2.5, 2.5, 2}[t.Hour()]
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		w *= 0.3
	}
	return w / 9
}

func (st *store) generate(o Options, t tenant, now time.Time) error {
	if o.Records < 0 {
		return fmt.Errorf("emulator: Records must not be negative")
	}
	st.gen = newGenerator(o.Seed, t, st)
	total := o.Records
	for _, h := range o.Hotspots {
		total += h.Count
	}
	if total > math.MaxUint32/2 {
		return fmt.Errorf("emulator: too many records (%d)", total)
	}
	st.recs = make([]meta, 0, total)
	r := rand.New(rand.NewPCG(st.seed, 0x713e))
	end := now.Unix()
	span := int64(o.Days) * 86400
	for len(st.recs) < o.Records {
		ts := end - span + r.Int64N(span)
		if r.Float64() > hourWeight(time.Unix(ts, 0).UTC()) {
			continue
		}
		st.addGenerated(ts, -1)
	}
	for _, h := range o.Hotspots {
		forced := -1
		if h.Operation != "" {
			k, ok := st.gen.opKind[strings.ToLower(h.Operation)]
			if !ok {
				return fmt.Errorf("emulator: hotspot operation %q is not one the generator knows", h.Operation)
			}
			forced = k
		}
		secs := int64(h.Duration / time.Second)
		if secs < 1 {
			secs = 1
		}
		for i := range h.Count {
			st.addGenerated(h.Start.Unix()+int64(i)*secs/int64(h.Count), forced)
		}
	}
	return nil
}

func (st *store) addGenerated(ts int64, forcedKind int) {
	m := meta{t: ts, src: uint32(len(st.recs))}
	st.gen.plan(st, &m, forcedKind)
	st.recs = append(st.recs, m)
}

func (st *store) assignDelays(o Options) {
	if o.IngestionDelay <= 0 && o.Stragglers <= 0 {
		return
	}
	for i := range st.recs {
		m := &st.recs[i]
		r := rand.New(rand.NewPCG(st.seed^0xde1a, uint64(m.src)))
		d := float64(o.IngestionDelay) * (0.5 + r.Float64())
		if r.Float64() < o.Stragglers {
			d += float64(o.StragglerDelay) * (0.25 + 0.75*r.Float64())
		}
		m.delay = int32(min(d/float64(time.Second), math.MaxInt32))
	}
}

// datasetFields are the fields a loaded record is indexed by.
type datasetFields struct {
	CreationTime    string          `json:"CreationTime"`
	ID              string          `json:"Id"`
	RecordType      json.RawMessage `json:"RecordType"`
	Operation       string          `json:"Operation"`
	Workload        string          `json:"Workload"`
	UserID          string          `json:"UserId"`
	ClientIP        string          `json:"ClientIP"`
	ClientIPAddress string          `json:"ClientIPAddress"`
	ActorIPAddress  string          `json:"ActorIpAddress"`
	ObjectID        string          `json:"ObjectId"`
}

func (st *store) loadDataset(o Options) error {
	lines := o.DatasetRecords
	if o.Dataset != "" {
		f, err := os.Open(o.Dataset)
		if err != nil {
			return fmt.Errorf("emulator: data set: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
				lines = append(lines, json.RawMessage(bytes.Clone(l)))
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("emulator: data set %s: %w", o.Dataset, err)
		}
	}
	in := newInterner(st)
	st.offs = append(st.offs, 0)
	for i, l := range lines {
		var f datasetFields
		if err := json.Unmarshal(l, &f); err != nil {
			return fmt.Errorf("emulator: data set record %d: %w", i+1, err)
		}
		ts, err := parseCreationTime(f.CreationTime)
		if err != nil {
			return fmt.Errorf("emulator: data set record %d: CreationTime: %w", i+1, err)
		}
		if f.ID == "" {
			return fmt.Errorf("emulator: data set record %d has no Id", i+1)
		}
		rt, typeName, err := parseRecordTypeValue(f.RecordType)
		if err != nil {
			return fmt.Errorf("emulator: data set record %d: %w", i+1, err)
		}
		actor := cmp.Or(f.ActorIPAddress, f.ClientIPAddress, f.ClientIP)
		st.recs = append(st.recs, meta{
			t: ts.Unix(), src: uint32(i), kind: in.kind(kindInfo{rt, f.Operation, f.Workload, typeName}),
			user: in.str(&st.users, f.UserID), ip: in.str(&st.ips, cmp.Or(f.ClientIP, actor)),
			ip2: in.str(&st.ips, actor), obj: in.str(&st.objects, f.ObjectID),
		})
		st.arena = append(st.arena, l...)
		st.offs = append(st.offs, uint32(len(st.arena)))
		st.ids = append(st.ids, f.ID)
	}
	return nil
}

// interner deduplicates the strings of loaded records.
type interner struct {
	st    *store
	maps  map[*[]string]map[string]uint32
	kinds map[kindInfo]uint16
}

func newInterner(st *store) *interner {
	in := &interner{st: st, maps: map[*[]string]map[string]uint32{}, kinds: map[kindInfo]uint16{}}
	for _, tbl := range []*[]string{&st.users, &st.ips, &st.objects} {
		*tbl = append(*tbl, "")
		in.maps[tbl] = map[string]uint32{"": 0}
	}
	return in
}

func (in *interner) str(tbl *[]string, s string) uint32 {
	m := in.maps[tbl]
	if i, ok := m[s]; ok {
		return i
	}
	i := uint32(len(*tbl))
	*tbl = append(*tbl, s)
	m[s] = i
	return i
}

func (in *interner) kind(k kindInfo) uint16 {
	if i, ok := in.kinds[k]; ok {
		return i
	}
	i := uint16(len(in.st.kinds))
	in.st.kinds = append(in.st.kinds, k)
	in.kinds[k] = i
	return i
}

func parseCreationTime(s string) (time.Time, error) {
	for _, layout := range []string{timeLayout, "2006-01-02T15:04:05.9999999", time.RFC3339Nano, "2006-01-02T15:04:05.9999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}

// parseRecordTypeValue reads a loaded record's RecordType: a number, or a name. A name the
// table lacks is kept as given (Microsoft adds types often) with number -1.
func parseRecordTypeValue(raw json.RawMessage) (int, string, error) {
	if len(raw) == 0 {
		return 0, "", nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, "", fmt.Errorf("RecordType %s is neither a number nor a name", raw)
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, "", nil
	}
	if n, ok := recordTypeByName(s); ok {
		return n, "", nil
	}
	return -1, s, nil
}

// text is the record's AuditData JSON.
func (st *store) text(m *meta) []byte {
	if st.gen != nil {
		return st.gen.render(st, m, st.id(m))
	}
	return st.arena[st.offs[m.src]:st.offs[m.src+1]]
}

// id is the record's Id.
func (st *store) id(m *meta) string {
	if st.gen != nil {
		return seededUUID(st.seed, 0x1d, uint64(m.src))
	}
	return st.ids[m.src]
}

// visible reports whether the record at position i has been ingested by now.
func (st *store) visible(i int, now int64) bool {
	m := &st.recs[i]
	return m.t+int64(m.delay) <= now || st.released[i/64].Load()&(1<<(uint(i)%64)) != 0
}

func (st *store) release(i int) { st.released[i/64].Or(1 << (uint(i) % 64)) }

// positionOf finds a record's position by Id (the index is built on first use).
func (st *store) positionOf(id string) (int, bool) {
	st.idOnce.Do(func() {
		st.idIndex = make(map[string]int32, len(st.recs))
		for i := range st.recs {
			st.idIndex[strings.ToLower(st.id(&st.recs[i]))] = int32(i)
		}
	})
	i, ok := st.idIndex[strings.ToLower(id)]
	return int(i), ok
}

// span returns the positions [lo, hi) of records with start <= t < end (or <= end).
func (st *store) span(start, end time.Time, endInclusive bool) (int, int) {
	s := start.Unix()
	if start.Nanosecond() > 0 {
		s++ // CreationTime has whole seconds
	}
	e := end.Unix()
	if endInclusive || end.Nanosecond() > 0 {
		e++
	}
	lo, _ := slices.BinarySearchFunc(st.recs, s, func(m meta, t int64) int { return cmp.Compare(m.t, t) })
	hi, _ := slices.BinarySearchFunc(st.recs, e, func(m meta, t int64) int { return cmp.Compare(m.t, t) })
	return lo, max(lo, hi)
}
