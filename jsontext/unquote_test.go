package jsontext

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestUnquoteMatchesEncodingJSON checks the AuditData fast path against json.Unmarshal.
func TestUnquoteMatchesEncodingJSON(t *testing.T) {
	for _, tok := range []string{
		`""`, `"plain"`, `"{\"Id\":\"a\",\"N\":1}"`, `"\\ \/ \b\f\n\r\t"`, `"\u00e9\u20ac\ud83d\ude00"`,
		`"lone \ud83d x"`, `"lone \ude00"`, `"high then bad \ud83d\u0041"`, "\"raw é 😀 \xff\xfe bytes\"", `"\u2028"`,
	} {
		var want string
		if err := json.Unmarshal([]byte(tok), &want); err != nil {
			t.Fatalf("%s: %v", tok, err)
		}
		got, ok := Unquote(nil, []byte(tok))
		if !ok || string(got) != want {
			t.Errorf("Unquote(%s) = %q, %v; want %q", tok, got, ok, want)
		}
	}
	for _, bad := range []string{`"`, `x`, `"\x"`, `"\u12"`, `"a\"`} {
		if _, ok := Unquote(nil, []byte(bad)); ok {
			t.Errorf("Unquote(%s) accepted", bad)
		}
	}
}

// FuzzUnquote: whatever encoding/json accepts as a string, Unquote decodes the same.
func FuzzUnquote(f *testing.F) {
	f.Add(`"{\"Id\":\"a\"}"`)
	f.Add(`"\ud83d\ude00 \ud83d"`)
	f.Fuzz(func(t *testing.T, tok string) {
		var want string
		if json.Unmarshal([]byte(tok), &want) != nil {
			return
		}
		trimmed := bytes.TrimSpace([]byte(tok)) // as the row decoder hands it over
		if len(trimmed) == 0 || trimmed[0] != '"' {
			return
		}
		got, ok := Unquote(nil, trimmed)
		if !ok || string(got) != want {
			t.Errorf("Unquote(%q) = %q, %v; want %q", tok, got, ok, want)
		}
	})
}
