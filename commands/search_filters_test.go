package commands

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/integration"
)

// typedWorld is a fake audit log whose records have a record type; like
// Search-UnifiedAuditLog it takes one RecordType per query and returns the newest
// ResultSize matching records. It streams too, handing every matching record over (twice,
// as windows sharing a boundary do) unsorted.
type typedWorld struct {
	records []typedRecord
	queries []auditsearch.Query
}

type typedRecord struct {
	typ string
	row auditsearch.Record
}

func (w *typedWorld) match(q auditsearch.Query) []auditsearch.Record {
	w.queries = append(w.queries, q)
	var rows []auditsearch.Record
	for _, r := range w.records {
		if q.RecordType == "" || r.typ == q.RecordType {
			rows = append(rows, r.row)
		}
	}
	return rows
}

func (w *typedWorld) Search(_ context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	rows := w.match(q)
	slices.SortFunc(rows, func(a, b auditsearch.Record) int {
		return cmp.Or(b.CreationTime.Compare(a.CreationTime), cmp.Compare(a.ID, b.ID))
	})
	rows = rows[:min(len(rows), q.ResultSize)]
	return &auditsearch.Result{Records: rows, Calls: 1, Backend: auditsearch.BackendExchange}, nil
}

func (w *typedWorld) SearchEach(_ context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	rows := w.match(q)
	if err := each(q.Window(), rows); err != nil {
		return nil, err
	}
	if err := each(q.Window(), rows[:min(1, len(rows))]); err != nil {
		return nil, err
	}
	return &auditsearch.Result{Calls: 1}, nil
}

func (w *typedWorld) Ping(context.Context) error { return nil }

// newTypedWorld holds n records of each type, interleaved in time, one second apart.
func newTypedWorld(n int, types ...string) *typedWorld {
	w := &typedWorld{}
	base := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n * len(types) {
		typ := types[i%len(types)]
		id := fmt.Sprintf("%s-%03d", typ, i)
		r := row(id, base.Add(time.Duration(i)*time.Second))
		w.records = append(w.records, typedRecord{typ: typ, row: r})
	}
	return w
}

// wantNewest is the exact answer: the newest size records of the given types.
func (w *typedWorld) wantNewest(size int, types ...string) []string {
	var rows []auditsearch.Record
	for _, r := range w.records {
		if slices.Contains(types, r.typ) {
			rows = append(rows, r.row)
		}
	}
	slices.SortFunc(rows, func(a, b auditsearch.Record) int { return b.CreationTime.Compare(a.CreationTime) })
	ids := make([]string, 0, size)
	for _, r := range rows[:min(size, len(rows))] {
		ids = append(ids, r.ID)
	}
	return ids
}

func runSearch(t *testing.T, c Client, args map[string]any) *fakeSession {
	t.Helper()
	reg, _ := exportHarness(t, c)
	s := &fakeSession{}
	req := &integration.Request{Command: Search, Params: validParams(), Args: args, InvestigationID: "77"}
	require.NoError(t, reg[Search].Run(context.Background(), req, s))
	return s
}

func contextIDs(t *testing.T, e integration.Entry) []string {
	t.Helper()
	raw, err := json.Marshal(e.EntryContext["O365AuditLog(val.Id && val.Id == obj.Id)"])
	require.NoError(t, err)
	var recs []struct{ Id string } //nolint:revive // the record's own key
	require.NoError(t, json.Unmarshal(raw, &recs))
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.Id
	}
	return ids
}

// TestRecordTypeListIsTheExactUnion: one query per type, merged by Id, newest first, the
// newest result_size of the union, in memory and as a file (issue 16 item 2).
func TestRecordTypeListIsTheExactUnion(t *testing.T) {
	types := []string{"ExchangeItem", "SharePointFileOperation", "AzureActiveDirectory"}
	cases := []struct {
		name   string
		arg    any
		asFile bool
		size   int
	}{
		{"comma list", "ExchangeItem, sharepointfileoperation", false, 7},
		{"JSON array text with a number", `["ExchangeItem","6","8"]`, false, 12},
		{"JSON array value, all", []any{"ExchangeItem", "SharePointFileOperation", "AzureActiveDirectory"}, false, 100},
		{"as a file", "ExchangeItem,SharePointFileOperation,AzureActiveDirectory", true, 11},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newTypedWorld(10, append(types, "MicrosoftTeams")...)
			args := map[string]any{"start_date": "2021-01-01", "end_date": "2021-01-02", "record_type": c.arg,
				"result_size": fmt.Sprint(c.size), "as_file": fmt.Sprint(c.asFile)}
			s := runSearch(t, w, args)
			asked, _ := recordTypesArg(c.arg)
			var sent []string
			for _, q := range w.queries {
				sent = append(sent, q.RecordType)
			}
			assert.Equal(t, asked, sent, "one query per type, in order")
			want := w.wantNewest(c.size, asked...)
			if !c.asFile {
				assert.Equal(t, want, contextIDs(t, s.entries[0]))
				return
			}
			require.Len(t, s.files, 1)
			var got []string
			for _, f := range s.files {
				for line := range strings.Lines(string(f)) {
					var rec struct{ Id string } //nolint:revive // the record's own key
					require.NoError(t, json.Unmarshal([]byte(line), &rec))
					got = append(got, rec.Id)
				}
			}
			assert.Equal(t, want, got)
		})
	}
}

// TestNewFiltersReachTheQuery: object_ids, high_completeness and a single record type
// reach the client's query as given (issue 16 items 1, 3, 4).
func TestNewFiltersReachTheQuery(t *testing.T) {
	h := newHarness()
	h.client.result = &auditsearch.Result{}
	_, err := h.run(t, Search, validParams(), map[string]any{
		"record_type": "12", "object_ids": `["https://contoso.sharepoint.com/sites/x/*", "id-2"]`, "high_completeness": "true",
	})
	require.NoError(t, err)
	require.Len(t, h.client.queries, 1)
	q := h.client.queries[0]
	assert.Equal(t, "Sway", q.RecordType)
	assert.Equal(t, []string{"https://contoso.sharepoint.com/sites/x/*", "id-2"}, q.ObjectIDs)
	assert.True(t, q.HighCompleteness)

	_, err = h.run(t, Search, validParams(), map[string]any{"high_completeness": "false"})
	require.NoError(t, err)
	assert.False(t, h.client.queries[1].HighCompleteness)
	assert.Empty(t, h.client.queries[1].ObjectIDs)
}

// TestColumnsShapeOnlyTheTable: columns picks the table's header; the context keeps every
// field (issue 16 item 5).
func TestColumnsShapeOnlyTheTable(t *testing.T) {
	h := newHarness()
	rec := auditsearch.Record{ID: "a", CreationTime: testNow.Add(-time.Hour),
		AuditData: json.RawMessage(`{"Id":"a","Operation":"UserLoggedIn","UserId":"u@contoso.com","ClientIP":"10.0.0.1"}`)}
	h.client.result = &auditsearch.Result{Records: []auditsearch.Record{rec}}
	s, err := h.run(t, Search, validParams(), map[string]any{"columns": "UserId, Operation, Nowhere"})
	require.NoError(t, err)
	require.NotEmpty(t, s.entries)
	lines := strings.Split(s.entries[0].HumanReadable, "\n")
	require.GreaterOrEqual(t, len(lines), 3)
	assert.Equal(t, "| UserId | Operation | Nowhere", lines[1])
	raw, err := json.Marshal(s.entries[0].EntryContext["O365AuditLog(val.Id && val.Id == obj.Id)"])
	require.NoError(t, err)
	assert.JSONEq(t, `[{"Id":"a","Operation":"UserLoggedIn","UserId":"u@contoso.com","ClientIP":"10.0.0.1"}]`, string(raw))
}

// TestEveryInvalidInputAtOnce: several bad arguments (and params) give one error naming
// each, with its value (issue 16 item 6).
func TestEveryInvalidInputAtOnce(t *testing.T) {
	cases := []struct {
		name    string
		command string
		params  map[string]any
		args    map[string]any
		want    []string
	}{
		{"two args", Search, validParams(), map[string]any{"record_type": "137", "result_size": "ten"},
			[]string{"2 arguments are invalid", `Invalid argument "record_type": "137"`, `Invalid argument "result_size": "ten"`}},
		{"dates, list and bool", Search, validParams(),
			map[string]any{"start_date": "soon", "ip_addresses": "1.2.3.999", "high_completeness": "maybe", "object_ids": map[string]any{}},
			[]string{`"start_date": "soon"`, `"ip_addresses"`, `"high_completeness": "maybe"`, `"object_ids"`}},
		{"a param and an arg", Search, withParam("max_concurrency", "99"), map[string]any{"as_file": "sometimes"},
			[]string{"parameters and arguments are invalid", `parameter "max_concurrency": "99"`, `argument "as_file": "sometimes"`}},
		{"two params", TestModule, func() map[string]any { p := withParam("timeout", "-1"); p["url"] = "http://x"; return p }(), nil,
			[]string{"2 parameters are invalid", `"url": "http://x"`, `"timeout": "-1"`}},
		{"fetch params", Fetch, func() map[string]any {
			p := withParam("max_fetch", "0")
			p["fetch_record_type"] = "137"
			p["fetch_object_ids"] = "[oops"
			return p
		}(), nil, []string{`"max_fetch": "0"`, `"fetch_record_type": "137"`, `"fetch_object_ids": "[oops"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness()
			_, err := h.run(t, c.command, c.params, c.args)
			require.Error(t, err)
			for _, want := range c.want {
				assert.Contains(t, err.Error(), want)
			}
			var ve *ValidationError
			assert.ErrorAs(t, err, &ve, "errors.As still finds a *ValidationError")
			assert.Zero(t, h.built, "no client before validation passes")
		})
	}
}

// TestFetchObjectIDs: fetch_object_ids reaches every fetch query (issue 16 item 3).
func TestFetchObjectIDs(t *testing.T) {
	p, err := ParseFetchParams(map[string]any{"fetch_object_ids": "a, b*"}, testNow)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b*"}, p.ObjectIDs)
	assert.Equal(t, []string{"a", "b*"}, p.Query(testNow.Add(-time.Hour), testNow, 10).ObjectIDs)
}

// TestMergeResults: the union of per-type results keeps each Id once, newest first (ties by
// Id), cut to size; incomplete windows once each; calls summed.
func TestMergeResults(t *testing.T) {
	at := func(s int) time.Time { return testNow.Add(time.Duration(s) * time.Second) }
	w1 := auditsearch.Window{Start: at(0), End: at(1)}
	w2 := auditsearch.Window{Start: at(5), End: at(6)}
	a := &auditsearch.Result{Records: []auditsearch.Record{row("b", at(3)), row("x", at(1))}, Incomplete: []auditsearch.Window{w2}, Calls: 2}
	b := &auditsearch.Result{Records: []auditsearch.Record{row("a", at(3)), row("x", at(1)), row("c", at(2))}, Incomplete: []auditsearch.Window{w2, w1}, Calls: 3}
	cases := []struct {
		name string
		size int
		want []string
	}{
		{"all", 0, []string{"a", "b", "c", "x"}},
		{"cut", 3, []string{"a", "b", "c"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mergeResults([]*auditsearch.Result{a, nil, b}, c.size)
			var ids []string
			for _, r := range got.Records {
				ids = append(ids, r.ID)
			}
			assert.Equal(t, c.want, ids)
			assert.Equal(t, []auditsearch.Window{w1, w2}, got.Incomplete)
			assert.Equal(t, 5, got.Calls)
		})
	}
}
