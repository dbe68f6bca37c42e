package exoclient

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// TestSetRowText: each field reads as documented on its own, whatever its neighbours.
func TestSetRowText(t *testing.T) {
	long := strings.Repeat("u", 300) // past setRowText's stack buffer
	for _, tc := range []struct {
		name                         string
		row                          wireRow
		id                           string
		recordType, ops, users, want string
	}{
		{name: "strings", row: wireRow{RecordType: raw(`"SharePoint"`), Operations: raw(`"FileAccessed"`), UserIds: raw(`" a@x "`)}, id: `"i"`,
			recordType: "SharePoint", ops: "FileAccessed", users: "a@x", want: "i"},
		{name: "known record type number", row: wireRow{RecordType: raw(`15`)}, recordType: "AzureActiveDirectoryStsLogon"},
		{name: "known record type as signed digits", row: wireRow{RecordType: raw(`"+15"`)}, recordType: "AzureActiveDirectoryStsLogon"},
		{name: "unknown record type number: its decimal text", row: wireRow{RecordType: raw(`"-0099999"`)}, recordType: "-99999"},
		{name: "record type too large for an int: as sent", row: wireRow{RecordType: raw(`"99999999999999999999"`)}, recordType: "99999999999999999999"},
		{name: "record type not a number", row: wireRow{RecordType: raw(`"15a"`)}, recordType: "15a"},
		{name: "record type sign alone", row: wireRow{RecordType: raw(`"-"`)}, recordType: "-"},
		{name: "arrays joined, empty and non-scalar items left out", row: wireRow{Operations: raw(`[ "x", "", null, 7, {"a":1}, " y " ]`), UserIds: raw(`[]`)},
			ops: "x, 7, y"},
		{name: "array of only empty items", row: wireRow{Operations: raw(`["", " "]`), UserIds: raw(`"u"`)}, users: "u"},
		{name: "id empty: Identity", row: wireRow{Identity: raw(`" ident "`)}, id: `" "`, want: "ident"},
		{name: "id a number", row: wireRow{Identity: raw(`"ident"`)}, id: `12e3`, want: "12e3"},
		{name: "longer than the stack buffer", row: wireRow{UserIds: raw(`"` + long + `"`), Operations: raw(`"o"`)}, id: `"i"`, ops: "o", users: long, want: "i"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var row auditsearch.Record
			setRowText(&row, &tc.row, raw(tc.id))
			require.Equal(t, tc.recordType, row.RecordType, "RecordType")
			require.Equal(t, tc.ops, row.Operations, "Operations")
			require.Equal(t, tc.users, row.UserIDs, "UserIDs")
			require.Equal(t, tc.want, row.ID, "ID")
		})
	}
}

// TestSetRowTextAllocates once: the four strings share one allocation.
func TestSetRowTextAllocates(t *testing.T) {
	w := wireRow{RecordType: raw(`"SharePointFileOperation"`), Operations: raw(`"FileAccessed"`), UserIds: raw(`"a@x"`), Identity: raw(`"i"`)}
	id := raw(`"7b5e3c1a-0000-4000-8000-000000000001"`)
	var row auditsearch.Record
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { setRowText(&row, &w, id) }))
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// TestIsASCII puts each byte value at each position of keys of 0 to 17 bytes (words and
// tails).
func TestIsASCII(t *testing.T) {
	for n := range 18 {
		require.True(t, isASCII([]byte(strings.Repeat("\x7f", n))), "%d bytes of 0x7f", n)
		for pos := range n {
			for _, c := range []byte{0x00, 'a', 0x7f, 0x80, 0xc3, 0xff} {
				b := []byte(strings.Repeat("k", n))
				b[pos] = c
				require.Equal(t, c < 0x80, isASCII(b), "0x%02x at %d of %d", c, pos, n)
			}
		}
	}
}

// TestWireField: every field is found by its name, in any ASCII case, and nothing else is.
func TestWireField(t *testing.T) {
	for n, field := range wireRowFields {
		require.Equal(t, n, wireField([]byte(field)), field)
		require.Equal(t, n, wireField([]byte(strings.ToUpper(field))), field)
		require.Equal(t, n, wireField([]byte(strings.ToLower(field))), field)
		require.Equal(t, -1, wireField([]byte(field+"@odata.type")), field)
		require.Equal(t, -1, wireField([]byte(field[1:])), field)
	}
	require.Equal(t, -1, wireField(nil))
}
