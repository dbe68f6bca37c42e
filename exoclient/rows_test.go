package exoclient

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeRow(t *testing.T) {
	utc := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339Nano, s); return tm.UTC() }
	audit := func(fields string) string { b, _ := json.Marshal(`{` + fields + `}`); return string(b) }
	cases := []struct {
		name string
		in   string
		want Row
		err  string
	}{
		{name: "typical", in: `{"RecordType":"ExchangeAdmin","CreationDate":"2026-01-01T10:00:00","UserIds":"a@x","Operations":"Set-Mailbox","ResultIndex":3,"ResultCount":10,"Identity":"ident","AuditData":` + audit(`"Id":"id-1","CreationTime":"2026-01-01T10:00:00","N":12345678901234567890123`) + `}`,
			want: Row{ID: "id-1", CreationTime: utc("2026-01-01T10:00:00Z"), RecordType: "ExchangeAdmin", Operations: "Set-Mailbox", UserIDs: "a@x", ResultIndex: 3, ResultCount: 10,
				AuditData: json.RawMessage(`{"Id":"id-1","CreationTime":"2026-01-01T10:00:00","N":12345678901234567890123}`)}},
		{name: "record type number and string counts", in: `{"RecordType":15,"ResultIndex":"7","ResultCount":"5000","AuditData":` + audit(`"Id":"a","CreationTime":"2026-01-01T10:00:00+02:00"`) + `}`,
			want: Row{ID: "a", CreationTime: utc("2026-01-01T08:00:00Z"), RecordType: "AzureActiveDirectoryStsLogon", ResultIndex: 7, ResultCount: 5000, AuditData: json.RawMessage(`{"Id":"a","CreationTime":"2026-01-01T10:00:00+02:00"}`)}},
		{name: "unknown record type number kept", in: `{"RecordType":"99999","AuditData":` + audit(`"Id":"a"`) + `}`,
			want: Row{ID: "a", RecordType: "99999", AuditData: json.RawMessage(`{"Id":"a"}`)}},
		{name: "id falls back to Identity, time to /Date(ms)/", in: `{"Identity":"ident-2","CreationDate":"/Date(1767225600000)/","AuditData":` + audit(`"Operation":"x"`) + `}`,
			want: Row{ID: "ident-2", CreationTime: utc("2026-01-01T00:00:00Z"), AuditData: json.RawMessage(`{"Operation":"x"}`)}},
		{name: "/Date with offset", in: `{"CreationDate":"/Date(1767225600000+0100)/","AuditData":` + audit(`"Id":"b"`) + `}`,
			want: Row{ID: "b", CreationTime: utc("2026-01-01T00:00:00Z"), AuditData: json.RawMessage(`{"Id":"b"}`)}},
		{name: "fractional seconds, no zone", in: `{"AuditData":` + audit(`"Id":"c","CreationTime":"2026-01-01T00:00:00.1234567"`) + `}`,
			want: Row{ID: "c", CreationTime: utc("2026-01-01T00:00:00.1234567Z"), AuditData: json.RawMessage(`{"Id":"c","CreationTime":"2026-01-01T00:00:00.1234567"}`)}},
		{name: "arrays for user ids and operations", in: `{"UserIds":["a","b"],"Operations":["x"],"AuditData":` + audit(`"Id":"d"`) + `}`,
			want: Row{ID: "d", UserIDs: "a, b", Operations: "x", AuditData: json.RawMessage(`{"Id":"d"}`)}},
		{name: "AuditData as an object", in: `{"AuditData":{"Id":"e","V":1.50}}`,
			want: Row{ID: "e", AuditData: json.RawMessage(`{"Id":"e","V":1.50}`)}},
		{name: "keys matched as encoding/json does: any ASCII case, the last one wins", in: `{"AuditData":` + audit(`"id":"x","ID":"y","creationtime":"2026-01-01T10:00:00Z","Nested":{"Id":"z"}`) + `}`,
			want: Row{ID: "y", CreationTime: utc("2026-01-01T10:00:00Z"), AuditData: json.RawMessage(`{"id":"x","ID":"y","creationtime":"2026-01-01T10:00:00Z","Nested":{"Id":"z"}}`)}},
		{name: "record not compact: read as sent", in: `{"AuditData":` + audit(` "Id" : "f" , "V" : [ 1 ] `) + `}`,
			want: Row{ID: "f", AuditData: json.RawMessage(`{ "Id" : "f" , "V" : [ 1 ] }`)}},
		{name: "record with an escape written otherwise: Canonical rewrites it, AuditData keeps it", in: `{"AuditData":` + audit(`"Id":"h","S":"caf\u00e9 \/"`) + `}`,
			want: Row{ID: "h", AuditData: json.RawMessage(`{"Id":"h","S":"caf\u00e9 \/"}`)}},
		{name: "non-ASCII key beside Id", in: `{"AuditData":` + audit(`"Ünïcode":1,"Id":"g"`) + `}`,
			want: Row{ID: "g", AuditData: json.RawMessage(`{"Ünïcode":1,"Id":"g"}`)}},
		{name: "raw control character refused as encoding/json does", in: `{"AuditData":"{\"Id\":\"a\u0001\"}"}`, err: "does not hold a JSON object"},
		{name: "AuditData missing", in: `{"RecordType":1}`, err: "AuditData missing"},
		{name: "AuditData not JSON", in: `{"AuditData":"not json"}`, err: "JSON object"},
		{name: "AuditData a number", in: `{"AuditData":5}`, err: "neither"},
		{name: "row not an object", in: `[1]`, err: "cannot unmarshal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeRow([]byte(tc.in))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assertCanonical(t, got)
			got.Canonical = nil
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDecodePage(t *testing.T) {
	row := rowJSON("a", "2026-01-01T00:00:00Z")
	cases := []struct {
		name, body string
		limit      int64
		rows       int
		next       string
		errType    any
	}{
		{name: "rows and nextLink", body: `{"@odata.context":"x","value":[` + row + `,` + row + `],"@odata.nextLink":"https://h/n?x=1"}`, rows: 2, next: "https://h/n?x=1"},
		{name: "empty", body: `{"value":[]}`},
		{name: "null value", body: `{"value":null}`},
		{name: "no value (live empty result)", body: `{"@odata.context":"x","adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[]}`},
		{name: "empty object", body: `{}`},
		{name: "no value but a foreign field", body: `{"x":1}`, errType: new(*DecodeError)},
		{name: "truncated", body: `{"value":[` + row[:40], errType: new(*DecodeError)},
		{name: "html", body: `<html>`, errType: new(*DecodeError)},
		{name: "bad row", body: `{"value":[{"AuditData":"nope"}]}`, errType: new(*DecodeError)},
		{name: "over the limit", body: `{"value":[` + row + `]}`, limit: 64, errType: new(*PageTooLargeError)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			limit := tc.limit
			if limit == 0 {
				limit = 1 << 20
			}
			// One byte per read: the decoder must not depend on read sizes.
			rows, next, err := DecodePage(iotest.OneByteReader(strings.NewReader(tc.body)), limit)
			if tc.errType != nil {
				require.True(t, errors.As(err, tc.errType), err)
				return
			}
			require.NoError(t, err)
			assert.Len(t, rows, tc.rows)
			assert.Equal(t, tc.next, next)
		})
	}
}

func TestParseTime(t *testing.T) {
	cases := map[string]string{
		"2026-01-01T10:00:00Z":        "2026-01-01T10:00:00Z",
		"2026-01-01T10:00:00":         "2026-01-01T10:00:00Z",
		"2026-01-01T10:00:00-05:00":   "2026-01-01T15:00:00Z",
		"2026-01-01 10:00:00":         "2026-01-01T10:00:00Z",
		"/Date(0)/":                   "1970-01-01T00:00:00Z",
		"/Date(-1000)/":               "1969-12-31T23:59:59Z",
		"/Date(1767225600000-0500)/":  "2026-01-01T00:00:00Z",
		"1/2/2026 3:04:05 PM":         "2026-01-02T15:04:05Z",
		"garbage":                     "0001-01-01T00:00:00Z",
		"/Date()/":                    "0001-01-01T00:00:00Z",
		"2026-01-01T10:00:00.5+00:00": "2026-01-01T10:00:00.5Z",
	}
	for in, want := range cases {
		assert.Equal(t, want, parseTime(in).Format(time.RFC3339Nano), in)
	}
}
