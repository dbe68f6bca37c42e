package graphclient

import (
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	win := func(a, b time.Duration) auditsearch.Window {
		return auditsearch.Window{Start: t0.Add(a), End: t0.Add(b)}
	}
	cases := []struct {
		name   string
		w      auditsearch.Window
		a, b   auditsearch.Window
		splits bool
	}{
		{name: "a day", w: win(0, 24*time.Hour), a: win(0, 12*time.Hour), b: win(12*time.Hour, 24*time.Hour), splits: true},
		{name: "three seconds", w: win(0, 3*time.Second), a: win(0, time.Second), b: win(time.Second, 3*time.Second), splits: true},
		{name: "two seconds", w: win(0, 2*time.Second), a: win(0, time.Second), b: win(time.Second, 2*time.Second), splits: true},
		{name: "one second", w: win(0, time.Second)},
		{name: "fractional", w: win(500*time.Millisecond, 1800*time.Millisecond), a: win(500*time.Millisecond, time.Second), b: win(time.Second, 1800*time.Millisecond), splits: true},
		{name: "under a second", w: win(200*time.Millisecond, 1100*time.Millisecond)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b, ok := splitWindow(c.w)
			require.Equal(t, c.splits, ok)
			if ok {
				assert.Equal(t, c.a, a)
				assert.Equal(t, c.b, b)
			}
		})
	}
}

func TestToRecordIgnoresEnvelopeUserFields(t *testing.T) {
	w := &wireRecord{ID: "env-id", CreatedDateTime: "2026-07-23T22:01:22Z", AuditLogRecordType: "azureActiveDirectoryStsLogon", Operation: "UserLoggedIn",
		AuditData: []byte(`{"@odata.type":"#microsoft.graph.security.auditData","CreationTime":"2026-07-23T22:01:22.0480000","Id":"a1","Operation":"UserLoggedIn","RecordType@odata.type":"#Int32","RecordType":15,"UserId":"ann@contoso.com","UserKey":"1003BFFD"}`)}
	r, err := toRecord(w)
	require.NoError(t, err)
	assert.Equal(t, "a1", r.ID)
	assert.Equal(t, time.Date(2026, 7, 23, 22, 1, 22, 48000000, time.UTC), r.CreationTime)
	assert.Equal(t, "AzureActiveDirectoryStsLogon", r.RecordType)
	assert.Equal(t, "UserLoggedIn", r.Operations)
	assert.Equal(t, "ann@contoso.com", r.UserIDs)
	assert.Equal(t, `{"CreationTime":"2026-07-23T22:01:22.0480000","Id":"a1","Operation":"UserLoggedIn","RecordType":15,"UserId":"ann@contoso.com","UserKey":"1003BFFD"}`, string(r.AuditData))

	// Without Id, CreationTime and RecordType inside, the envelope's are used.
	r, err = toRecord(&wireRecord{ID: "env-id", CreatedDateTime: "2026-07-23T22:01:22Z", AuditLogRecordType: "mipLabel", AuditData: []byte(`{"X":1}`)})
	require.NoError(t, err)
	assert.Equal(t, "env-id", r.ID)
	assert.Equal(t, time.Date(2026, 7, 23, 22, 1, 22, 0, time.UTC), r.CreationTime)
	assert.Equal(t, "MIPLabel", r.RecordType)

	_, err = toRecord(&wireRecord{ID: "x", AuditData: []byte(`"text"`)})
	assert.True(t, isType[*RecordError](err), "%v", err)
}

func TestCreateBody(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600))
	w := auditsearch.Window{Start: t0, End: t0.Add(time.Hour)}
	b, err := newCreateBody(w, auditsearch.Filters{RecordType: "azureactivedirectory", Operations: []string{"UserLoggedIn"}, UserIDs: []string{"a@b.c"},
		IPAddresses: []string{"1.2.3.4"}, ObjectIDs: []string{"o*"}, FreeText: "secret"}, t0.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "o365auditlog 2025-12-31T23:00:00Z/2026-01-01T00:00:00Z submitted 2026-01-01T01:00:00Z", b.DisplayName)
	assert.Equal(t, t0.Add(2*time.Hour).UTC(), queryInfo{DisplayName: b.DisplayName}.submitted(), "read back by a later execution")
	assert.True(t, queryInfo{DisplayName: "someone else's"}.submitted().IsZero())
	assert.Equal(t, "2025-12-31T23:00:00Z", b.FilterStartDateTime)
	assert.Equal(t, "2026-01-01T00:00:00Z", b.FilterEndDateTime)
	assert.Equal(t, []string{"AzureActiveDirectory"}, b.RecordTypeFilters)
	assert.Equal(t, "secret", b.KeywordFilter)
	assert.Equal(t, []string{"o*"}, b.ObjectIDFilters)

	b, err = newCreateBody(w, auditsearch.Filters{RecordType: "SomeFutureType"}, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []string{"SomeFutureType"}, b.RecordTypeFilters, "a name the table does not know is sent as given")

	b, err = newCreateBody(w, auditsearch.Filters{RecordTypes: []string{"ExchangeAdmin", "SharePointFileOperation"}}, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []string{"ExchangeAdmin", "SharePointFileOperation"}, b.RecordTypeFilters, "Graph takes the list in one query")

	_, err = newCreateBody(w, auditsearch.Filters{RecordTypes: []string{"ExchangeAdmin", "MicrosoftTeamsAddOns"}}, time.Time{})
	assert.True(t, isType[*RecordTypeError](err), "%v", err)

	_, err = newCreateBody(w, auditsearch.Filters{RecordType: "MicrosoftTeamsAddOns"}, time.Time{})
	assert.True(t, isType[*RecordTypeError](err), "%v", err)
}

func TestQueryInfoTruncated(t *testing.T) {
	yes, no := true, false
	assert.True(t, queryInfo{IsRecordCountLimitExceeded: &yes}.truncated())
	assert.False(t, queryInfo{IsRecordCountLimitExceeded: &no, RecordCountLimit: []byte("5"), ApproximateReturnedRecordCount: []byte("5")}.truncated())
	assert.True(t, queryInfo{RecordCountLimit: []byte(`"1000000"`), ApproximateReturnedRecordCount: []byte("1000000")}.truncated(), "no flag: the count reached the limit")
	assert.False(t, queryInfo{}.truncated())
}
