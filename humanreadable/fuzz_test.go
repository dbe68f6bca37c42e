package humanreadable_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/o365auditlog/o365auditlog/humanreadable"
)

// FuzzEscape: any string becomes one table cell that a GFM renderer shows as exactly that
// string (line breaks as <br>, controls dropped), with no injected node. The seed corpus is
// in testdata/fuzz/FuzzEscape.
func FuzzEscape(f *testing.F) {
	f.Add("a|b\n<script>")
	f.Fuzz(func(t *testing.T, s string) {
		out := humanreadable.Escape(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 in %q", out)
		}
		if strings.ContainsAny(out, "\n\r\t\x00") {
			t.Fatalf("raw line break or control character in %q", out)
		}
		md := "| h\n| ---\n| " + out + "\n"
		if strings.HasSuffix(strings.TrimRight(out, " "), "|") {
			md = "| h\n| ---\n| " + out + " |\n" // as Table ends such a row
		}
		checkStructure(t, md, 1, 1)
		cells := renderedCells(t, md)
		want := cellHTML(string([]rune(s))) // []rune: one U+FFFD per invalid byte, as Escape does
		if len(cells) != 2 || cells[1] != want {
			t.Fatalf("%q renders as %q, want %q", s, cells, want)
		}
	})
}

// FuzzTable: any record that Table accepts renders as one well-formed row whose cells show
// the record's values. The seed corpus is in testdata/fuzz/FuzzTable.
func FuzzTable(f *testing.F) {
	f.Add([]byte(`{"a":"x|y","b":[1,{"c":"<d>"}]}`))
	f.Fuzz(func(t *testing.T, rec []byte) {
		recs := []json.RawMessage{rec}
		md, err := humanreadable.Table(recs)
		if err != nil {
			if _, cerr := contextout.Records(recs); cerr == nil {
				t.Fatalf("Table failed on a record contextout accepts: %v", err)
			}
			return
		}
		if md == "" {
			return // a record without keys
		}
		clean, _ := contextout.Record(rec)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(clean, &m); err != nil {
			t.Fatal(err)
		}
		checkStructure(t, md, len(m), 1)
		checkRoundTrip(t, md, recs)
	})
}
