package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const summaryKey = "O365AuditLogSearch"

// TestSearchSummary: through the binary, a search with records carries the summary next
// to the records in the same EntryContext, and an empty search carries it on its text entry;
// JSON types as DESIGN §5 says (Count a number, Complete a bool, IncompleteWindows a list).
func TestSearchSummary(t *testing.T) {
	em := startEmulator(t, emulator.Options{Records: 500, Days: 2, Seed: 5})
	p := startPlugin(t, em)
	start, end := window(em)

	t.Run("records", func(t *testing.T) {
		recs, out := searchRecords(t, p, em.Params(), map[string]any{
			"start_date": rfc(start), "end_date": rfc(end), "result_size": "25"})
		require.Len(t, recs, 25)
		require.Len(t, out.Entries, 1, "the records entry only: the result is complete")
		e := out.Entries[0]
		assert.Len(t, e.EntryContext, 2, "the records and the summary")
		assert.JSONEq(t, string(e.Contents), string(e.EntryContext[contextKey]))
		assertSummary(t, e.EntryContext[summaryKey], start, end, 25)
	})

	t.Run("empty", func(t *testing.T) {
		first, _ := em.TimeRange()
		emptyStart, emptyEnd := first.Add(-48*time.Hour).Truncate(time.Second), first.Add(-24*time.Hour).Truncate(time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out := p.exec(ctx, "o365-auditlog-search", em.Params(), map[string]any{
			"start_date": rfc(emptyStart), "end_date": rfc(emptyEnd)})
		require.Empty(t, out.errors(), "stderr:\n%s", out.Stderr)
		require.Len(t, out.Entries, 1)
		e := out.Entries[0]
		assert.Equal(t, 1, e.Type)
		assert.Equal(t, "text", e.ContentsFormat)
		assert.Contains(t, e.text(), "is empty")
		assert.Len(t, e.EntryContext, 1, "only the summary")
		assertSummary(t, e.EntryContext[summaryKey], emptyStart, emptyEnd, 0)
	})
}

// assertSummary checks a complete search's summary, field by field and type by type.
func assertSummary(t *testing.T, raw json.RawMessage, start, end time.Time, count int) {
	t.Helper()
	require.NotEmpty(t, raw, "no %s in the context", summaryKey)
	var sum map[string]any
	require.NoError(t, json.Unmarshal(raw, &sum))
	assert.Equal(t, map[string]any{
		"StartDate": rfc(start), "EndDate": rfc(end), "Count": float64(count), "Complete": true,
		"Backend": "exchange", "IncompleteWindows": []any{},
	}, sum, "summary %s", raw)
}
