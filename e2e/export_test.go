package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExportAsFile runs as_file=true through the binary: the newest result_size records of
// the window, newest first and unique, land as JSON Lines in the working directory under
// "<investigation id>_<FileID>", with a file entry and only a summary in the context. The
// set is above 5,000, so sessions and split windows (and duplicates) are involved.
func TestExportAsFile(t *testing.T) {
	em := startEmulator(t, emulator.Options{Records: 12000, Days: 2, Seed: 11,
		Faults: map[string]float64{"duplicate": 0.3}})
	p := startPlugin(t, em)
	start, end := window(em)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := p.exec(ctx, "o365-auditlog-search", em.Params(), map[string]any{
		"start_date": rfc(start), "end_date": rfc(end), "result_size": "11000", "as_file": "true"})
	require.Empty(t, out.errors(), "stderr:\n%s", out.Stderr)
	require.Len(t, out.Entries, 2, "a file entry and a summary")

	file, note := out.Entries[0], out.Entries[1]
	assert.Equal(t, 3, file.Type)
	assert.Equal(t, "text", file.ContentsFormat)
	assert.JSONEq(t, `""`, string(file.Contents))
	assert.Equal(t, "o365-auditlog-"+start.UTC().Format("20060102T150405Z")+"-"+end.UTC().Format("20060102T150405Z")+".jsonl", file.File)
	require.Len(t, file.FileID, 36)

	assert.Equal(t, 1, note.Type)
	require.Len(t, note.EntryContext, 1, "only the summary: no records in the context")
	var sum struct {
		StartDate, EndDate string
		Count              int
		Complete           bool
		File, FileID       string
	}
	require.NoError(t, json.Unmarshal(note.EntryContext["O365AuditLogSearch"], &sum))
	assert.Equal(t, 11000, sum.Count)
	assert.True(t, sum.Complete)
	assert.Equal(t, file.File, sum.File)
	assert.Equal(t, file.FileID, sum.FileID)
	assert.Equal(t, rfc(start), sum.StartDate)
	assert.True(t, strings.HasPrefix(note.HumanReadable, "### Audit log from "), note.HumanReadable)

	got := readExport(t, filepath.Join(p.Cmd.Dir, "42_"+file.FileID))
	want := em.GroundTruth(emulator.Query{Start: start, End: end})[:11000]
	require.Equal(t, len(want), len(got))
	assert.Equal(t, want, got, "the newest 11,000, newest first, each once")
}

// readExport returns the Ids of a JSON Lines export, checking each line is a record.
func readExport(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), "line %d", len(ids)+1)
		ids = append(ids, r.ID)
	}
	require.NoError(t, sc.Err())
	return ids
}
