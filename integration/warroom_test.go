package integration

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseWarRoom(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		wantName string
		wantArgs map[string]string
		wantErr  string
	}{
		{"the example", `!o365-auditlog-search start_date="3 days" result_size=5 free_text='a b' x="say \"hi\""`,
			"o365-auditlog-search", map[string]string{"start_date": "3 days", "result_size": "5", "free_text": "a b", "x": `say "hi"`}, ""},
		{"no args", "  !test-module  ", "test-module", map[string]string{}, ""},
		{"empty values", `!c a= b="" c=''`, "c", map[string]string{"a": "", "b": "", "c": ""}, ""},
		{"backslashes", `!c a="C:\\dir\n" b='x\y' c=p\q`, "c", map[string]string{"a": `C:\dir\n`, "b": `x\y`, "c": `p\q`}, ""},
		{"equals in value", `!c q=a=b`, "c", map[string]string{"q": "a=b"}, ""},
		{"tabs and newlines separate", "!c\ta=1\nb=\"two\nlines\"", "c", map[string]string{"a": "1", "b": "two\nlines"}, ""},
		{"unicode", `!c name="Zoë 🙂"`, "c", map[string]string{"name": "Zoë 🙂"}, ""},
		{"no bang", `test-module`, "", nil, "command line, column 1: a command line starts with \"!\", as in !o365-auditlog-search"},
		{"empty", ``, "", nil, "command line, column 1: a command line starts with \"!\", as in !o365-auditlog-search"},
		{"bang alone", `! a=1`, "", nil, "command line, column 2: the command name is missing after \"!\""},
		{"missing =", `!c start_date="3 days" verbose`, "", nil, "command line, column 24: argument \"verbose\" has no value: write verbose=value"},
		{"missing name", `!c =5`, "", nil, "command line, column 4: a value has no argument name: write name=value"},
		{"unterminated double", `!c a=1 b="3 days`, "", nil, "command line, column 10: argument b: the value's double quote is never closed"},
		{"unterminated single", `!c b='x`, "", nil, "command line, column 6: argument b: the value's single quote is never closed"},
		{"escaped quote does not close", `!c b="x\"`, "", nil, "command line, column 6: argument b: the value's double quote is never closed"},
		{"text after closing quote", `!c b="x"y`, "", nil, "command line, column 9: argument b: a space must follow the closing quote"},
		{"duplicate", `!c a=1 a=2`, "", nil, "command line, column 11: argument a is given twice"},
		{"quote in name", `!c a"b=1`, "", nil, "command line, column 5: an argument name cannot contain '\"'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, args, err := ParseWarRoom(tt.line)
			if tt.wantErr != "" {
				var syn *SyntaxError
				if !errors.As(err, &syn) {
					t.Fatalf("want a *SyntaxError, got %v", err)
				}
				assert.Equal(t, tt.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantName, name)
			assert.Equal(t, tt.wantArgs, args)
		})
	}
}

func TestFormatWarRoom(t *testing.T) {
	got := FormatWarRoom("c", map[string]string{"b": `say "hi"`, "a": "plain", "e": "", "s": "a b", "w": `x\y`})
	assert.Equal(t, `!c a=plain b="say \"hi\"" e="" s="a b" w="x\\y"`, got)
}

// FuzzParseWarRoom checks that the parser never panics and that what it accepts survives a
// round trip through FormatWarRoom. Seeds live in testdata/fuzz/FuzzParseWarRoom.
func FuzzParseWarRoom(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		name, args, err := ParseWarRoom(line)
		if err != nil {
			var syn *SyntaxError
			if !errors.As(err, &syn) || syn.Col < 1 {
				t.Fatalf("error %v is not a *SyntaxError with a column", err)
			}
			return
		}
		formatted := FormatWarRoom(name, args)
		name2, args2, err := ParseWarRoom(formatted)
		if err != nil {
			t.Fatalf("formatted line %q does not parse: %v", formatted, err)
		}
		if name2 != name || len(args2) != len(args) {
			t.Fatalf("round trip changed %q %q into %q %q", name, args, name2, args2)
		}
		for k, v := range args {
			if args2[k] != v {
				t.Fatalf("round trip changed %s=%q into %q", k, v, args2[k])
			}
		}
	})
}
