package commands

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/integration"
)

// fakeClient records the queries it gets and answers with canned values.
type fakeClient struct {
	result  *auditsearch.Result
	err     error
	pingErr error
	queries []auditsearch.Query
	pings   int
}

func (f *fakeClient) Search(_ context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	f.queries = append(f.queries, q)
	return f.result, f.err
}

func (f *fakeClient) Ping(context.Context) error { f.pings++; return f.pingErr }

// harness is a registry whose client factory counts constructions.
type harness struct {
	reg     integration.Registry
	client  *fakeClient
	built   int
	newErr  error
	configs []auditsearch.Config
}

func newHarness() *harness {
	h := &harness{client: &fakeClient{}}
	h.reg = RegistryWith(Options{
		Now: func() time.Time { return testNow },
		NewClient: func(cfg auditsearch.Config) (Client, error) {
			h.built++
			h.configs = append(h.configs, cfg)
			if h.newErr != nil {
				return nil, h.newErr
			}
			return h.client, nil
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return h
}

func (h *harness) run(t *testing.T, command string, params, args map[string]any) (*fakeSession, error) {
	t.Helper()
	s := &fakeSession{}
	err := h.reg[command].Run(context.Background(), &integration.Request{Command: command, Params: params, Args: args}, s)
	if len(s.calls) != 0 {
		t.Errorf("%s made engine calls %v, want none", command, s.calls)
	}
	return s, err
}

func TestRegistryNames(t *testing.T) {
	reg := Registry()
	var names []string
	for name, c := range reg {
		if c.Name != name || c.Run == nil || c.Fetch != (name == Fetch) {
			t.Errorf("command %q: %+v", name, c)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	if want := []string{"fetch-incidents", "o365-auditlog-search", "test-module"}; !reflect.DeepEqual(names, want) {
		t.Errorf("commands %v, want %v", names, want)
	}
}

func TestValidationFailsBeforeAnyClient(t *testing.T) {
	cases := []struct {
		name    string
		command string
		params  map[string]any
		args    map[string]any
		want    string
	}{
		{"search bad param", Search, withParam("max_concurrency", "0"), nil, `Invalid parameter "max_concurrency"`},
		{"search bad arg", Search, validParams(), map[string]any{"start_date": "soon"}, `Invalid argument "start_date": "soon"`},
		{"search bad ip", Search, validParams(), map[string]any{"ip_addresses": "1.2.3"}, `Invalid argument "ip_addresses"`},
		{"test-module bad param", TestModule, withParam("url", "http://x"), nil, `Invalid parameter "url"`},
		{"test-module no certificate", TestModule, withParam("certificate", nil), nil, `Missing parameter "certificate"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness()
			s, err := h.run(t, c.command, c.params, c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if h.built != 0 || len(h.client.queries) != 0 || h.client.pings != 0 {
				t.Errorf("client built %d times, %d searches, %d pings before validation passed", h.built, len(h.client.queries), h.client.pings)
			}
			if len(s.entries) != 0 {
				t.Errorf("entries sent on failure: %+v", s.entries)
			}
		})
	}
}

func TestSecretsRegisteredFirst(t *testing.T) {
	h := newHarness()
	p := withParam("max_concurrency", "0") // fails validation, secrets still registered
	p["password"] = "plain-pw"
	s, _ := h.run(t, Search, p, nil)
	for _, want := range []string{"UEZYIGJ5dGVz", "s3cret-pw", "plain-pw"} {
		if !slices.Contains(s.secrets, want) {
			t.Errorf("secret %q not registered: %v", want, s.secrets)
		}
	}
}

// seedRecord is the seed's Context Example record, shortened.
const seedRecord = `{"CreationTime":"2021-01-01T23:59:56","Id":"8133912e-b888-4849-b8fb-070710b35400","Operation":"UserLoginFailed","RecordType":15,"Version":1}`

func TestSearchEntries(t *testing.T) {
	h := newHarness()
	h.client.result = &auditsearch.Result{Records: []auditsearch.Record{
		{ID: "8133912e-b888-4849-b8fb-070710b35400", AuditData: json.RawMessage(seedRecord)},
		{ID: "b", AuditData: json.RawMessage(`{"Id":"b","Big":12345678901234567890}`)},
	}}
	s, err := h.run(t, Search, validParams(), map[string]any{"start_date": "01/01/21", "end_date": "01/02/21", "result_size": "1", "record_type": "15"})
	if err != nil {
		t.Fatal(err)
	}
	if h.built != 1 || len(h.client.queries) != 1 {
		t.Fatalf("built %d, searched %d", h.built, len(h.client.queries))
	}
	q := h.client.queries[0]
	if !q.Start.Equal(utc(2021, 1, 1, 0, 0, 0)) || !q.End.Equal(utc(2021, 1, 2, 0, 0, 0)) || q.ResultSize != 1 || q.RecordType != "AzureActiveDirectoryStsLogon" {
		t.Errorf("query %+v", q)
	}
	if h.configs[0].Organization != "contoso.onmicrosoft.com" {
		t.Errorf("config %+v", h.configs[0])
	}
	if len(s.entries) != 1 {
		t.Fatalf("%d entries, want 1", len(s.entries))
	}
	e := s.entries[0]
	if e.Type != 1 || e.ContentsFormat != "json" || e.ReadableContentsFormat != "markdown" {
		t.Errorf("entry shape %+v", e)
	}
	if !strings.HasPrefix(e.HumanReadable, "### Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00\n") {
		t.Errorf("HumanReadable %q", e.HumanReadable)
	}
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Contents     []json.RawMessage
		EntryContext map[string]json.RawMessage
	}
	if err := json.Unmarshal(out, &decoded); err != nil {
		t.Fatal(err)
	}
	var ctx []json.RawMessage
	if err := json.Unmarshal(decoded.EntryContext["O365AuditLog(val.Id && val.Id == obj.Id)"], &ctx); err != nil {
		t.Fatal(err)
	}
	// The records and the summary (summary_test.go checks the summary itself).
	if len(decoded.EntryContext) != 2 || decoded.EntryContext[SummaryContextKey] == nil || len(ctx) != 2 || string(ctx[0]) != seedRecord {
		t.Errorf("EntryContext %s", out)
	}
	if !reflect.DeepEqual(decoded.Contents, ctx) {
		t.Errorf("Contents differ from the context: %s", out)
	}
	if !strings.Contains(string(ctx[1]), "12345678901234567890") {
		t.Errorf("big number not kept exactly: %s", ctx[1])
	}
}

func TestSearchEmpty(t *testing.T) {
	for name, res := range map[string]*auditsearch.Result{"empty": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			h := newHarness()
			h.client.result = res
			s, err := h.run(t, Search, validParams(), map[string]any{"start_date": "01/01/21", "end_date": "01/02/21"})
			if err != nil {
				t.Fatal(err)
			}
			want := []integration.Entry{integration.TextEntry("Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00 is empty")}
			want[0].EntryContext = map[string]any{SummaryContextKey: SearchSummary{
				StartDate: "2021-01-01T00:00:00Z", EndDate: "2021-01-02T00:00:00Z", Count: 0, Complete: true,
				Backend: "exchange", IncompleteWindows: []SummaryWindow{},
			}}
			if !reflect.DeepEqual(s.entries, want) {
				t.Errorf("entries %+v", s.entries)
			}
		})
	}
}

func TestSearchIncompleteWarns(t *testing.T) {
	h := newHarness()
	w := auditsearch.Window{Start: utc(2021, 1, 1, 10, 0, 0), End: utc(2021, 1, 1, 10, 0, 1)}
	h.client.result = &auditsearch.Result{
		Records:    []auditsearch.Record{{ID: "a", AuditData: json.RawMessage(`{"Id":"a"}`)}},
		Incomplete: []auditsearch.Window{w, {Start: w.Start.Add(time.Hour).In(time.FixedZone("x", 3600)), End: w.End.Add(time.Hour)}},
	}
	s, err := h.run(t, Search, validParams(), map[string]any{"start_date": "01/01/21", "end_date": "01/02/21", "result_size": "0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.entries) != 2 || s.entries[0].Type != 1 || s.entries[1].Type != 11 || s.entries[1].ContentsFormat != "text" {
		t.Fatalf("entries %+v", s.entries)
	}
	msg := s.entries[1].Contents.(string)
	for _, want := range []string{"incomplete", "2 one-second window(s) (UTC)", "2021-01-01T10:00:00Z to 2021-01-01T10:00:01Z",
		"2021-01-01T11:00:00Z to 2021-01-01T11:00:01Z", "Narrow the search"} {
		if !strings.Contains(msg, want) {
			t.Errorf("warning %q lacks %q", msg, want)
		}
	}
	if h.client.queries[0].ResultSize != 5000 {
		t.Errorf("result_size 0 sent as %d", h.client.queries[0].ResultSize)
	}
}

func TestIncompleteWarningIsBounded(t *testing.T) {
	var ws []auditsearch.Window
	for i := range 50 {
		s := utc(2021, 1, 1, 0, 0, i)
		ws = append(ws, auditsearch.Window{Start: s, End: s.Add(time.Second)})
	}
	msg := incompleteWarning(&auditsearch.Result{Incomplete: ws}, nil)
	if !strings.Contains(msg, "50 one-second window(s)") || !strings.Contains(msg, ", and 30 more.") || strings.Contains(msg, "00:00:25Z") {
		t.Errorf("warning %q", msg)
	}
}

func TestClientErrorsAreExplained(t *testing.T) {
	boom := errors.New("HTTP 403: is not allowed to call Search-UnifiedAuditLog")
	cases := []struct {
		name    string
		command string
		setup   func(h *harness)
	}{
		{"search fails", Search, func(h *harness) { h.client.err = boom }},
		{"client cannot be built", Search, func(h *harness) { h.newErr = boom }},
		{"ping fails", TestModule, func(h *harness) { h.client.pingErr = boom }},
		{"test-module client cannot be built", TestModule, func(h *harness) { h.newErr = boom }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness()
			c.setup(h)
			s, err := h.run(t, c.command, validParams(), nil)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != Explain(boom) {
				t.Errorf("error %q, want the Explain sentence %q", err, Explain(boom))
			}
			if !errors.Is(err, boom) {
				t.Errorf("the cause is lost: %v", err)
			}
			if len(s.entries) != 0 {
				t.Errorf("entries %+v", s.entries)
			}
		})
	}
}

func TestTestModuleOK(t *testing.T) {
	h := newHarness()
	s, err := h.run(t, TestModule, validParams(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []integration.Entry{{Type: 1, ContentsFormat: "text", Contents: "ok"}}
	if !reflect.DeepEqual(s.entries, want) || h.client.pings != 1 {
		t.Errorf("entries %+v, pings %d", s.entries, h.client.pings)
	}
}

func TestUnreadableRecordIsAnError(t *testing.T) {
	h := newHarness()
	h.client.result = &auditsearch.Result{Records: []auditsearch.Record{{ID: "a", AuditData: json.RawMessage(`{"Id":`)}}}
	_, err := h.run(t, Search, validParams(), nil)
	if err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("error %v", err)
	}
}

func TestUnknownArgsLoggedAtDebug(t *testing.T) {
	var buf strings.Builder
	fc := &fakeClient{result: &auditsearch.Result{}}
	reg := RegistryWith(Options{
		Now:       func() time.Time { return testNow },
		NewClient: func(auditsearch.Config) (Client, error) { return fc, nil },
		Logger:    slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	req := &integration.Request{Command: Search, Params: validParams(), Args: map[string]any{"colour": "blue", "result_size": "2"}}
	if err := reg[Search].Run(context.Background(), req, &fakeSession{}); err != nil {
		t.Fatal(err)
	}
	if log := buf.String(); !strings.Contains(log, "level=DEBUG") || !strings.Contains(log, "colour") || strings.Contains(log, "blue") {
		t.Errorf("log %q: want the unknown name at debug, never its value", log)
	}
	if strings.Contains(buf.String(), "s3cret-pw") || strings.Contains(buf.String(), "UEZYIGJ5dGVz") {
		t.Errorf("secret in the log: %s", buf.String())
	}
}

// TestDefaultClientBadCertificate runs the default wiring (the real exoclient) with bytes
// that are no PFX: the error is exoclient's sentence, no network is touched, no secret shown.
func TestDefaultClientBadCertificate(t *testing.T) {
	reg := RegistryWith(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, command := range []string{TestModule, Search} {
		t.Run(command, func(t *testing.T) {
			req := &integration.Request{Command: command, Params: validParams(), Args: map[string]any{}}
			err := reg[command].Run(context.Background(), req, &fakeSession{})
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "s3cret-pw") || strings.Contains(err.Error(), "UEZYIGJ5dGVz") {
				t.Errorf("secret in %q", err)
			}
			var ve *ValidationError
			if errors.As(err, &ve) {
				t.Errorf("a certificate that decodes is the client's to judge: %v", err)
			}
		})
	}
}

// TestProgressReachesTheQuery: the search's progress callback is Options.Progress (the
// `run` mode's bar), and the summary names the backend the result says served it.
func TestProgressReachesTheQuery(t *testing.T) {
	var got []auditsearch.Progress
	fc := &fakeClient{result: &auditsearch.Result{Backend: "graph"}}
	reg := RegistryWith(Options{
		Now:       func() time.Time { return testNow },
		NewClient: func(auditsearch.Config) (Client, error) { return fc, nil },
		Progress:  func(p auditsearch.Progress) { got = append(got, p) },
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	s := &fakeSession{}
	if err := reg[Search].Run(context.Background(), &integration.Request{Command: Search, Params: validParams()}, s); err != nil {
		t.Fatal(err)
	}
	if len(fc.queries) != 1 || fc.queries[0].Progress == nil {
		t.Fatalf("queries %+v: want the progress callback set", fc.queries)
	}
	fc.queries[0].Progress(auditsearch.Progress{WindowsDone: 1, WindowsTotal: 2})
	if len(got) != 1 || got[0].WindowsTotal != 2 {
		t.Errorf("progress %+v", got)
	}
	sum := s.entries[0].EntryContext[SummaryContextKey].(SearchSummary)
	if sum.Backend != "graph" {
		t.Errorf("summary backend %q", sum.Backend)
	}
}
