package exoclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/contextout"
)

// The fuzz targets hold the decoders to an oracle written with encoding/json from the wire
// format {"value":[{…,"Identity":…,"CreationDate":…,"AuditData":"<JSON text>"}…]}: where
// encoding/json accepts the input as a page (or row), the decoder must accept it too and
// agree on the row count, Id, CreationTime and AuditData. Where the decoder is more
// tolerant (AuditData as an object, trailing bytes after the page, duplicate page keys),
// only the no-panic and validity checks apply.

// oracleRow is a row as encoding/json reads it: AuditData must be a JSON string.
type oracleRow struct {
	AuditData    *string
	Identity     json.RawMessage
	CreationDate json.RawMessage
}

// oracleAudit is what the oracle reads inside the AuditData text.
type oracleAudit struct {
	ID           any `json:"Id"`
	CreationTime any `json:"CreationTime"`
}

// oracleWant is what a decoded row must hold.
type oracleWant struct {
	ID           string
	CreationTime time.Time
	AuditData    any // the record, decoded with UseNumber
}

// decodeNumbers is json.Unmarshal with UseNumber and no trailing data allowed.
func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

// oracleScalar is a JSON string's trimmed value or a number's literal text; "" otherwise.
func oracleScalar(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return string(v)
	}
	return ""
}

// oracleScalarRaw is oracleScalar of a row-level field.
func oracleScalarRaw(raw json.RawMessage) string {
	var v any
	if len(raw) == 0 || decodeNumbers(raw, &v) != nil {
		return ""
	}
	return oracleScalar(v)
}

// wantRow applies the documented fallbacks (rows.go) to what encoding/json decoded: Id from
// AuditData, else Identity; CreationTime from AuditData, else CreationDate. ok is false
// when encoding/json does not see a row with an AuditData string holding an object.
func wantRow(r oracleRow) (want oracleWant, ok bool) {
	if r.AuditData == nil {
		return want, false
	}
	text := []byte(*r.AuditData)
	var record map[string]any
	if decodeNumbers(text, &record) != nil || record == nil {
		return want, false
	}
	var head oracleAudit
	if decodeNumbers(text, &head) != nil {
		return want, false
	}
	want.AuditData = record
	want.ID = oracleScalar(head.ID)
	if want.ID == "" {
		want.ID = oracleScalarRaw(r.Identity)
	}
	// The date layouts themselves are TestParseTime's business; the oracle checks which
	// field the time comes from.
	want.CreationTime = parseTime(oracleScalar(head.CreationTime))
	if want.CreationTime.IsZero() {
		want.CreationTime = parseTime(oracleScalarRaw(r.CreationDate))
	}
	return want, true
}

// wantPage is the oracle for a whole page; ok is false where encoding/json does not accept
// data as a page with unambiguous keys.
func wantPage(data []byte) (want []oracleWant, ok bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil || top == nil || duplicateKeys(data) {
		return nil, false
	}
	value, found := top["value"]
	if !found {
		return nil, false
	}
	if next, found := top["@odata.nextLink"]; found {
		var s *string
		if json.Unmarshal(next, &s) != nil {
			return nil, false
		}
	}
	var rows []oracleRow
	if json.Unmarshal(value, &rows) != nil {
		return nil, false
	}
	for _, r := range rows {
		w, ok := wantRow(r)
		if !ok {
			return nil, false
		}
		want = append(want, w)
	}
	return want, true
}

// duplicateKeys reports whether the top-level object of data repeats a key (the decoder's
// last-one-wins differs from a map's for a null after a value).
func duplicateKeys(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return true
	}
	seen := map[string]bool{}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return true
		}
		k, _ := key.(string)
		if seen[k] {
			return true
		}
		seen[k] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return true
		}
	}
	return false
}

// assertRowMatches compares a decoded row with the oracle's.
func assertRowMatches(t *testing.T, i int, got Row, want oracleWant) {
	t.Helper()
	require.Equal(t, want.ID, got.ID, "row", i, "Id")
	require.True(t, want.CreationTime.Equal(got.CreationTime), "row ", i, " CreationTime ", got.CreationTime, ", want ", want.CreationTime)
	var record any
	require.NoError(t, decodeNumbers(got.AuditData, &record), "row ", i, " AuditData ", string(got.AuditData))
	require.True(t, reflect.DeepEqual(want.AuditData, record), "row ", i, " AuditData ", string(got.AuditData), " differs from the wire's ", want.AuditData)
	assertCanonical(t, got)
}

// assertCanonical checks a decoded row's Canonical: exactly what the commands' own
// sanitising of its AuditData gives (they use it instead), or nil where that refuses it.
func assertCanonical(t *testing.T, got Row) {
	t.Helper()
	clean, err := contextout.Record(got.AuditData)
	if err != nil {
		require.Nil(t, got.Canonical, "Canonical of a record the sanitiser refuses")
		return
	}
	require.Equal(t, string(clean), string(got.Canonical), "Canonical")
}

// FuzzDecodeRow checks the row decoder never panics, that what it accepts keeps AuditData
// as a valid JSON object, and that it agrees with encoding/json on every row that
// encoding/json reads with AuditData as a string.
func FuzzDecodeRow(f *testing.F) {
	f.Add([]byte(rowJSON("a", "2026-01-01T00:00:00")))
	f.Add([]byte(`{"RecordType":15,"CreationDate":"/Date(1767225600000)/","AuditData":{"Id":"x"}}`))
	f.Add([]byte(`{"Identity":" ident ","CreationDate":"2026-01-01T00:00:00Z","AuditData":"{\"Id\":\"\",\"CreationTime\":\"bad\",\"N\":1.50}"}`))
	f.Add([]byte(`{"Identity":7,"AuditData":"{\"Id\":12e3,\"id\":null}"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		row, err := DecodeRow(data)
		if err == nil && (!json.Valid(row.AuditData) || !bytes.HasPrefix(bytes.TrimSpace(row.AuditData), []byte("{"))) {
			t.Fatalf("accepted AuditData is not a JSON object: %q", row.AuditData)
		}
		if err == nil {
			assertCanonical(t, row)
		}
		var r oracleRow
		if json.Unmarshal(data, &r) != nil {
			return
		}
		want, ok := wantRow(r)
		if !ok {
			return
		}
		require.NoError(t, err, "encoding/json reads the row")
		assertRowMatches(t, 0, row, want)
	})
}

// FuzzDecodePage checks the page decoder never panics, respects its byte limit, and agrees
// with encoding/json on every page encoding/json reads.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"value":[`+rowJSON("a", "2026-01-01T00:00:00")+`],"@odata.nextLink":"https://h/x"}`), int64(1<<20))
	f.Add([]byte(`{"value":[]}`), int64(4))
	f.Add([]byte(`{"value":[`+rowJSON("a", "2026-01-01T00:00:00")+`,{"Identity":"i","AuditData":"{\"CreationTime\":\"2026-01-02T00:00:00Z\"}"}],"VALUE":[]}`), int64(1<<20))
	f.Fuzz(func(t *testing.T, data []byte, limit int64) {
		if limit <= 0 || limit > 1<<20 {
			limit = 1 << 20
		}
		rows, _, err := DecodePage(bytes.NewReader(data), limit)
		dec := json.NewDecoder(bytes.NewReader(data))
		var doc json.RawMessage
		if err == nil && dec.Decode(&doc) == nil && dec.InputOffset() > limit {
			t.Fatalf("accepted a %d-byte document over a %d-byte limit", dec.InputOffset(), limit)
		}
		for _, r := range rows {
			if !json.Valid(r.AuditData) {
				t.Fatalf("invalid AuditData %q", r.AuditData)
			}
		}
		want, ok := wantPage(data)
		if !ok {
			return
		}
		rows, _, err = DecodePage(bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err, "encoding/json reads the page")
		require.Len(t, rows, len(want))
		for i := range want {
			assertRowMatches(t, i, rows[i], want[i])
		}
	})
}

// FuzzDecodePageFast: whatever the quick path reads, it reads exactly as the streaming
// decoder does (rows, nextLink, warnings), and what the streaming decoder refuses it
// leaves to it.
func FuzzDecodePageFast(f *testing.F) {
	f.Add([]byte(`{"value":[` + rowJSON("a", "2026-01-01T00:00:00") + `],"@odata.nextLink":"https://h/x"}`))
	f.Add([]byte(` { "@odata.context" : "x", "value" : [ {"recordtype":15, "AUDITDATA":{"Id":"o"}, "UserIds":["a","b"]} ] , "@adminapi.warnings":["w",null,1] } `))
	f.Add([]byte(`{"value":[{"Identity":"i","AuditData":"{\"CreationTime\":\"2026-01-02T00:00:00Z\"}"}],"VALUE":[],"value":null}`))
	f.Add([]byte(`{"x":1}`))
	f.Add([]byte(`{"value":[{"AuditData":"{\"Id\":\"s\"}","auditdata":{"Id":"o"},"AUDITDATA":"{\"Id\":\"t\"}"}]}`))
	f.Add([]byte(`{"value":[{"AuditData":{"Id":"o"},"x":[1,{"a":"\u00e9"}]}, {"AuditData":"{}"} ] } `))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodePageFast(data)
		if !ok {
			return
		}
		slow, err := decodeStream(bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err, "the quick path read a page the streaming decoder refuses")
		require.Equal(t, slow, fast)
	})
}

// TestDecodePageFastAccepts: the pages the service sends (compact or spaced, rows with
// any representation of their fields) take the quick path, and read as the streaming
// decoder reads them.
func TestDecodePageFastAccepts(t *testing.T) {
	row := rowJSON("a", "2026-01-01T00:00:00")
	for _, tc := range []struct{ name, page string }{
		{"compact", `{"value":[` + row + `,` + rowJSON("b", "2026-01-02T00:00:00") + `],"@odata.nextLink":"https://h/x"}`},
		{"spaced", " {\n \"@odata.context\" : \"x\" ,\t\"value\" : [ " + row + " ,\r\n " + row + " ] , \"@adminapi.warnings\" : [ \"w\" , null ] }\n"},
		{"live envelope", `{"@odata.context":"c","adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[],"value":[{"RecordType@odata.type":"#T","RecordType":"SharePoint","CreationDate":"2026-01-01T00:00:00.0000000Z","AuditData":"{\"Id\":\"i\",\"N\":[1.50,{\"k\":null}]}","ResultIndex":1,"ResultCount":1,"Identity":"i","IsValid":true,"ObjectState":"Unchanged"}]}`},
		{"empty value", `{"value":[]}`},
		{"value null", `{"value":null}`},
		{"no value, annotations only", `{"@odata.context":"x","@adminapi.warnings":["A task was canceled"]}`},
		{"AuditData object", `{"value":[{"Identity":"i","AuditData":{"Id":"o","V":1.50}}]}`},
		{"AuditData string, then object: the last wins", `{"value":[{"AuditData":"{\"Id\":\"s\"}","auditdata":{"Id":"o"}}]}`},
		{"AuditData object, then string: the last wins", `{"value":[{"AuditData":{"Id":"o"},"AUDITDATA":"{\"Id\":\"s\"}"}]}`},
		{"AuditData twice as strings", `{"value":[{"AuditData":"{\"Id\":\"first, longer\"}","AuditData":"{\"Id\":\"s\"}"}]}`},
		{"spaces inside rows", `{"value":[ { "AuditData" : "{}" , "Identity" : "i" } ,` + row + `]}`},
		{"escapes and non-ASCII in the record", `{"value":[{"AuditData":"{\"Id\":\"\\u00e9\\ud83d\\ude00 é \\\"q\\\" \\\\ \\/\",\"T\":\"\\t\"}"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fast, ok := decodePageFast([]byte(tc.page))
			require.True(t, ok, "the quick path refused the page")
			slow, err := decodeStream(strings.NewReader(tc.page), int64(len(tc.page)))
			require.NoError(t, err)
			require.Equal(t, slow, fast)
		})
	}
}

// TestDecodePageFastRefuses: text that is not valid JSON, however placed, is left to the
// streaming decoder (which words the error).
func TestDecodePageFastRefuses(t *testing.T) {
	row := rowJSON("a", "2026-01-01T00:00:00")
	for _, page := range []string{
		``, ` `, `[]`, `{`, `{"value":[` + row, `{"value":[` + row + `]`, `{"value":[` + row + `,]}`, `{"value":[` + row + `]} x`,
		`{"value":[` + row + `]}{}`, `{"value":[{"AuditData":"{}" "Identity":"i"}]}`, `{"value":[{"AuditData":"{\"Id\":\"a` + "\x01" + `\"}"}]}`,
		`{"value":[{"AuditData":"{}","Identity":"i` + "\n" + `"}]}`, `{"value":[{"AuditData":"{}","X":[1,]}]}`, `{"value":[{"AuditData":"{}","X":01}]}`,
		`{"value":[{"AuditData":"{}","X":tru}]}`, `{"value":[{"AuditData":"{}"}],"x":[}`, `{"value":[{"AuditData":"{}"}],}`, `{"value" "x"}`,
		`{"value":[{"AuditData":"{}"},{"AuditData":"\x"}]}`, `{"value":nul}`, `{"value":[{"AuditData":"{}"}] "@odata.nextLink":"x"}`,
	} {
		_, ok := decodePageFast([]byte(page))
		require.False(t, ok, "the quick path read %q", page)
	}
}

// TestDecodePageFastRowBuffers: the rows of a page are their own, not the kept buffer they
// were collected in (a later page would overwrite them), and the kept buffer holds no
// row's text alive.
func TestDecodePageFastRowBuffers(t *testing.T) {
	page := func(ids ...string) []byte {
		rows := make([]string, len(ids))
		for i, id := range ids {
			rows[i] = rowJSON(id, "2026-01-01T00:00:00")
		}
		return []byte(`{"value":[` + strings.Join(rows, ",") + `]}`)
	}
	first, ok := decodePageFast(page("a", "b", "c"))
	require.True(t, ok)
	for _, ids := range [][]string{{"d", "e"}, {"f"}} {
		_, ok := decodePageFast(page(ids...))
		require.True(t, ok)
	}
	require.Equal(t, []string{"a", "b", "c"}, []string{first.rows[0].ID, first.rows[1].ID, first.rows[2].ID})
	require.Len(t, first.rows, cap(first.rows), "rows sized to the page")
	for range cap(rowBuffers) {
		kept := rowBuffer()
		for _, r := range kept[:cap(kept)] {
			require.Zero(t, r, "a kept row buffer holds a row")
		}
	}
}
