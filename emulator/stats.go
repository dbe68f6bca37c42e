package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Stats counts what the emulator served.
type Stats struct {
	InvokeCalls int            // InvokeCommand requests received
	TokenCalls  int            // token endpoint requests received
	Pages       int            // 200 responses with rows
	Rows        int            // rows served in them
	Sessions    int            // sessions started
	NextLinks   int            // pages split with @odata.nextLink
	MaxInFlight int            // most concurrent InvokeCommand calls seen for one tenant
	Faults      map[string]int // faults applied, by name ("tenant-concurrency-limit" for the limit)

	RefusedContinuations int // @odata.nextLink requests refused (Continuations "refused")
	NonSessionCapped     int // calls without a session cut short by NonSessionCap while more matched
	SessionRestarts      int // ReturnLargeSet sessions that started over past their end (L9)

	GraphCalls            int            // Graph requests received
	GraphQueries          int            // Graph audit queries created
	GraphStatuses         map[string]int // status answers to GET …/queries/{id}, by status
	GraphTruncated        int            // queries cut at GraphRecordLimit (isRecordCountLimitExceeded)
	GraphNotReady         int            // records requests refused with "The query is not ready"
	GraphPages            int            // records pages served
	GraphRecords          int            // records served in them
	GraphDeletes          int            // queries deleted
	GraphV1NotFound       int            // v1.0 creates answered 404 (live profile)
	GraphThrottledCreates int            // creates refused with 429 for coming too fast
}

// Stats returns a snapshot of the counters.
func (e *Emulator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Faults = maps.Clone(e.stats.Faults)
	s.GraphStatuses = maps.Clone(e.stats.GraphStatuses)
	return s
}

// Request is what an InvokeCommand call carried.
type Request struct {
	Time       time.Time
	Path       string // with the query, e.g. a $skiptoken
	Header     http.Header
	CmdletName string
	Parameters map[string]any
}

const maxRequestsKept = 10000

func (e *Emulator) recordRequest(r *http.Request, body []byte) {
	var in struct {
		CmdletInput struct {
			CmdletName string         `json:"CmdletName"`
			Parameters map[string]any `json:"Parameters"`
		} `json:"CmdletInput"`
	}
	_ = json.Unmarshal(body, &in)
	h := http.Header{}
	for _, k := range []string{"Content-Type", "X-CmdletName", "X-ResponseFormat", "X-AnchorMailbox", "client-request-id"} {
		if v := r.Header.Values(k); len(v) > 0 {
			h[http.CanonicalHeaderKey(k)] = v
		}
	}
	req := Request{Time: time.Now(), Path: r.URL.RequestURI(), Header: h, CmdletName: in.CmdletInput.CmdletName, Parameters: in.CmdletInput.Parameters}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stats.InvokeCalls++
	if len(e.requests) >= maxRequestsKept {
		e.requests = append(e.requests[:0], e.requests[len(e.requests)/2:]...)
	}
	e.requests = append(e.requests, req)
}

// Requests returns the InvokeCommand calls received (the last 5,000–10,000), oldest first.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Request(nil), e.requests...)
}

// LastRequest is the latest InvokeCommand call (ok false before any).
func (e *Emulator) LastRequest() (Request, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.requests) == 0 {
		return Request{}, false
	}
	return e.requests[len(e.requests)-1], true
}

// ResetRequests forgets the calls recorded so far.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	e.requests = nil
	e.mu.Unlock()
}

func (e *Emulator) countFault(name string) {
	e.mu.Lock()
	e.stats.Faults[name]++
	e.mu.Unlock()
}

// countStat adds one to a counter of e.stats.
func (e *Emulator) countStat(c *int) {
	e.mu.Lock()
	*c++
	e.mu.Unlock()
}

func (e *Emulator) countToken() {
	e.mu.Lock()
	e.stats.TokenCalls++
	e.mu.Unlock()
}

func (e *Emulator) countPage(rows int) {
	e.mu.Lock()
	e.stats.Pages++
	e.stats.Rows += rows
	e.mu.Unlock()
}

func (e *Emulator) countGraphStatus(status string) {
	e.mu.Lock()
	e.stats.GraphStatuses[status]++
	e.mu.Unlock()
}

func (e *Emulator) countGraphPage(rows int) {
	e.mu.Lock()
	e.stats.GraphPages++
	e.stats.GraphRecords += rows
	e.mu.Unlock()
}

func (e *Emulator) nextCall() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.callSeq++
	return e.callSeq
}

// Params are ready plugin params (DESIGN §3) for the app holding Exchange.ManageAsApp, the
// audit role and AuditLogsQuery.Read.All.
func (e *Emulator) Params() map[string]any { return e.params(e.app(appReader)) }

// ParamsNoRoles are plugin params for an app holding Exchange.ManageAsApp but neither the
// audit role nor Graph permission: it gets tokens, and 403 from Search-UnifiedAuditLog.
func (e *Emulator) ParamsNoRoles() map[string]any { return e.params(e.app(appNoRole)) }

// ParamsNoGraph are plugin params for an app holding Exchange.ManageAsApp and the audit role
// but no Graph permission.
func (e *Emulator) ParamsNoGraph() map[string]any { return e.params(e.app(appNoGraph)) }

// WriteStateDir writes ca.pem, params.json, params-noroles.json and params-nograph.json into
// dir (created if needed).
func (e *Emulator) WriteStateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("emulator: state dir: %w", err)
	}
	files := map[string][]byte{"ca.pem": e.CAPEM()}
	for name, p := range map[string]map[string]any{"params.json": e.Params(), "params-noroles.json": e.ParamsNoRoles(),
		"params-nograph.json": e.ParamsNoGraph()} {
		b, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			return err
		}
		files[name] = append(b, '\n')
	}
	for name, b := range files {
		perm := os.FileMode(0o600) // params carry the PFX and its password
		if name == "ca.pem" {
			perm = 0o644
		}
		if err := writeFileAtomic(filepath.Join(dir, name), b, perm); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes via a temporary file so a reader never sees half a file.
func writeFileAtomic(path string, b []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, perm); err != nil {
		return fmt.Errorf("emulator: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("emulator: write %s: %w", path, err)
	}
	return nil
}
