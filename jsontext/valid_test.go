package jsontext

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValid(t *testing.T) {
	cases := []string{
		``, ` `, `{}`, ` { } `, `[]`, `[ ]`, `{"a":1}`, `{"a" : [1, 2.5e-3, -0, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"]}`,
		`"s"`, `1`, `-`, `01`, `1.`, `1e`, `1e+`, `.5`, `+1`, `tru`, `truex`, `nul`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`,
		`[1 2]`, `{,}`, `{"a":1 "b":2}`, `{1:2}`, `[}`, `{]`, `{"a":[}`, "\"a\x01\"", "\"a\x7f\"", "\"\xff\xfe\"", `"\x"`, `"\u12"`,
		`"\u12G4"`, `"abc`, `{"a":1}x`, `{"a":1} {}`, "\t[\r\n]\n", `[[[[]]]]`, `{"a":{"b":{"c":[{}]}}}`, `"\ud800"`,
	}
	for _, c := range cases {
		require.Equal(t, json.Valid([]byte(c)), Valid([]byte(c)), "%q", c)
	}
	deep := strings.Repeat("[", MaxValidDepth) + strings.Repeat("]", MaxValidDepth)
	require.True(t, Valid([]byte(deep)))
	deeper := "[" + deep + "]"
	require.True(t, json.Valid([]byte(deeper)))
	require.False(t, Valid([]byte(deeper)), "deeper than MaxValidDepth is left to encoding/json")
}

// FuzzValid: Valid never accepts what json.Valid refuses, and agrees with it on text that
// nests no deeper than MaxValidDepth.
func FuzzValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x\n",{"b":null}]}`, `[1e5, -0.5, true]`, "\"\xff\"", `{"a" 1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := Valid(b), json.Valid(b)
		if got && !want {
			t.Fatalf("Valid accepts %q, json.Valid refuses it", b)
		}
		if want && !got && depth(b) <= MaxValidDepth {
			t.Fatalf("Valid refuses %q, json.Valid accepts it", b)
		}
		// ValidEnd of the value at the start: what it accepts is one valid value, and
		// where json.Valid accepts b, ValidEnd reads all of it (bar trailing space).
		if end, ok := ValidEnd(b, 0); ok {
			if !json.Valid(b[:end]) || end == 0 {
				t.Fatalf("ValidEnd accepts %q of %q, json.Valid refuses it", b[:end], b)
			}
			require.Equal(t, got, strings.TrimLeft(string(b[end:]), " \t\r\n") == "", "ValidEnd(%q) ends at %d", b, end)
		} else {
			require.False(t, got, "ValidEnd refuses %q, Valid accepts it", b)
		}
	})
}

// TestValidEnd: the value at b[i] is read alone, whatever follows it.
func TestValidEnd(t *testing.T) {
	for _, tc := range []struct {
		in   string
		i    int
		end  int
		want bool
	}{
		{`"ab",1`, 0, 4, true},
		{`x:"a\"b"}`, 2, 8, true},
		{`{"a":[1,2]} ,`, 0, 11, true},
		{`[1 , 2 ]]`, 0, 8, true},
		{`12.5e3}`, 0, 6, true},
		{`true,`, 0, 4, true},
		{`  null`, 0, 6, true},
		{`"a` + "\x01" + `"`, 0, 0, false},
		{`{"a":}`, 0, 0, false},
		{`[1,]`, 0, 0, false},
		{`"abc`, 0, 0, false},
		{``, 0, 0, false},
	} {
		end, ok := ValidEnd([]byte(tc.in), tc.i)
		require.Equal(t, tc.want, ok, "%q", tc.in)
		if ok {
			require.Equal(t, tc.end, end, "%q", tc.in)
		}
	}
}

// depth is the deepest nesting of brackets outside strings in valid JSON text.
func depth(b []byte) int {
	d, most, in := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case !in && (c == '[' || c == '{'):
			d++
			most = max(most, d)
		case !in && (c == ']' || c == '}'):
			d--
		}
	}
	return most
}
