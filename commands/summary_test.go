package commands

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/integration"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wireEntry is an entry as the engine reads it off the plugin's stdout, context kept raw
// so that the tests see the JSON types written, not Go's.
type wireEntry struct {
	Type           int                        `json:"Type"`
	ContentsFormat string                     `json:"ContentsFormat"`
	Contents       json.RawMessage            `json:"Contents"`
	HumanReadable  string                     `json:"HumanReadable"`
	EntryContext   map[string]json.RawMessage `json:"EntryContext"`
	File           string                     `json:"File"`
	FileID         string                     `json:"FileID"`
}

// serveSearch runs one o365-auditlog-search through the protocol loop (the streaming
// writer included) with client c, and returns the entries written and the working dir.
func serveSearch(t *testing.T, c Client, args map[string]any) ([]wireEntry, string) {
	t.Helper()
	dir := t.TempDir()
	reg := RegistryWith(Options{
		Now:       func() time.Time { return testNow },
		NewClient: func(auditsearch.Config) (Client, error) { return c, nil },
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Dir:       dir,
	})
	line, err := json.Marshal(map[string]any{"command": Search, "params": validParams(), "args": args,
		"context": map[string]any{"Inv": map[string]any{"id": "9"}}})
	require.NoError(t, err)
	var out bytes.Buffer
	srv := integration.Server{Stdin: bytes.NewReader(append(line, '\n')), Stdout: &out, Registry: reg, FileDir: dir}
	require.NoError(t, srv.Serve(context.Background()))

	var entries []wireEntry
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var msg struct {
			Type    string      `json:"type"`
			Results []wireEntry `json:"results"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &msg), "protocol line %s", sc.Bytes())
		entries = append(entries, msg.Results...)
	}
	require.NoError(t, sc.Err())
	for _, e := range entries {
		require.NotEqual(t, integration.EntryError, e.Type, "error entry: %s", e.Contents)
	}
	return entries, dir
}

// wireSummary decodes the summary of e, checking each field's JSON type on the way.
func wireSummary(t *testing.T, e wireEntry) map[string]any {
	t.Helper()
	raw, ok := e.EntryContext[SummaryContextKey]
	require.True(t, ok, "no %s in %v", SummaryContextKey, e.EntryContext)
	var sum map[string]any
	require.NoError(t, json.Unmarshal(raw, &sum))
	for key, want := range map[string]any{"StartDate": "", "EndDate": "", "Count": float64(0),
		"Complete": false, "Backend": "", "IncompleteWindows": []any{}} {
		require.Contains(t, sum, key)
		assert.IsType(t, want, sum[key], "%s in %s", key, raw)
	}
	return sum
}

// windowsOf is IncompleteWindows as Start/End pairs.
func windowsOf(t *testing.T, sum map[string]any) [][2]string {
	t.Helper()
	list, ok := sum["IncompleteWindows"].([]any)
	require.True(t, ok, "IncompleteWindows is %#v, want a JSON list", sum["IncompleteWindows"])
	var out [][2]string
	for _, w := range list {
		m, ok := w.(map[string]any)
		require.True(t, ok, "window %v", w)
		require.Len(t, m, 2)
		out = append(out, [2]string{m["Start"].(string), m["End"].(string)})
	}
	return out
}

var summaryArgs = map[string]any{"start_date": "01/01/21", "end_date": "01/02/21", "result_size": "100"}

func rowsN(n int) []auditsearch.Record {
	rows := make([]auditsearch.Record, n)
	for i := range rows {
		rows[i] = exportRow(string(rune('a'+i%26))+strings.Repeat("x", i/26), 100-i)
	}
	return rows
}

// incompleteAt are one-second windows starting at the given seconds of 2021-01-01 10:00,
// the first one written in a non-UTC zone (the summary must say UTC).
func incompleteAt(secs ...int) []auditsearch.Window {
	var ws []auditsearch.Window
	for i, s := range secs {
		start := utc(2021, 1, 1, 10, 0, 0).Add(time.Duration(s) * time.Second)
		if i == 0 {
			start = start.In(time.FixedZone("CET", 3600))
		}
		ws = append(ws, auditsearch.Window{Start: start, End: start.Add(time.Second)})
	}
	return ws
}

// TestSearchSummary: every search puts one summary under O365AuditLogSearch, with the
// window used, the records returned, Complete and the incomplete windows, next to the
// records, on the empty text entry, or (as_file) on the summary note with File and FileID.
// The entries' Contents and warnings stay as they were.
func TestSearchSummary(t *testing.T) {
	twoWindows := [][2]string{{"2021-01-01T10:00:00Z", "2021-01-01T10:00:01Z"}, {"2021-01-01T10:00:05Z", "2021-01-01T10:00:06Z"}}
	cases := []struct {
		name       string
		result     *auditsearch.Result
		asFile     bool
		count      int
		complete   bool
		windows    [][2]string
		wantTypes  []int // entry types, in order
		summaryIdx int   // the entry carrying the summary
	}{
		{name: "records", result: &auditsearch.Result{Records: rowsN(3)}, count: 3, complete: true,
			wantTypes: []int{1}},
		{name: "empty", result: &auditsearch.Result{}, count: 0, complete: true, wantTypes: []int{1}},
		{name: "nil result", result: nil, count: 0, complete: true, wantTypes: []int{1}},
		{name: "incomplete records", result: &auditsearch.Result{Records: rowsN(2), Incomplete: incompleteAt(0, 5)},
			count: 2, windows: twoWindows, wantTypes: []int{1, 11}},
		{name: "incomplete and empty", result: &auditsearch.Result{Incomplete: incompleteAt(0, 5)},
			count: 0, windows: twoWindows, wantTypes: []int{1, 11}},
		{name: "as_file", result: &auditsearch.Result{Records: rowsN(4)}, asFile: true, count: 4, complete: true,
			wantTypes: []int{3, 1}, summaryIdx: 1},
		{name: "as_file empty", result: &auditsearch.Result{}, asFile: true, count: 0, complete: true,
			wantTypes: []int{3, 1}, summaryIdx: 1},
		{name: "as_file incomplete", result: &auditsearch.Result{Records: rowsN(4), Incomplete: incompleteAt(0, 5)}, asFile: true,
			count: 4, windows: twoWindows, wantTypes: []int{3, 1, 11}, summaryIdx: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := map[string]any{}
			for k, v := range summaryArgs {
				args[k] = v
			}
			if tc.asFile {
				args["as_file"] = "true"
			}
			entries, dir := serveSearch(t, &fakeClient{result: tc.result}, args)
			var types []int
			for _, e := range entries {
				types = append(types, e.Type)
			}
			require.Equal(t, tc.wantTypes, types)
			for i, e := range entries {
				if i != tc.summaryIdx {
					assert.NotContains(t, e.EntryContext, SummaryContextKey, "entry %d", i)
				}
			}

			e := entries[tc.summaryIdx]
			sum := wireSummary(t, e)
			assert.Equal(t, "2021-01-01T00:00:00Z", sum["StartDate"])
			assert.Equal(t, "2021-01-02T00:00:00Z", sum["EndDate"])
			assert.Equal(t, float64(tc.count), sum["Count"])
			assert.Equal(t, tc.complete, sum["Complete"])
			assert.Equal(t, "exchange", sum["Backend"])
			assert.Equal(t, tc.windows, windowsOf(t, sum))
			if tc.complete {
				assert.Contains(t, string(e.EntryContext[SummaryContextKey]), `"IncompleteWindows":[]`, "an empty list, not null")
			}

			switch {
			case tc.asFile:
				file := entries[0]
				assert.Equal(t, file.File, sum["File"])
				assert.Equal(t, file.FileID, sum["FileID"])
				assert.Len(t, e.EntryContext, 1, "no records in the context of an export")
				b, err := os.ReadFile(filepath.Join(dir, "9_"+file.FileID))
				require.NoError(t, err)
				assert.Equal(t, tc.count, strings.Count(string(b), "\n"), "Count is the lines written")
				assert.JSONEq(t, string(e.EntryContext[SummaryContextKey]), string(e.Contents), "the note's Contents is the summary")
			case tc.count == 0:
				assert.NotContains(t, sum, "File")
				assert.Equal(t, "text", e.ContentsFormat)
				assert.JSONEq(t, `"Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00 is empty"`, string(e.Contents))
				assert.Empty(t, e.HumanReadable)
				assert.Len(t, e.EntryContext, 1)
			default:
				assert.NotContains(t, sum, "File")
				assert.NotContains(t, sum, "FileID")
				assert.Len(t, e.EntryContext, 2, "the records and the summary")
				records := e.EntryContext["O365AuditLog(val.Id && val.Id == obj.Id)"]
				assert.JSONEq(t, string(records), string(e.Contents), "Contents is the records list, as before")
				var list []json.RawMessage
				require.NoError(t, json.Unmarshal(records, &list))
				assert.Len(t, list, tc.count)
			}
			if !tc.complete {
				assert.Contains(t, entries[len(entries)-1].text(), "2 one-second window(s)", "the warning stays")
			}
		})
	}
}

func (e wireEntry) text() string {
	var s string
	_ = json.Unmarshal(e.Contents, &s)
	return s
}

// TestSummaryWindowsCapped: at most 100 incomplete windows in the context (the first 100,
// in UTC); the warning still counts them all.
func TestSummaryWindowsCapped(t *testing.T) {
	secs := make([]int, 150)
	for i := range secs {
		secs[i] = i * 2
	}
	for _, asFile := range []bool{false, true} {
		name := "records"
		args := map[string]any{"start_date": "01/01/21", "end_date": "01/02/21"}
		if asFile {
			name, args["as_file"] = "as_file", "true"
		}
		t.Run(name, func(t *testing.T) {
			entries, _ := serveSearch(t, &fakeClient{result: &auditsearch.Result{Records: rowsN(1), Incomplete: incompleteAt(secs...)}}, args)
			var sum map[string]any
			for _, e := range entries {
				if _, ok := e.EntryContext[SummaryContextKey]; ok {
					sum = wireSummary(t, e)
				}
			}
			require.NotNil(t, sum)
			assert.Equal(t, false, sum["Complete"])
			ws := windowsOf(t, sum)
			require.Len(t, ws, 100)
			assert.Equal(t, [2]string{"2021-01-01T10:00:00Z", "2021-01-01T10:00:01Z"}, ws[0])
			assert.Equal(t, [2]string{"2021-01-01T10:03:18Z", "2021-01-01T10:03:19Z"}, ws[99])
			assert.Contains(t, entries[len(entries)-1].text(), "150 one-second window(s)")
		})
	}
}

// TestNewSummary: the summary as a value, for the window exactly at the cap and an
// absent list.
func TestNewSummary(t *testing.T) {
	args := SearchArgs{Start: utc(2021, 1, 1, 0, 0, 0).In(time.FixedZone("x", -7200)), End: utc(2021, 1, 2, 0, 0, 0)}
	sum := newSummary(args, 7, &auditsearch.Result{})
	assert.Equal(t, SearchSummary{StartDate: "2021-01-01T00:00:00Z", EndDate: "2021-01-02T00:00:00Z", Count: 7,
		Complete: true, Backend: "exchange", IncompleteWindows: []SummaryWindow{}}, sum)

	ws := make([]auditsearch.Window, maxSummaryWindows)
	sum = newSummary(args, 0, &auditsearch.Result{Incomplete: ws})
	assert.Len(t, sum.IncompleteWindows, maxSummaryWindows)
	assert.False(t, sum.Complete)

	b, err := json.Marshal(newSummary(args, 0, &auditsearch.Result{}))
	require.NoError(t, err)
	assert.JSONEq(t, `{"StartDate":"2021-01-01T00:00:00Z","EndDate":"2021-01-02T00:00:00Z","Count":0,"Complete":true,"Backend":"exchange","IncompleteWindows":[]}`, string(b))
}
