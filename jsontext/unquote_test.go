package jsontext

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnquoteMatchesEncodingJSON checks the AuditData fast path against json.Unmarshal.
func TestUnquoteMatchesEncodingJSON(t *testing.T) {
	for _, tok := range []string{
		`""`, `"plain"`, `"{\"Id\":\"a\",\"N\":1}"`, `"\\ \/ \b\f\n\r\t"`, `"\u00e9\u20ac\ud83d\ude00"`,
		`"lone \ud83d x"`, `"lone \ude00"`, `"high then bad \ud83d\u0041"`, "\"raw é 😀 \xff\xfe bytes\"", `"\u2028"`,
		"\"\x7f delete is not a control character\"", `"\u0000 escaped NUL"`, `"\""`, `"\\"`,
	} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(tok), &want), tok)
		got, ok := Unquote(nil, []byte(tok))
		assert.True(t, ok, "Unquote(%s) rejected", tok)
		assert.Equal(t, want, string(got), tok)
	}
}

// TestUnquoteRejects: every token encoding/json's string grammar rejects, Unquote rejects.
func TestUnquoteRejects(t *testing.T) {
	for _, tc := range []struct{ name, tok string }{
		{"empty", ``},
		{"lone quote", `"`},
		{"not a string", `x`},
		{"no opening quote", `a"`},
		{"no closing quote", `"a`},
		{"unknown escape", `"\x"`},
		{"short \\u escape", `"\u12"`},
		{"non-hex \\u escape", `"\u12g4"`},
		{"escaped closing quote", `"a\"`},
		{"trailing backslash", `"a\`},
		{"unescaped quote inside", `"a"b"`},
		{"unescaped quote first", `"""`},
		{"two strings", `"a""b"`},
		{"raw NUL", "\"a\x00b\""},
		{"raw tab", "\"a\tb\""},
		{"raw newline", "\"a\nb\""},
		{"raw unit separator", "\"a\x1fb\""},
		{"raw control after non-ASCII", "\"é\x01\""},
		{"surrounding space", `"a" `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s string
			if tc.name != "surrounding space" { // encoding/json skips whitespace around a value
				require.Error(t, json.Unmarshal([]byte(tc.tok), &s), "the case is not invalid JSON")
			}
			got, ok := Unquote(nil, []byte(tc.tok))
			assert.False(t, ok, "accepted as %q", got)
			assert.Nil(t, got)
		})
	}
}

func TestUnquoteAppendsToDst(t *testing.T) {
	got, ok := Unquote([]byte("x:"), []byte(`"a\nb"`))
	require.True(t, ok)
	assert.Equal(t, "x:a\nb", string(got))
}

// FuzzUnquote: Unquote accepts exactly the string tokens encoding/json accepts, and decodes
// them the same.
func FuzzUnquote(f *testing.F) {
	for _, seed := range []string{
		`"{\"Id\":\"a\"}"`, `"\ud83d\ude00 \ud83d"`, `"a"b"`, "\"a\x01\"", `"a\"`, "\"\xff\"", `""`, `"\u00"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		got, ok := Unquote(nil, []byte(tok))
		var want string
		err := json.Unmarshal([]byte(tok), &want)
		// UnquoteAt reads the same token followed by anything, and says where it ends.
		at, end, atOK := UnquoteAt([]byte("x"), []byte(" "+tok+`"tail\`), 1)
		if ok {
			require.NoError(t, err, "Unquote accepted %q (as %q), encoding/json did not", tok, got)
			require.Equal(t, want, string(got), "Unquote(%q)", tok)
			require.True(t, atOK, "UnquoteAt refused %q", tok)
			require.Equal(t, "x"+want, string(at), "UnquoteAt(%q)", tok)
			require.Equal(t, 1+len(tok), end, "UnquoteAt(%q)", tok)
			return
		}
		if atOK && end <= 1+len(tok) { // a shorter token at the start of tok
			require.Less(t, end, 1+len(tok), "UnquoteAt(%q) accepted a token Unquote refuses", tok)
			short, ok := Unquote(nil, []byte(tok[:end-1]))
			require.True(t, ok, "UnquoteAt(%q) accepted %q, Unquote refuses it", tok, tok[:end-1])
			require.Equal(t, string(short), string(at[1:]))
		}
		// A bare string token (no surrounding space) that encoding/json accepts must be accepted.
		bare := len(tok) >= 2 && tok[0] == '"' && tok[len(tok)-1] == '"'
		require.False(t, err == nil && bare, "Unquote rejected %q, encoding/json decodes it as %q", tok, want)
	})
}

// BenchmarkUnquoteAuditData unquotes an AuditData string as the service sends it: a
// compact record whose every key and string value is cut out by \" escapes.
func BenchmarkUnquoteAuditData(b *testing.B) {
	record := map[string]any{"Folders": []any{}}
	for i := range 40 {
		record[fmt.Sprintf("Field%d", i)] = fmt.Sprintf("value-%d@contoso.onmicrosoft.com", i*7919)
		record[fmt.Sprintf("N%d", i)] = i
	}
	text, _ := json.Marshal(record)
	tok, _ := json.Marshal(string(text))
	b.SetBytes(int64(len(tok)))
	var out []byte
	for b.Loop() {
		out, _ = Unquote(out[:0], tok)
	}
}
