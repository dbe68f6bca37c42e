package commands

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/integration"
)

// auditWorld is a fake audit log for fetch tests: records with a CreationTime and an arrival
// time (when the service starts returning them), searched like Search-UnifiedAuditLog: the
// newest ResultSize visible records of [Start, End), newest first.
type auditWorld struct {
	now     time.Time // the service's clock, for arrival
	records []worldRecord
	err     error // every search fails with it when set
	queries []auditsearch.Query
}

type worldRecord struct {
	id      string
	t       time.Time
	arrival time.Time
	row     auditsearch.Record
}

func (w *auditWorld) add(id string, t time.Time, delay time.Duration) {
	w.records = append(w.records, worldRecord{id: id, t: t, arrival: t.Add(delay), row: row(id, t)})
}

func (w *auditWorld) Search(_ context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	w.queries = append(w.queries, q)
	if w.err != nil {
		return nil, w.err
	}
	var rows []auditsearch.Record
	for _, r := range w.records {
		if !r.t.Before(q.Start) && r.t.Before(q.End) && !r.arrival.After(w.now) {
			rows = append(rows, r.row)
		}
	}
	slices.SortFunc(rows, func(a, b auditsearch.Record) int {
		return cmp.Or(b.CreationTime.Compare(a.CreationTime), cmp.Compare(a.ID, b.ID))
	})
	if len(rows) > q.ResultSize {
		rows = rows[:q.ResultSize]
	}
	return &auditsearch.Result{Records: rows}, nil
}

func (w *auditWorld) Ping(context.Context) error { return nil }

func row(id string, t time.Time) auditsearch.Record {
	data := fmt.Sprintf(`{"CreationTime":%q,"Id":%q,"Operation":"UserLoggedIn","UserId":"u@contoso.com"}`,
		t.UTC().Format("2006-01-02T15:04:05"), id)
	return auditsearch.Record{ID: id, CreationTime: t.UTC(), AuditData: json.RawMessage(data)}
}

// fetchHarness runs fetch-incidents against an auditWorld with a settable clock.
type fetchHarness struct {
	t       *testing.T
	world   *auditWorld
	session *fakeSession
	params  map[string]any
	logs    *bytes.Buffer
	built   int
}

func newFetchHarness(t *testing.T, params map[string]any) *fetchHarness {
	p := validParams()
	for k, v := range params {
		p[k] = v
	}
	return &fetchHarness{t: t, world: &auditWorld{now: testNow}, session: &fakeSession{}, params: p, logs: &bytes.Buffer{}}
}

// run is one fetch at the world's clock; it returns the incidents and the error.
func (h *fetchHarness) run() ([]Incident, error) {
	h.t.Helper()
	reg := RegistryWith(Options{
		Now: func() time.Time { return h.world.now },
		NewClient: func(auditsearch.Config) (Client, error) {
			h.built++
			return h.world, nil
		},
		Logger: slog.New(slog.NewTextHandler(io.MultiWriter(h.logs), nil)),
	})
	before := len(h.session.entries)
	err := reg[Fetch].Run(context.Background(), &integration.Request{Command: Fetch, Params: h.params}, h.session)
	if len(h.session.files) != 0 {
		h.t.Fatalf("fetch-incidents wrote files %v, want none", h.session.files)
	}
	if err != nil {
		return nil, err
	}
	got := h.session.entries[before:]
	if len(got) != 1 || got[0].Type != 1 || got[0].ContentsFormat != "json" {
		h.t.Fatalf("want one json note entry, got %+v", got)
	}
	text, ok := got[0].Contents.(string)
	if !ok {
		h.t.Fatalf("Contents is %T, want the JSON text", got[0].Contents)
	}
	var incidents []Incident
	if err := json.Unmarshal([]byte(text), &incidents); err != nil {
		h.t.Fatalf("Contents %q: %v", text, err)
	}
	return incidents, nil
}

// mustRun is run that must succeed.
func (h *fetchHarness) mustRun() []Incident {
	h.t.Helper()
	incidents, err := h.run()
	if err != nil {
		h.t.Fatalf("fetch: %v", err)
	}
	return incidents
}

// state decodes the stored lastRun.
func (h *fetchHarness) state() fetchState {
	h.t.Helper()
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(h.session.lastRun))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		h.t.Fatalf("lastRun %s: %v", h.session.lastRun, err)
	}
	st, err := decodeFetchState(v)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// incidentIDs reads the Id out of each incident's rawJSON and checks oldest-first order.
func incidentIDs(t *testing.T, incidents []Incident) []string {
	t.Helper()
	var ids []string
	var last time.Time
	for _, inc := range incidents {
		var rec struct{ Id string }
		if err := json.Unmarshal([]byte(inc.RawJSON), &rec); err != nil {
			t.Fatalf("rawJSON %q: %v", inc.RawJSON, err)
		}
		occurred, err := time.Parse(time.RFC3339, inc.Occurred)
		if err != nil {
			t.Fatalf("occurred %q: %v", inc.Occurred, err)
		}
		if occurred.Before(last) {
			t.Errorf("incident %s at %s comes after one at %s: not oldest first", rec.Id, occurred, last)
		}
		last = occurred
		ids = append(ids, rec.Id)
	}
	return ids
}
