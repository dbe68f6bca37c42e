package humanreadable_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/o365auditlog/o365auditlog/humanreadable"
	"github.com/o365auditlog/o365auditlog/jsontext"
)

// TestCanonicalTableMatchesTable: records sanitised once by contextout render exactly as
// Table renders the raw records it sanitises itself.
func TestCanonicalTableMatchesTable(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "test_data", "auditdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var samples []json.RawMessage
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		samples = append(samples, b)
	}
	cases := map[string][]json.RawMessage{
		"workload samples": samples,
		"hostile values": {
			json.RawMessage(` { "a|b" : "x\ny<script>" , "n" : 12345678901234567890 , "t" : true } `),
			json.RawMessage("{\"invalid utf8 \xff\":\"x\xfe\xc0y\",\"raw ctl\":\"a\x01\n\"}"),
			json.RawMessage(`{"a|b":null,"nested":{"k":[1,"|",{"<":">"}]},"a\u007cb":"dup key text"}`),
			json.RawMessage(`{"\u2028":"\u2029","e":"\u00e9\ud83d\ude00\ud800"}`),
		},
		"no keys": {json.RawMessage(`{}`), json.RawMessage(` {} `)},
		"none":    nil,
	}
	for name, recs := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := humanreadable.Table(recs)
			require.NoError(t, err)
			clean, err := contextout.Records(recs)
			require.NoError(t, err)
			got, err := humanreadable.CanonicalTable(clean)
			require.NoError(t, err)
			assert.Equal(t, want, got)

			wantMD, err := humanreadable.Markdown(seedStart, seedEnd, recs)
			require.NoError(t, err)
			gotMD, err := humanreadable.CanonicalMarkdown(seedStart, seedEnd, clean)
			require.NoError(t, err)
			assert.Equal(t, wantMD, gotMD)
		})
	}
}

// TestCanonicalTableRefusesNonObjects: a value that cannot be contextout's output (a nil
// left in the list, a converted array) is named, not rendered as an empty row or table.
func TestCanonicalTableRefusesNonObjects(t *testing.T) {
	cases := map[string]jsontext.Canonical{
		"nil":    nil,
		"empty":  {},
		"array":  jsontext.Canonical(`[1]`),
		"string": jsontext.Canonical(`"x"`),
		"open":   jsontext.Canonical(`{`),
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := humanreadable.CanonicalTable([]jsontext.Canonical{jsontext.Canonical(`{"a":1}`), bad})
			var re *contextout.RecordError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 1, re.Index)
			assert.ErrorIs(t, err, contextout.ErrNotObject)
			_, err = humanreadable.CanonicalMarkdown(seedStart, seedEnd, []jsontext.Canonical{bad})
			assert.ErrorIs(t, err, contextout.ErrNotObject)
		})
	}
}

// FuzzCanonicalTable: for any record contextout accepts, the table of its canonical text is
// Table's table of the raw record; and bytes that break Canonical's contract (converted by
// mistake) may render wrongly but never crash the plugin.
func FuzzCanonicalTable(f *testing.F) {
	for _, seed := range []string{
		`{"a":"x|y","b":[1,{"c":"<d>"}]}`, `{"a":`, `{"a"}`, `{"a":"\`, `{"`, `{}`, `{,}`,
		`{"a":1,`, `{"a":[}`, "{\"a\":\"x\n\"}", `{"a":tru}`, `{"k":"v"}x}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = humanreadable.CanonicalTable([]jsontext.Canonical{jsontext.Canonical(in)})
		clean, err := contextout.Record(in)
		if err != nil {
			return
		}
		want, err := humanreadable.Table([]json.RawMessage{in})
		require.NoError(t, err)
		got, err := humanreadable.CanonicalTable([]jsontext.Canonical{clean})
		require.NoError(t, err)
		require.Equal(t, want, got)
	})
}
