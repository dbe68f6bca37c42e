package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

func TestFetchRegistered(t *testing.T) {
	c, ok := Registry()[Fetch]
	if !ok || !c.Fetch || c.Name != "fetch-incidents" || c.Run == nil {
		t.Fatalf("fetch-incidents: %+v", c)
	}
}

// TestFetchFirstRun: the first run searches [now − first_fetch, now) and emits what is there,
// oldest first; the state says everything up to now is done.
func TestFetchFirstRun(t *testing.T) {
	h := newFetchHarness(t, map[string]any{"first_fetch": "3 days", "incidentType": "O365 Audit"})
	for i := range 100 {
		h.world.add(fmt.Sprintf("r%03d", i), testNow.Add(-time.Duration(i)*time.Hour), 0) // 4 days back
	}
	incidents := h.mustRun()
	ids := incidentIDs(t, incidents)
	if len(ids) != 50 || ids[0] != "r072" || ids[49] != "r023" { // r072: exactly 3 days back
		t.Fatalf("emitted %v", ids)
	}
	q := h.world.queries[0]
	if !q.Start.Equal(testNow.Truncate(time.Second).AddDate(0, 0, -3)) || !q.End.Equal(testNow) {
		t.Errorf("window [%s, %s)", q.Start, q.End)
	}
	if incidents[0].Name != "UserLoggedIn by u@contoso.com" || incidents[0].Type != "O365 Audit" ||
		incidents[0].Occurred != testNow.Add(-72*time.Hour).Format(time.RFC3339) {
		t.Errorf("incident %+v", incidents[0])
	}
	st := h.state()
	if !st.HighWater.Equal(testNow.Add(-23*time.Hour)) || len(st.Seen) != 3 { // r025–r023: the lookback
		t.Errorf("state high water %s, %d seen", st.HighWater, len(st.Seen))
	}
	// The rest of the backlog comes next (r000, created at now, is not in [start, now)), then nothing.
	if ids := incidentIDs(t, h.mustRun()); len(ids) != 22 || ids[0] != "r022" || ids[21] != "r001" {
		t.Errorf("second run %v", ids)
	}
	if !h.state().HighWater.Equal(testNow) {
		t.Errorf("high water %s, want now", h.state().HighWater)
	}
	if ids := incidentIDs(t, h.mustRun()); len(ids) != 0 {
		t.Errorf("third run %v", ids)
	}
}

// TestFetchEmptyIsEmptyList: nothing new is "[]" and still a state.
func TestFetchEmptyIsEmptyList(t *testing.T) {
	h := newFetchHarness(t, nil)
	if got := h.mustRun(); len(got) != 0 {
		t.Fatal(got)
	}
	if text := h.session.entries[0].Contents; text != "[]" {
		t.Errorf("Contents %q", text)
	}
	if !h.state().HighWater.Equal(testNow) || !h.state().Floor.Equal(testNow.AddDate(0, 0, -3)) {
		t.Errorf("state %+v", h.state())
	}
}

// TestFetchBacklogAndTies: a backlog larger than max_fetch, with many records sharing a
// second across every cut, comes out whole, oldest first, none twice.
func TestFetchBacklogAndTies(t *testing.T) {
	h := newFetchHarness(t, map[string]any{"max_fetch": "7", "first_fetch": "1 day"})
	var want []string
	for i := range 60 {
		id := fmt.Sprintf("r%03d", i)
		h.world.add(id, testNow.Add(-10*time.Hour).Add(time.Duration(i/5)*time.Minute), 0) // 5 per instant
		want = append(want, id)
	}
	var got []string
	for range 20 {
		ids := incidentIDs(t, h.mustRun())
		if len(ids) > 7 {
			t.Fatalf("%d incidents, max_fetch 7", len(ids))
		}
		got = append(got, ids...)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// TestFetchLateArrival: a record that arrives late but within the lookback becomes an
// incident; one later than the lookback does not (that is what the lookback means).
func TestFetchLateArrival(t *testing.T) {
	h := newFetchHarness(t, map[string]any{"fetch_lookback": "2 hours", "first_fetch": "1 day"})
	h.world.add("early", testNow.Add(-3*time.Hour), 0)
	h.world.add("late", testNow.Add(-30*time.Minute), 90*time.Minute)  // arrives at now+60m
	h.world.add("too-late", testNow.Add(-20*time.Minute), 3*time.Hour) // arrives at now+160m
	h.world.add("future", testNow.Add(30*time.Minute), 10*time.Minute) // created after the first run
	if ids := incidentIDs(t, h.mustRun()); !slices.Equal(ids, []string{"early"}) {
		t.Fatalf("run 1: %v", ids)
	}
	var got []string
	for range 20 {
		h.world.now = h.world.now.Add(10 * time.Minute)
		got = append(got, incidentIDs(t, h.mustRun())...)
	}
	if !slices.Equal(got, []string{"future", "late"}) { // in order of arrival
		t.Fatalf("later runs: %v", got)
	}
	q := h.world.queries[len(h.world.queries)-1] // [previous run's now − lookback, now)
	if want := h.world.now.Add(-10*time.Minute - 2*time.Hour); !q.Start.Equal(want) || !q.End.Equal(h.world.now) {
		t.Errorf("window [%s, %s), want [%s, now)", q.Start, q.End, want)
	}
	if len(h.state().Seen) != 0 {
		t.Errorf("seen %v: everything emitted is older than the lookback now", h.state().Seen)
	}
}

// TestFetchNarrowsFullWindows: with pages of 10, a window of 95 records is scanned in
// chunks, and every record still comes out, oldest first.
func TestFetchNarrowsFullWindows(t *testing.T) {
	for _, maxFetch := range []int{3, 10, 1000} {
		t.Run(fmt.Sprint(maxFetch), func(t *testing.T) {
			w := &auditWorld{now: testNow}
			var want []string
			for i := range 95 {
				id := fmt.Sprintf("r%03d", i)
				w.add(id, testNow.Add(-5*time.Hour).Add(time.Duration(i*i)*time.Second), 0)
				want = append(want, id)
			}
			p := FetchParams{FirstFetch: testNow.Add(-6 * time.Hour), MaxFetch: maxFetch, Lookback: time.Hour}
			st := fetchState{Seen: map[string]time.Time{}}
			var got []string
			for range 100 {
				f := &fetcher{client: w, pageSize: 10}
				out, err := f.run(context.Background(), p, st, testNow)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range out.emitted {
					got = append(got, r.ID)
				}
				st = out.state
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %v", got)
			}
			for _, q := range w.queries {
				if q.ResultSize != 10 {
					t.Fatalf("ResultSize %d", q.ResultSize)
				}
			}
		})
	}
}

// TestFetchOneSecondBurst: a second holding more than a page is fetched whole with a large search.
func TestFetchOneSecondBurst(t *testing.T) {
	w := &auditWorld{now: testNow}
	burst := testNow.Add(-time.Hour)
	for i := range 25 {
		w.add(fmt.Sprintf("b%02d", i), burst, 0)
	}
	p := FetchParams{FirstFetch: testNow.Add(-2 * time.Hour), MaxFetch: 100, Lookback: time.Hour}
	f := &fetcher{client: w, pageSize: 10, secondCap: 1000}
	out, err := f.run(context.Background(), p, fetchState{Seen: map[string]time.Time{}}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.emitted) != 25 || !out.state.HighWater.Equal(testNow) {
		t.Fatalf("emitted %d, high water %s", len(out.emitted), out.state.HighWater)
	}
	if !slices.ContainsFunc(w.queries, func(q auditsearch.Query) bool {
		return q.ResultSize == 1000 && q.End.Sub(q.Start) == time.Second && q.Start.Equal(burst)
	}) {
		t.Errorf("no large search of the burst's second: %+v", w.queries)
	}
}

// TestFetchSearchBudget: a run stops after its search budget once it has made progress,
// and the next goes on.
func TestFetchSearchBudget(t *testing.T) {
	w := &auditWorld{now: testNow}
	for i := range 50 {
		w.add(fmt.Sprintf("r%02d", i), testNow.Add(-time.Hour).Add(time.Duration(i)*time.Second), 0)
	}
	p := FetchParams{FirstFetch: testNow.Add(-2 * time.Hour), MaxFetch: 1000, Lookback: time.Hour}
	st := fetchState{Seen: map[string]time.Time{}}
	total, runs := 0, 0
	for ; runs < 200 && total < 50; runs++ {
		f := &fetcher{client: w, pageSize: 4, maxSearches: 3}
		out, err := f.run(context.Background(), p, st, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.emitted) == 0 && !out.state.HighWater.After(st.HighWater) {
			t.Fatalf("run %d made no progress", runs)
		}
		total += len(out.emitted)
		st = out.state
	}
	if total != 50 || runs < 3 {
		t.Fatalf("emitted %d of 50 in %d runs", total, runs)
	}
}

// TestFetchRandomized: many runs over records arriving late in random order, with random
// max_fetch and clock steps: every record that arrives within the lookback is emitted
// exactly once, each run oldest first.
func TestFetchRandomized(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			h := newFetchHarness(t, map[string]any{
				"max_fetch": fmt.Sprint(1 + r.IntN(40)), "first_fetch": "6 hours", "fetch_lookback": "1 hour"})
			start := testNow.Add(-6 * time.Hour)
			want := map[string]bool{}
			for i := range 400 {
				id := fmt.Sprintf("r%03d", i)
				created := start.Add(time.Duration(r.IntN(12*3600)) * time.Second) // up to 6h after testNow
				delay := time.Duration(r.IntN(50*60)) * time.Second                // within the lookback (1h)
				if created.Before(start) {
					continue
				}
				h.world.add(id, created, delay)
				want[id] = true
			}
			got := map[string]bool{}
			for run := 0; run < 400; run++ {
				incidents := h.mustRun()
				for _, id := range incidentIDs(t, incidents) {
					if got[id] {
						t.Fatalf("run %d: %s emitted twice", run, id)
					}
					got[id] = true
				}
				if len(got) == len(want) && h.world.now.After(testNow.Add(8*time.Hour)) {
					break
				}
				h.world.now = h.world.now.Add(time.Duration(1+r.IntN(15)) * time.Minute)
			}
			if len(got) != len(want) {
				var missing []string
				for id := range want {
					if !got[id] {
						missing = append(missing, id)
					}
				}
				t.Fatalf("%d of %d emitted; missing %v", len(got), len(want), missing)
			}
		})
	}
}

// TestFetchStateBounded: when the seen Ids would exceed the bound, the oldest are dropped,
// the floor rises past them, a warning is logged, and they are never emitted again.
func TestFetchStateBounded(t *testing.T) {
	w := &auditWorld{now: testNow}
	for i := range 300 {
		w.add(fmt.Sprintf("id-%04d", i), testNow.Add(-time.Hour).Add(time.Duration(i)*time.Second), 0)
	}
	p := FetchParams{FirstFetch: testNow.Add(-2 * time.Hour), MaxFetch: 1000, Lookback: 2 * time.Hour}
	f := &fetcher{client: w, maxStateBytes: 4000}
	out, err := f.run(context.Background(), p, fetchState{Seen: map[string]time.Time{}}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.emitted) != 300 {
		t.Fatalf("emitted %d", len(out.emitted))
	}
	b, _ := json.Marshal(out.state.value())
	if len(b) > 4000 || len(out.state.Seen) == 0 {
		t.Fatalf("state %d bytes, %d seen", len(b), len(out.state.Seen))
	}
	oldestKept := testNow
	for _, t0 := range out.state.Seen {
		if t0.Before(oldestKept) {
			oldestKept = t0
		}
	}
	if !out.state.Floor.After(oldestKept.Add(-time.Second)) || out.state.Floor.After(oldestKept) {
		t.Errorf("floor %s, oldest kept %s", out.state.Floor, oldestKept)
	}
	out2, err := (&fetcher{client: w, maxStateBytes: 4000}).run(context.Background(), p, out.state, testNow.Add(time.Minute))
	if err != nil || len(out2.emitted) != 0 {
		t.Fatalf("second run emitted %d (%v): dropped Ids came back", len(out2.emitted), err)
	}
}

// TestFetchStateUnderOneMiB: the default bound keeps a huge seen set under 1 MiB, and the
// handler logs the warning.
func TestFetchStateUnderOneMiB(t *testing.T) {
	h := newFetchHarness(t, map[string]any{"max_fetch": "1000", "first_fetch": "1 hour", "fetch_lookback": "1 day"})
	pad := strings.Repeat("x", 80) // long Ids: fewer records reach the bound
	for i := range 13000 {
		h.world.add(fmt.Sprintf("%s-%08d", pad, i), testNow.Add(-50*time.Minute).Add(time.Duration(i)*200*time.Millisecond), 0)
	}
	for range 13 {
		h.mustRun()
	}
	if n := len(h.session.lastRun); n >= 1<<20 {
		t.Fatalf("state is %d bytes", n)
	}
	if !strings.Contains(h.logs.String(), "fetch state too large") {
		t.Error("no warning logged")
	}
}

func TestFetchStateRoundTrip(t *testing.T) {
	st := fetchState{
		HighWater: testNow, Floor: testNow.Add(-time.Hour).Add(time.Nanosecond),
		Seen: map[string]time.Time{"a": testNow.Add(-time.Minute), "b": testNow.Add(-time.Minute), "c": testNow},
	}
	b, err := json.Marshal(st.value())
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	got, err := decodeFetchState(v)
	if err != nil {
		t.Fatal(err)
	}
	if !got.HighWater.Equal(st.HighWater) || !got.Floor.Equal(st.Floor) || len(got.Seen) != 3 || !got.Seen["b"].Equal(st.Seen["b"]) {
		t.Errorf("round trip %+v", got)
	}
	if !strings.Contains(string(b), `"version":1`) || !strings.Contains(string(b), `"high_water":"2024-03-31T12:30:45Z"`) {
		t.Errorf("wire %s", b)
	}
}

func TestFetchStateUnreadable(t *testing.T) {
	for name, v := range map[string]map[string]any{
		"version":    {"version": 2},
		"high water": {"version": 1, "high_water": "yesterday"},
		"seen key":   {"version": 1, "seen": map[string]any{"soon": []any{"a"}}},
		"seen shape": {"version": 1, "seen": []any{"a"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodeFetchState(v)
			if err == nil || !strings.Contains(err.Error(), "Reset the last run") {
				t.Fatalf("error %v", err)
			}
		})
	}
}

// TestFetchValidation: invalid fetch params fail before the state or the client is touched.
func TestFetchValidation(t *testing.T) {
	cases := []struct {
		name  string
		param string
		value any
		want  string
	}{
		{"max_fetch zero", "max_fetch", "0", `Invalid parameter "max_fetch": "0"`},
		{"max_fetch big", "max_fetch", 1001, `Invalid parameter "max_fetch": "1001"`},
		{"max_fetch text", "max_fetch", "many", `Invalid parameter "max_fetch"`},
		{"first_fetch", "first_fetch", "soon", `Invalid parameter "first_fetch": "soon"`},
		{"first_fetch future", "first_fetch", "2099-01-01", `not before now`},
		{"lookback absolute", "fetch_lookback", "2024-01-01", `Invalid parameter "fetch_lookback"`},
		{"lookback text", "fetch_lookback", "a while", `Invalid parameter "fetch_lookback"`},
		{"lookback long", "fetch_lookback", "2 years", `Invalid parameter "fetch_lookback"`},
		{"record type", "fetch_record_type", "99999", `Invalid parameter "fetch_record_type"`},
		{"operations", "fetch_operations", "[1", `Invalid parameter "fetch_operations"`},
		{"user ids", "fetch_user_ids", map[string]any{"a": 1}, `Invalid parameter "fetch_user_ids"`},
		{"free text", "fetch_free_text", []any{"x"}, `Invalid parameter "fetch_free_text"`},
		{"connection param", "timeout", "-1", `Invalid parameter "timeout"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newFetchHarness(t, map[string]any{c.param: c.value})
			_, err := h.run()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if h.built != 0 || len(h.session.calls) != 0 {
				t.Errorf("client built %d times, engine calls %v", h.built, h.session.calls)
			}
		})
	}
}

func TestFetchParamsParsed(t *testing.T) {
	p, err := ParseFetchParams(map[string]any{
		"first_fetch": "2024-03-01", "max_fetch": json.Number("200"), "fetch_lookback": "90 minutes",
		"fetch_record_type": "8", "fetch_operations": "Add member to role., UserLoginFailed",
		"fetch_user_ids": `["a@x.com"]`, "fetch_free_text": " admin ", "incidentType": "Access",
	}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := FetchParams{
		FirstFetch: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), MaxFetch: 200, Lookback: 90 * time.Minute,
		Filters: auditsearch.Filters{RecordType: "AzureActiveDirectory", Operations: []string{"Add member to role.", "UserLoginFailed"},
			UserIDs: []string{"a@x.com"}, FreeText: "admin"},
		IncidentType: "Access",
	}
	if fmt.Sprint(p) != fmt.Sprint(want) {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
	d, _ := ParseFetchParams(map[string]any{}, testNow)
	if d.MaxFetch != 50 || d.Lookback != 2*time.Hour || !d.FirstFetch.Equal(testNow.Truncate(time.Second).AddDate(0, 0, -3)) {
		t.Errorf("defaults %+v", d)
	}
	q := p.Query(testNow.Add(-time.Hour), testNow, 5000)
	if q.RecordType != "AzureActiveDirectory" || q.FreeText != "admin" || len(q.UserIDs) != 1 || q.ResultSize != 5000 {
		t.Errorf("query %+v", q)
	}
}

// TestFetchFailureLeavesState: a failing search is an error (the loop sends an exception),
// with no incidents and no setLastRun.
func TestFetchFailureLeavesState(t *testing.T) {
	h := newFetchHarness(t, map[string]any{"first_fetch": "1 day"})
	h.world.add("a", testNow.Add(-time.Hour), 0)
	h.mustRun()
	saved := string(h.session.lastRun)
	h.world.add("b", testNow.Add(-time.Minute), 0)
	h.world.err = &msclient.APIError{Status: 403, Message: "is not allowed to call Search-UnifiedAuditLog"}
	entries := len(h.session.entries)
	_, err := h.run()
	if err == nil {
		t.Fatal("no error")
	}
	if string(h.session.lastRun) != saved || len(h.session.entries) != entries {
		t.Errorf("state or entries changed by a failed run")
	}
	if c := h.session.calls[len(h.session.calls)-1]; c != "getLastRun" {
		t.Errorf("last engine call %s", c)
	}
	h.world.err = nil
	if ids := incidentIDs(t, h.mustRun()); !slices.Equal(ids, []string{"b"}) {
		t.Errorf("after recovery %v", ids)
	}
}

func TestFetchEngineErrors(t *testing.T) {
	h := newFetchHarness(t, nil)
	h.session.lastRun = json.RawMessage(`{"version":9}`)
	if _, err := h.run(); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Errorf("bad state: %v", err)
	}
	h = newFetchHarness(t, nil)
	h.session.setErr = errors.New("engine down")
	if _, err := h.run(); err == nil || !strings.Contains(err.Error(), "Could not save the last run") {
		t.Errorf("setLastRun failure: %v", err)
	}
}

func TestIncidentName(t *testing.T) {
	cases := map[string]struct {
		data string
		row  auditsearch.Record
		want string
	}{
		"operation and user": {`{"Operation":"UserLoginFailed","UserId":"user@example.com"}`, auditsearch.Record{}, "UserLoginFailed by user@example.com"},
		"no user":            {`{"Operation":"Set-Mailbox"}`, auditsearch.Record{}, "Set-Mailbox"},
		"row fallbacks":      {`{}`, auditsearch.Record{Operations: "FileAccessed", UserIDs: "a@b.c"}, "FileAccessed by a@b.c"},
		"workload only":      {`{"Workload":"Exchange"}`, auditsearch.Record{}, "Exchange audit event"},
		"nothing":            {`[]`, auditsearch.Record{}, "audit event"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			c.row.AuditData = json.RawMessage(c.data)
			if got := incidentName(c.row); got != c.want {
				t.Errorf("%q, want %q", got, c.want)
			}
		})
	}
}

func TestIncidentsJSONKeepsRawText(t *testing.T) {
	data := `{"Id":"x","Note":"<b>&</b>","N":12345678901234567890}`
	text, err := incidentsJSON([]auditsearch.Record{{ID: "x", CreationTime: testNow, AuditData: json.RawMessage(data)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatal(err)
	}
	if got[0]["rawJSON"] != data || got[0]["occurred"] != "2024-03-31T12:30:45Z" || got[0]["type"] != nil {
		t.Errorf("incident %v", got[0])
	}
}
