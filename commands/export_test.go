package commands

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/integration"
)

// streamClient is a fake that streams windows through SearchEach, like exoclient.
type streamClient struct {
	fakeClient
	windows [][]auditsearch.Record
}

func (c *streamClient) SearchEach(_ context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	c.queries = append(c.queries, q)
	for _, rows := range c.windows {
		if err := each(auditsearch.Window{}, rows); err != nil {
			return nil, fmt.Errorf("search window: %w", err)
		}
	}
	return c.result, c.err
}

// exportRow is an audit row at second s of 2021-01-01 with id; its AuditData has spaces and a
// line break, which the file must not keep.
func exportRow(id string, s int) auditsearch.Record {
	at := utc(2021, 1, 1, 0, 0, 0).Add(time.Duration(s) * time.Second)
	return auditsearch.Record{ID: id, CreationTime: at,
		AuditData: json.RawMessage(fmt.Sprintf("{\"Id\": %q,\n \"CreationTime\": %q, \"N\": 12345678901234567890}", id, at.Format("2006-01-02T15:04:05")))}
}

func exportHarness(t *testing.T, c Client) (integration.Registry, string) {
	t.Helper()
	dir := t.TempDir()
	return RegistryWith(Options{
		Now:       func() time.Time { return testNow },
		NewClient: func(auditsearch.Config) (Client, error) { return c, nil },
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Dir:       dir,
	}), dir
}

// runExport runs an as_file search; it returns the session (entries and stored files) and
// the handlers' Dir (where only the temporary spill file may appear).
func runExport(t *testing.T, c Client, args map[string]any) (*fakeSession, string) {
	t.Helper()
	reg, dir := exportHarness(t, c)
	s := &fakeSession{}
	req := &integration.Request{Command: Search, Params: validParams(), Args: args, InvestigationID: "77"}
	if err := reg[Search].Run(context.Background(), req, s); err != nil {
		t.Fatal(err)
	}
	if len(s.calls) != 0 {
		t.Errorf("engine calls %v, want none", s.calls)
	}
	return s, dir
}

var exportArgs = map[string]any{"start_date": "2021-01-01", "end_date": "2021-01-02", "as_file": "true", "result_size": "100"}

// exportLines reads the file of the file entry, as the session stored it, and checks the
// entry shape and the summary.
func exportLines(t *testing.T, s *fakeSession) ([]string, SearchSummary) {
	t.Helper()
	entries := s.entries
	if len(entries) < 2 {
		t.Fatalf("%d entries, want a file entry and a summary", len(entries))
	}
	f, note := entries[0], entries[1]
	if f.Type != integration.EntryFile || f.ContentsFormat != "text" || f.Contents != "" ||
		f.File != "o365-auditlog-20210101T000000Z-20210102T000000Z.jsonl" || len(f.FileID) != 36 {
		t.Errorf("file entry %+v", f)
	}
	sum, ok := note.EntryContext[SummaryContextKey].(SearchSummary)
	if note.Type != integration.EntryNote || !ok || len(note.EntryContext) != 1 || !reflect.DeepEqual(note.Contents, sum) {
		t.Fatalf("summary entry %+v", note)
	}
	if sum.File != f.File || sum.FileID != f.FileID || sum.StartDate != "2021-01-01T00:00:00Z" || sum.EndDate != "2021-01-02T00:00:00Z" {
		t.Errorf("summary %+v", sum)
	}
	if !strings.HasPrefix(note.HumanReadable, "### Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00\n") {
		t.Errorf("HumanReadable %q", note.HumanReadable)
	}
	b, ok := s.files[f.FileID]
	if !ok || len(s.files) != 1 {
		t.Fatalf("stored files %v, want one under the entry's FileID %s", len(s.files), f.FileID)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(b) > 0 && !strings.HasSuffix(string(b), "\n") {
		t.Error("the last line has no newline")
	}
	if sum.Count != len(lines) {
		t.Errorf("Count %d, file has %d lines", sum.Count, len(lines))
	}
	return lines, sum
}

func exportIDs(t *testing.T, lines []string) string {
	t.Helper()
	var out []string
	for _, l := range lines {
		var r struct{ Id string }
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, r.Id)
	}
	return strings.Join(out, ",")
}

func TestExportFromResult(t *testing.T) {
	c := &fakeClient{result: &auditsearch.Result{Records: []auditsearch.Record{exportRow("b", 5), exportRow("a", 9), exportRow("c", 5)}}}
	s, _ := runExport(t, c, exportArgs)
	entries := s.entries
	lines, sum := exportLines(t, s)
	if got := exportIDs(t, lines); got != "a,b,c" {
		t.Errorf("order %s, want newest first, ties by Id", got)
	}
	if !sum.Complete || sum.Count != 3 || len(entries) != 2 {
		t.Errorf("summary %+v, %d entries", sum, len(entries))
	}
	if lines[0] != `{"Id":"a","CreationTime":"2021-01-01T00:00:09","N":12345678901234567890}` {
		t.Errorf("line not canonical compact JSON with the exact number: %s", lines[0])
	}
	if len(c.queries) != 1 || c.queries[0].ResultSize != 100 {
		t.Errorf("queries %+v", c.queries)
	}
}

func TestExportStreamsWindows(t *testing.T) {
	c := &streamClient{
		windows: [][]auditsearch.Record{
			{exportRow("w1-old", 10), exportRow("edge", 20), exportRow("w1-new", 19), exportRow("w1-new", 19)}, // a duplicate inside
			{exportRow("edge", 20), exportRow("w2", 30), exportRow("w2b", 25)},                                 // shares the boundary
			{},
		},
		fakeClient: fakeClient{result: &auditsearch.Result{Records: []auditsearch.Record{exportRow("probe", 40)}}},
	}
	s, _ := runExport(t, c, exportArgs)
	lines, sum := exportLines(t, s)
	if got := exportIDs(t, lines); got != "probe,w2,w2b,edge,w1-new,w1-old" {
		t.Errorf("records %s", got)
	}
	if sum.Count != 6 || !sum.Complete {
		t.Errorf("summary %+v", sum)
	}
	s, dir := runExport(t, c, map[string]any{"start_date": "2021-01-01", "end_date": "2021-01-02", "as_file": true, "result_size": 3})
	lines, sum = exportLines(t, s)
	if got := exportIDs(t, lines); got != "probe,w2,w2b" || sum.Count != 3 {
		t.Errorf("result_size 3: %s, %+v", got, sum)
	}
	if !strings.Contains(s.entries[1].HumanReadable, "result_size limit") {
		t.Errorf("HumanReadable %q should say the limit was reached", s.entries[1].HumanReadable)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left in the handlers' Dir: %v", left)
	}
}

func TestExportEmptyAndIncomplete(t *testing.T) {
	w := auditsearch.Window{Start: utc(2021, 1, 1, 5, 0, 0), End: utc(2021, 1, 1, 5, 0, 1)}
	c := &fakeClient{result: &auditsearch.Result{Incomplete: []auditsearch.Window{w}}}
	s, _ := runExport(t, c, exportArgs)
	entries := s.entries
	lines, sum := exportLines(t, s)
	if len(lines) != 0 || sum.Count != 0 || sum.Complete {
		t.Errorf("lines %d, summary %+v", len(lines), sum)
	}
	if len(entries) != 3 || entries[2].Type != integration.EntryWarning || !strings.Contains(entries[2].Contents.(string), "2021-01-01T05:00:00Z") {
		t.Errorf("want the incomplete warning: %+v", entries)
	}
}

func TestExportUnreadableRecord(t *testing.T) {
	bad := auditsearch.Record{ID: "x", AuditData: json.RawMessage(`{"Id":`)}
	for name, c := range map[string]Client{
		"result": &fakeClient{result: &auditsearch.Result{Records: []auditsearch.Record{bad}}},
		"stream": &streamClient{windows: [][]auditsearch.Record{{bad}}},
	} {
		t.Run(name, func(t *testing.T) {
			reg, dir := exportHarness(t, c)
			req := &integration.Request{Command: Search, Params: validParams(), Args: exportArgs, InvestigationID: "77"}
			s := &fakeSession{}
			err := reg[Search].Run(context.Background(), req, s)
			if err == nil || !strings.HasPrefix(err.Error(), "Exchange Online returned an audit record that cannot be read") {
				t.Errorf("error %v", err)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 || len(s.files) != 0 {
				t.Errorf("files left behind: %v, stored: %d", left, len(s.files))
			}
		})
	}
}

// TestExportStoreFails: when the session cannot store the file, the analyst reads what to
// check, and the spill file is gone.
func TestExportStoreFails(t *testing.T) {
	c := &fakeClient{result: &auditsearch.Result{Records: []auditsearch.Record{exportRow("a", 1)}}}
	reg, dir := exportHarness(t, c)
	s := &fakeSession{fileErr: errors.New("no space left on device")}
	req := &integration.Request{Command: Search, Params: validParams(), Args: exportArgs, InvestigationID: "77"}
	err := reg[Search].Run(context.Background(), req, s)
	require.Error(t, err)
	assert.Equal(t, "The audit records could not be written to the export file (no space left on device). "+
		"Check the free space and permissions of the integration's working directory, or narrow the search.", err.Error())
	assert.Empty(t, s.entries)
	left, _ := os.ReadDir(dir)
	assert.Empty(t, left)
}

// TestLowerMemoryLimit: an export lowers the soft memory limit for its duration and puts
// the previous one back; a limit already lower (GOMEMLIMIT) is kept.
func TestLowerMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })

	debug.SetMemoryLimit(math.MaxInt64)
	restore := lowerMemoryLimit(exportMemoryLimit)
	require.Equal(t, int64(exportMemoryLimit), debug.SetMemoryLimit(-1))
	restore()
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))

	debug.SetMemoryLimit(100 << 20)
	restore = lowerMemoryLimit(exportMemoryLimit)
	require.Equal(t, int64(100<<20), debug.SetMemoryLimit(-1))
	restore()
	require.Equal(t, int64(100<<20), debug.SetMemoryLimit(-1))
}
