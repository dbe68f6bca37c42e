package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listTypes are three record types the emulator's data set holds, by name and number.
var listTypes = []string{"ExchangeItem", "SharePointFileOperation", "15"}

// unionTruth is the ground truth of a record_type list: the union of each type's exact
// answer (the emulator's own filtering), each Id once.
func unionTruth(em *emulator.Emulator, start, end time.Time) []string {
	var all []string
	for _, typ := range listTypes {
		for _, id := range em.GroundTruth(emulator.Query{Start: start, End: end, RecordType: typ}) {
			if !slices.Contains(all, id) {
				all = append(all, id)
			}
		}
	}
	return all
}

// TestRecordTypeListIsTheExactUnion: a list of three types through the binary is exactly
// the union of the three ground truths, newest first, unique; with a smaller result_size
// it is the newest of that union. The default (live) profile caps plain calls, so this is
// exact only if every per-type search is (issue 16 item 2).
func TestRecordTypeListIsTheExactUnion(t *testing.T) {
	em := startEmulator(t, emulator.Options{Records: 3000, Days: 2, Seed: 5})
	p := startPlugin(t, em)
	start, end := window(em)
	truth := unionTruth(em, start, end)
	require.Greater(t, len(truth), 300)

	em.ResetRequests()
	all, _ := searchRecords(t, p, em.Params(), map[string]any{
		"start_date": rfc(start), "end_date": rfc(end), "result_size": "0", "record_type": strings.Join(listTypes, ", ")})
	assert.ElementsMatch(t, truth, ids(all), "exactly the union")
	assertNewestFirst(t, all)
	var sent []string
	for _, r := range em.Requests() {
		if rt, ok := r.Parameters["RecordType"].(string); ok && !slices.Contains(sent, rt) {
			sent = append(sent, rt)
		}
	}
	assert.ElementsMatch(t, []string{"ExchangeItem", "SharePointFileOperation", "AzureActiveDirectoryStsLogon"}, sent,
		"one query per type, each with one RecordType")

	newest, _ := searchRecords(t, p, em.Params(), map[string]any{
		"start_date": rfc(start), "end_date": rfc(end), "result_size": "250", "record_type": `["ExchangeItem","SharePointFileOperation","15"]`})
	assert.Equal(t, ids(all)[:250], ids(newest), "the newest 250 of the union")
}

// TestObjectIDsAndHighCompletenessReachTheRequest: object_ids travel as the ObjectIds array
// (a trailing * untouched) and the result is the service's own filtering; high_completeness
// sends HighCompleteness: true, and nothing when false (issue 16 items 3 and 4).
func TestObjectIDsAndHighCompletenessReachTheRequest(t *testing.T) {
	em := startEmulator(t, emulator.Options{Records: 2000, Days: 2, Seed: 9})
	p := startPlugin(t, em)
	start, end := window(em)
	var rec struct{ ObjectId string } //nolint:revive // the record's own key
	out := p.exec(context.Background(), "o365-auditlog-search", em.Params(), map[string]any{
		"start_date": rfc(start), "end_date": rfc(end), "result_size": "1", "record_type": "SharePointFileOperation"})
	var recs []json.RawMessage
	for _, e := range out.Entries {
		if e.Type == 1 && e.ContentsFormat == "json" {
			require.NoError(t, json.Unmarshal(e.Contents, &recs))
		}
	}
	require.Len(t, recs, 1)
	require.NoError(t, json.Unmarshal(recs[0], &rec))
	require.NotEmpty(t, rec.ObjectId)
	objectID := rec.ObjectId
	prefix := objectID[:strings.LastIndex(objectID, "/")+1] + "*"

	em.ResetRequests()
	got, _ := searchRecords(t, p, em.Params(), map[string]any{"start_date": rfc(start), "end_date": rfc(end),
		"result_size": "5000", "object_ids": `["` + objectID + `", "` + prefix + `"]`, "high_completeness": "false"})
	reqs := em.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, []any{objectID, prefix}, reqs[0].Parameters["ObjectIds"])
	_, present := reqs[0].Parameters["HighCompleteness"]
	assert.False(t, present, "high_completeness=false sends no switch")
	truth := em.GroundTruth(emulator.Query{Start: start, End: end, ObjectIDs: []string{objectID, prefix}})
	require.NotEmpty(t, truth)
	assert.Equal(t, truth, ids(got))

	em.ResetRequests()
	hc, _ := searchRecords(t, p, em.Params(), map[string]any{"start_date": rfc(start), "end_date": rfc(end),
		"result_size": "5", "high_completeness": "true"})
	reqs = em.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, true, reqs[0].Parameters["HighCompleteness"])
	// The service accepts the switch: the search answers the newest five.
	assert.Equal(t, em.GroundTruth(emulator.Query{Start: start, End: end})[:5], ids(hc))
}

// TestRunSavesTheAnnouncedFile: `run … as_file=true` leaves the announced .jsonl in --out,
// exact and newest first, prints its path on stderr, and never overwrites (issue 16 item 7).
func TestRunSavesTheAnnouncedFile(t *testing.T) {
	em := startEmulator(t, emulator.Options{Records: 2000, Days: 2, Seed: 11})
	dir := t.TempDir()
	require.NoError(t, em.WriteStateDir(dir))
	out := filepath.Join(dir, "out")
	require.NoError(t, os.Mkdir(out, 0o755))
	start, end := window(em)
	line := `!o365-auditlog-search start_date=` + rfc(start) + ` end_date=` + rfc(end) +
		` result_size=700 as_file=true record_type="ExchangeItem,SharePointFileOperation,15"`
	name := "o365-auditlog-" + start.UTC().Format("20060102T150405Z") + "-" + end.UTC().Format("20060102T150405Z") + ".jsonl"
	truth := unionTruth(em, start, end)
	require.Greater(t, len(truth), 700)
	// The in-memory search of the same list, checked exact against the ground truth by
	// TestRecordTypeListIsTheExactUnion, is what the file must hold.
	want, _ := searchRecords(t, startPlugin(t, em), em.Params(), map[string]any{"start_date": rfc(start), "end_date": rfc(end),
		"result_size": "700", "record_type": "ExchangeItem,SharePointFileOperation,15"})
	require.Len(t, want, 700)

	for i, file := range []string{name, strings.TrimSuffix(name, ".jsonl") + "-1.jsonl"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, binary(t), "run", "--params", filepath.Join(dir, "params.json"), "--out", out, line)
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+filepath.Join(dir, "ca.pem"))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		require.NoError(t, err, "run %d; stderr:\n%s", i, stderr.String())
		path := filepath.Join(out, file)
		assert.Contains(t, stderr.String(), path)
		assert.Contains(t, stdout.String(), "were written to the file")
		f, err := os.Open(path)
		require.NoError(t, err)
		var recs []record
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var r record
			require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
			recs = append(recs, r)
		}
		require.NoError(t, sc.Err())
		f.Close()
		assert.Equal(t, ids(want), ids(recs), "the newest 700 of the union, newest first")
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "only the two files: no private directory, no run_<uuid> left")
}
