package contextout_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/stretchr/testify/require"
)

func TestKey(t *testing.T) {
	require.Equal(t, "O365AuditLog(val.Id && val.Id == obj.Id)", contextout.Key)
}

func TestRecord(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"compacts", "{ \"a\" :\t[ 1 ,\n 2 ] ,\r\n \"b\" : { } , \"c\" : [ ] }", `{"a":[1,2],"b":{},"c":[]}`},
		{"keeps key order", `{"z":1,"a":2,"m":3}`, `{"z":1,"a":2,"m":3}`},
		{"keeps duplicate keys", `{"a":1,"a":2}`, `{"a":1,"a":2}`},
		{"exact big integer", `{"n":1234567890123456789012345678901234567890}`, `{"n":1234567890123456789012345678901234567890}`},
		{"exact float text", `{"n":1.10,"m":-0.0e-007,"k":1E+2}`, `{"n":1.10,"m":-0.0e-007,"k":1E+2}`},
		{"types kept", `{"s":"1","n":1,"t":true,"f":false,"z":null}`, `{"s":"1","n":1,"t":true,"f":false,"z":null}`},
		{"no HTML escaping", `{"h":"<script>&amp;</script>"}`, `{"h":"<script>&amp;</script>"}`},
		{"html escapes decoded", `{"h":"\u003cb\u003e \u0026"}`, `{"h":"<b> &"}`},
		{"solidus unescaped", `{"p":"a\/b"}`, `{"p":"a/b"}`},
		{"short escapes kept", `{"e":"\"\\\b\f\n\r\t"}`, `{"e":"\"\\\b\f\n\r\t"}`},
		{"raw control chars escaped", "{\"c\":\"a\x00b\x01c\x1fd\x7fe\"}", `{"c":"a\u0000b\u0001c\u001fd\u007fe"}`},
		{"raw newline and tab escaped", "{\"c\":\"a\nb\tc\"}", `{"c":"a\nb\tc"}`},
		{"C1 controls escaped", "{\"c\":\"\u0085\u009f\"}", `{"c":"\u0085\u009f"}`},
		{"line separators escaped", "{\"c\":\"\u2028\u2029\"}", `{"c":"\u2028\u2029"}`},
		{"unicode kept raw", `{"u":"\u00e9t\u00e9 日本 😀"}`, `{"u":"été 日本 😀"}`},
		{"surrogate pair joined", `{"u":"\ud83d\ude00"}`, `{"u":"😀"}`},
		{"lone high surrogate", `{"u":"a\ud800b"}`, `{"u":"a` + "\uFFFD" + `b"}`},
		{"lone low surrogate", `{"u":"\udc00"}`, `{"u":"` + "\uFFFD" + `"}`},
		{"high surrogate then non-low escape", `{"u":"\ud800\u0041"}`, `{"u":"` + "\uFFFD" + `A"}`},
		{"invalid UTF-8 replaced", "{\"b\":\"a\xffb\xc3\"}", "{\"b\":\"a\uFFFDb\uFFFD\"}"},
		{"invalid UTF-8 in key", "{\"k\xfe\":1}", "{\"k\uFFFD\":1}"},
		{"surrounding whitespace", " \n{\"a\":1}\n ", `{"a":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := contextout.Record([]byte(tc.in))
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			require.True(t, json.Valid(got), "output is not valid JSON: %q", got)
		})
	}
}

// TestRecordCanonicalIsNotCopied: a record already in canonical form (compact, as the
// service sends it) comes back as the input's own bytes, without an allocation; a record
// that changes anywhere, even in its last byte, is copied and leaves the input alone.
func TestRecordCanonicalIsNotCopied(t *testing.T) {
	canonical := []byte(`{"Id":"a","e":"\"\\\n","n":[1,-2.5e3,true,null,{}],"u":"été"}`)
	out, err := contextout.Record(canonical)
	require.NoError(t, err)
	require.Equal(t, &canonical[0], &out[0], "the canonical record was copied")
	require.Len(t, out, len(canonical))
	allocs := testing.AllocsPerRun(10, func() { _, _ = contextout.Record(canonical) })
	require.Zero(t, allocs)

	for _, in := range []string{` {"a":1} `, `{"a":1 }`, `{"a":"x\/"}`, `{"a":"\u0041"}`} {
		orig := []byte(in)
		out, err := contextout.Record(orig)
		require.NoError(t, err)
		require.Equal(t, in, string(orig), "the input was modified")
		want, err := json.Marshal(json.RawMessage(in))
		require.NoError(t, err)
		if in == `{"a":"\u0041"}` {
			want = []byte(`{"a":"A"}`)
		}
		if in == `{"a":"x\/"}` {
			want = []byte(`{"a":"x/"}`)
		}
		require.Equal(t, string(want), string(out), "input %q", in)
	}
}

func TestRecordErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
		msg      string
	}{
		{"array", `[1,2]`, contextout.ErrNotObject, `starts with "["`},
		{"string", `"x"`, contextout.ErrNotObject, `starts with "\""`},
		{"number", `12`, contextout.ErrNotObject, `starts with "1"`},
		{"null", `null`, contextout.ErrNotObject, `starts with "n"`},
		{"invalid non-object", `nope`, contextout.ErrSyntax, "expected null"},
		{"empty", ``, contextout.ErrSyntax, "empty record"},
		{"blank", " \n", contextout.ErrSyntax, "empty record"},
		{"unterminated object", `{"a":1`, contextout.ErrSyntax, "end of input inside an object"},
		{"unterminated string", `{"a":"x`, contextout.ErrSyntax, "unterminated string"},
		{"trailing comma", `{"a":1,}`, contextout.ErrSyntax, "expected an object key"},
		{"trailing comma in array", `{"a":[1,]}`, contextout.ErrSyntax, "expected a value"},
		{"missing colon", `{"a" 1}`, contextout.ErrSyntax, "expected ':'"},
		{"unquoted key", `{a:1}`, contextout.ErrSyntax, "expected an object key"},
		{"trailing data", `{"a":1} {}`, contextout.ErrSyntax, "after the end of the value"},
		{"leading zero", `{"a":01}`, contextout.ErrSyntax, "inside an object"},
		{"bare minus", `{"a":-}`, contextout.ErrSyntax, "invalid number"},
		{"no fraction digits", `{"a":1.}`, contextout.ErrSyntax, "decimal point"},
		{"no exponent digits", `{"a":1e+}`, contextout.ErrSyntax, "exponent"},
		{"NaN", `{"a":NaN}`, contextout.ErrSyntax, "expected a value"},
		{"bad literal", `{"a":tru}`, contextout.ErrSyntax, "expected true"},
		{"bad escape", `{"a":"\x"}`, contextout.ErrSyntax, `invalid escape \x`},
		{"bad unicode escape", `{"a":"\u12G4"}`, contextout.ErrSyntax, `invalid \u escape`},
		{"cut unicode escape", `{"a":"\u12`, contextout.ErrSyntax, `invalid \u escape`},
		{"mismatched bracket", `{"a":[1}`, contextout.ErrSyntax, "inside an array"},
		{"BOM", "\ufeff{}", contextout.ErrSyntax, "expected a value"},
		{"too deep", `{"a":` + strings.Repeat("[", contextout.MaxDepth) + strings.Repeat("]", contextout.MaxDepth) + `}`, contextout.ErrTooDeep, "more than 512 levels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := contextout.Record([]byte(tc.in))
			require.ErrorIs(t, err, tc.want)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestDepthBound(t *testing.T) {
	nest := func(n int) string { // n levels including the record itself
		return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1)
	}
	got, err := contextout.Record([]byte(nest(contextout.MaxDepth)))
	require.NoError(t, err)
	require.True(t, json.Valid(got), "not valid JSON")

	_, err = contextout.Record([]byte(nest(contextout.MaxDepth + 1)))
	require.ErrorIs(t, err, contextout.ErrTooDeep)

	// Far beyond the bound: fails fast and without exhausting the stack.
	huge := strings.Repeat("[", 1<<20)
	_, err = contextout.Record([]byte(`{"a":` + huge))
	require.ErrorIs(t, err, contextout.ErrTooDeep)
}

func TestRecordsNamesPosition(t *testing.T) {
	recs := []json.RawMessage{json.RawMessage(`{"Id":"a"}`), json.RawMessage(`{"Id":"b"}`), json.RawMessage(`["c"]`)}
	_, err := contextout.Records(recs)
	var re *contextout.RecordError
	if !errors.As(err, &re) {
		t.Fatalf("error %v is not a *RecordError", err)
	}
	require.Equal(t, 2, re.Index)
	require.ErrorIs(t, err, contextout.ErrNotObject)
	require.Equal(t, `AuditData record 3 (index 2): not a JSON object: it starts with "["`, err.Error())
}

// TestRecordsLongList: a list long enough to be sanitised in parts keeps its order, and
// of several bad records in different parts the first is named.
func TestRecordsLongList(t *testing.T) {
	recs := make([]json.RawMessage, 20000)
	for i := range recs {
		recs[i] = json.RawMessage(fmt.Sprintf(`{ "Id" : "%d" }`, i))
	}
	got, err := contextout.Records(recs)
	require.NoError(t, err)
	require.Len(t, got, len(recs))
	for i, c := range got {
		require.Equal(t, fmt.Sprintf(`{"Id":"%d"}`, i), string(c))
	}

	recs[19000], recs[15000], recs[12345] = json.RawMessage(`[]`), json.RawMessage(`{`), json.RawMessage(`1`)
	_, err = contextout.Records(recs)
	var re *contextout.RecordError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 12345, re.Index)
}

func TestRecordsEmpty(t *testing.T) {
	got, err := contextout.Records(nil)
	require.NoError(t, err)
	b, err := json.Marshal(got)
	require.NoError(t, err)
	require.Equal(t, "[]", string(b))

	b, err = json.Marshal(contextout.EntryContext(nil))
	require.NoError(t, err)
	require.Equal(t, `{"O365AuditLog(val.Id \u0026\u0026 val.Id == obj.Id)":[]}`, string(b))
}

func TestValue(t *testing.T) {
	got, err := contextout.Value([]byte(` [ "a\u00e9" , 1.5 ] `))
	require.NoError(t, err)
	require.Equal(t, `["aé",1.5]`, string(got))
	_, err = contextout.Value([]byte(`[`))
	require.ErrorIs(t, err, contextout.ErrSyntax)
}

// TestSeedRecord: the seed's Context Example comes out as the same object, key order and
// all, and marshals into the entry context unchanged.
func TestSeedRecord(t *testing.T) {
	pretty := readFixture(t, "seed_record.json")
	line := bytes.TrimSpace(readFixture(t, "seed_record.jsonl"))
	got, err := contextout.Records([]json.RawMessage{pretty})
	require.NoError(t, err)
	require.Equal(t, string(line), string(got[0]))

	b, err := json.Marshal(contextout.EntryContext(got))
	require.NoError(t, err)
	var ctx map[string][]map[string]any
	require.NoError(t, json.Unmarshal(b, &ctx))
	rec := ctx[contextout.Key][0]
	require.Equal(t, "8133912e-b888-4849-b8fb-070710b35400", rec["Id"])
	require.Equal(t, float64(15), rec["RecordType"])
	require.Equal(t, []any{}, rec["ModifiedProperties"])
}

// TestWorkloadSamples: every realistic sample keeps every field with its JSON type and
// every number's exact text.
func TestWorkloadSamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "test_data", "auditdata", "*.json"))
	require.NoError(t, err)
	require.True(t, len(files) >= 8, "want at least 8 samples, have %d", len(files))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			got, err := contextout.Record(in)
			require.NoError(t, err)
			requireSameJSON(t, in, got)
			var compact bytes.Buffer
			require.NoError(t, json.Compact(&compact, in))
			require.Equal(t, compact.String(), string(got), "already-canonical input must come out byte for byte")
		})
	}
	in := readFixture(t, filepath.Join("auditdata", "powerbi_exportreport.json"))
	got, err := contextout.Record(in)
	require.NoError(t, err)
	require.Contains(t, string(got), `"ArtifactId":1234567890123456789}`)
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "test_data", name))
	require.NoError(t, err)
	return b
}

// requireSameJSON decodes both texts (numbers as json.Number, i.e. exact text) and
// compares the values.
func requireSameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	require.True(t, json.Valid(got), "not valid JSON: %q", got)
	require.True(t, utf8.Valid(got), "not valid UTF-8: %q", got)
	w, err := decodeNumbers(want)
	require.NoError(t, err)
	g, err := decodeNumbers(got)
	require.NoError(t, err)
	require.Equal(t, w, g, "values differ:\nwant %s\ngot  %s", want, got)
}

func decodeNumbers(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data")
	}
	return v, nil
}
