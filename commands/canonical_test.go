package commands

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/contextout"
)

// The backend's Canonical is used as is; the rows without one are sanitised here, in place,
// and an unreadable one is named by its position in the whole list.
func TestCanonicalRecords(t *testing.T) {
	sanitised, err := contextout.Record([]byte(`{"Id":"b","S":"caf\u00e9"}`))
	require.NoError(t, err)
	rows := []auditsearch.Record{
		{AuditData: json.RawMessage(`{ "Id" : "a" }`)},
		// A backend's Canonical wins over AuditData: the two differ here only so that the
		// test can tell which one was used.
		{AuditData: json.RawMessage(`{"Id":"b","S":"caf\u00e9"}`), Canonical: sanitised},
		{AuditData: json.RawMessage(`{"Id":"c",  "N":1.50}`)},
	}
	got, err := canonicalRecords(rows)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, `{"Id":"a"}`, string(got[0]))
	assert.Equal(t, `{"Id":"b","S":"café"}`, string(got[1]))
	assert.Equal(t, `{"Id":"c","N":1.50}`, string(got[2]))

	one, err := canonicalRecord(&rows[1])
	require.NoError(t, err)
	assert.Equal(t, string(sanitised), string(one))

	rows = append(rows, auditsearch.Record{AuditData: json.RawMessage(`[1]`)})
	_, err = canonicalRecords(rows)
	var re *contextout.RecordError
	require.True(t, errors.As(err, &re), err)
	assert.Equal(t, 3, re.Index, "the position in the whole list, not among the rows sanitised here")
}
