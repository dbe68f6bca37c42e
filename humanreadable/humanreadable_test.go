package humanreadable_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/o365auditlog/o365auditlog/humanreadable"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	seedStart = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	seedEnd   = time.Date(2021, 1, 2, 0, 0, 0, 0, time.UTC)
)

func TestTitleAndEmpty(t *testing.T) {
	require.Equal(t, "### Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00", humanreadable.Title(seedStart, seedEnd))
	require.Equal(t, "Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00 is empty", humanreadable.Empty(seedStart, seedEnd))

	// Times are shown in UTC whatever their location.
	est := time.FixedZone("EST", -5*3600)
	start := time.Date(2026, 12, 31, 19, 30, 5, 999, est)
	require.Equal(t, "### Audit log from 01/01/2027 00:30:05 to 01/01/2027 00:30:05", humanreadable.Title(start, start))
}

// seedRow is the seed's Context Example record as a row under OUR rules (DESIGN §5): unlike
// the PowerShell original, strings are not quoted, CreationTime is plain text, the empty
// ModifiedProperties array shows as [], and the real Actor ID is kept.
const seedRow = `| \[\{"ID":"3fa9f28b\-eb0e\-463a\-ba7b\-8089fe9991e2","Type":0\},\{"ID":"user@example.com","Type":5\}\]` +
	` | ebac1a16\-81bf\-449b\-8d43\-5732c3c1d999 | ClientIP | 00000002\-0000\-0ff1\-ce00\-000000000000 | 1 | ClientIP` +
	` | 2021\-01\-01T23:59:56` +
	` | \[\{"Name":"UserAgent","Value":"python\-requests/2.18.4"\},\{"Name":"UserAuthenticationMethod","Value":"1"\},` +
	`\{"Name":"RequestType","Value":"OAuth2:Token"\},\{"Name":"ResultStatusDetail","Value":"UserError"\},` +
	`\{"Name":"KeepMeSignedIn","Value":"false"\}\]` +
	` | 8133912e\-b888\-4849\-b8fb\-070710b35400 | 4bf55773\-4137\-4d68\-b7f8\-ef8ef9c0235f` +
	` | 8133912e\-b888\-4849\-b8fb\-070710b35400 | InvalidUserNameOrPassword | \[\]` +
	` | 00000002\-0000\-0ff1\-ce00\-000000000000 | UserLoginFailed | ebac1a16\-81bf\-449b\-8d43\-5732c3c1d999` +
	` | 15 | Failed |  | \[\{"ID":"00000002\-0000\-0ff1\-ce00\-000000000000","Type":0\}\]` +
	` | ebac1a16\-81bf\-449b\-8d43\-5732c3c1d999 | user@example.com | user@example.com | 0 | 1 | AzureActiveDirectory`

// seedHeader is the seed's own header line: the same columns in the same order.
const seedHeader = "| Actor | ActorContextId | ActorIpAddress | ApplicationId | AzureActiveDirectoryEventType | ClientIP | CreationTime | ExtendedProperties | Id | InterSystemsId | IntraSystemId | LogonError | ModifiedProperties | ObjectId | Operation | OrganizationId | RecordType | ResultStatus | SupportTicketId | Target | TargetContextId | UserId | UserKey | UserType | Version | Workload"

func TestSeedGolden(t *testing.T) {
	rec := readFile(t, filepath.Join("..", "test_data", "seed_record.json"))
	got, err := humanreadable.Markdown(seedStart, seedEnd, []json.RawMessage{rec})
	require.NoError(t, err)

	want := "### Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00\n" + seedHeader + "\n" +
		"| ---" + strings.Repeat(" | ---", 25) + "\n" + seedRow + "\n"
	require.Equal(t, want, got)

	golden := filepath.Join("testdata", "seed.golden.md")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	require.Equal(t, string(readFile(t, golden)), got, "golden file differs (run with -update to rewrite)")
	checkStructure(t, got, 26, 1)
	checkRoundTrip(t, got, []json.RawMessage{rec})
}

func TestTable(t *testing.T) {
	tests := []struct {
		name    string
		records []string
		want    string
	}{
		{"union of keys sorted by bytes, missing keys empty",
			[]string{`{"b":1,"a":2}`, `{"c":3,"B":4,"_":5}`},
			"| B | \\_ | a | b | c\n| --- | --- | --- | --- | ---\n|  |  | 2 | 1 | |\n| 4 | 5 |  |  | 3\n"},
		{"types", []string{`{"s":"text","n":-12.50e+3,"t":true,"f":false,"z":null,"a":[1,"x"],"o":{"k":"v"}}`},
			"| a | f | n | o | s | t | z\n| --- | --- | --- | --- | --- | --- | ---\n" +
				`| \[1,"x"\] | false | \-12.50e\+3 | \{"k":"v"\} | text | true | |` + "\n"},
		{"numbers exact", []string{`{"n":123456789012345678901234567890,"f":0.1000000000000000055511151231257827}`},
			"| f | n\n| --- | ---\n| 0.1000000000000000055511151231257827 | 123456789012345678901234567890\n"},
		{"string that looks like a number stays as is", []string{`{"s":"007"}`}, "| s\n| ---\n| 007\n"},
		{"empty string and empty containers", []string{`{"a":"","b":[],"c":{}}`}, "| a | b | c\n| --- | --- | ---\n|  | \\[\\] | \\{\\}\n"},
		{"duplicate key: last wins", []string{`{"a":1,"a":2}`}, "| a\n| ---\n| 2\n"},
		{"nested JSON is not HTML-escaped", []string{`{"o":{"h":"<b>&"}}`}, "| o\n| ---\n" + `| \{"h":"\<b\>\&"\}` + "\n"},
		{"nested newlines stay JSON escapes", []string{`{"o":["a\nb"]}`}, "| o\n| ---\n" + `| \["a\\nb"\]` + "\n"},
		{"keys are escaped", []string{`{"a|b":1,"<k>":2}`}, "| \\<k\\> | a\\|b\n| --- | ---\n| 2 | 1\n"},
		{"last cell ending in a pipe gets a closing pipe", []string{`{"a":"x|","b":"y|"}`}, "| a | b\n| --- | ---\n| x\\| | y\\| |\n"},
		{"row of one empty cell", []string{`{"a":null}`}, "| a\n| ---\n| |\n"},
		{"no records", nil, ""},
		{"no keys", []string{`{}`, `{}`}, ""},
		{"invalid UTF-8 and escapes decoded", []string{"{\"a\":\"\xff\\u00e9\"}"}, "| a\n| ---\n| \uFFFDé\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs := raws(tc.records...)
			got, err := humanreadable.Table(recs)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			if got != "" {
				lines := tableLines(got)
				checkStructure(t, got, explicitCells(lines[0]), len(recs))
				checkRoundTrip(t, got, recs)
			}
		})
	}
}

func TestTableErrors(t *testing.T) {
	_, err := humanreadable.Table(raws(`{"a":1}`, `[1]`))
	var re *contextout.RecordError
	if !errors.As(err, &re) || re.Index != 1 || !errors.Is(err, contextout.ErrNotObject) {
		t.Fatalf("want a RecordError for index 1, got %v", err)
	}
	_, err = humanreadable.Markdown(seedStart, seedEnd, raws(`{"a":`))
	if !errors.Is(err, contextout.ErrSyntax) {
		t.Fatalf("want ErrSyntax, got %v", err)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "abc 123 é 日本 😀 user@example.com :;,.'\"=?/%$^", "abc 123 é 日本 😀 user@example.com :;,.'\"=?/%$^"},
		{"every special character", "\\`*_{}[]()#+-|!<>&~", "\\\\\\`\\*\\_\\{\\}\\[\\]\\(\\)\\#\\+\\-\\|\\!\\<\\>\\&\\~"},
		{"pipe", "a|b", `a\|b`},
		{"backslash before pipe", `\|`, `\\\|`},
		{"trailing backslash", `C:\Users\`, `C:\\Users\\`},
		{"LF", "a\nb", "a<br>b"},
		{"CRLF is one break", "a\r\nb", "a<br>b"},
		{"CR", "a\rb", "a<br>b"},
		{"LF CR is two breaks", "a\n\rb", "a<br><br>b"},
		{"blank lines", "a\n\n\nb", "a<br><br><br>b"},
		{"line separators", "a\u2028b\u2029c", "a<br>b<br>c"},
		{"tab", "a\tb", "a b"},
		{"control characters dropped", "a\x00b\x01c\x1b[31md\x7fe\u0085f\u009fg", "abc\\[31mdefg"},
		{"invalid UTF-8", "a\xffb\xe2\x82c", "a\uFFFDb\uFFFD\uFFFDc"},
		{"script tag", "<script>alert(1)</script>", `\<script\>alert\(1\)\</script\>`},
		{"entity", "&lt;b&gt; &#60;", `\&lt;b\&gt; \&\#60;`},
		{"markdown link", "[x](javascript:alert(1))", `\[x\]\(javascript:alert\(1\)\)`},
		{"image", "![i](http://x/y.png)", `\!\[i\]\(http://x/y.png\)`},
		{"emphasis", "**b** _i_ ~~s~~", `\*\*b\*\* \_i\_ \~\~s\~\~`},
		{"code", "``x``", "\\`\\`x\\`\\`"},
		{"html comment", "<!-- x -->", `\<\!\-\- x \-\-\>`},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, humanreadable.Escape(tc.in))
		})
	}
}

// TestHostileValues: values an attacker can plant in audit data (file names, mail subjects,
// rule names, user agents) render as exactly one cell showing exactly that text.
func TestHostileValues(t *testing.T) {
	hostile := []string{
		"a|b||c|", "| --- | --- |", "l1\nl2\r\nl3\rl4\n", "`code` ``x`` ```fence```",
		"<script>alert(1)</script>", `<img src=x onerror="alert(1)">`, "<!-- c --><![CDATA[x]]>",
		"[click](javascript:alert(1))", "![img](http://evil.example/p.png)", "<http://evil.example>",
		"**bold** __b__ _it_ *it* ~~strike~~ ~s~", "# heading", "\n# heading", "- item", "\n- item",
		"> quote", "\n> quote", "---", "\n---\n", "===", "1. one", "- [x] done", "&lt;script&gt; &#x3C; &amp;",
		"\x00\x01\x02\x1b[31mred\x7f\u0085", "\\", `\|`, "\\\n|", "tab\there", "  padded  ", "\u2028\u2029",
		"\ufeffbom", "<br>", "</td></tr><tr><td>", "\"quoted\" 'single'", "{{template}} ${x} $(x)",
		"www.evil.example", "https://contoso.sharepoint.com/a(b)_c*d.xlsx", "@here :smile: ^sup^",
	}
	fields := map[string]any{}
	for i, h := range hostile {
		fields[string(rune('A'+i%26))+strings.Repeat("x", i/26)] = h
	}
	fields["nested"] = map[string]any{"k|<b>": hostile}
	fields["key|with\nbreak<b>"] = "v"
	fields[""] = "empty key"
	rec, err := json.Marshal(fields)
	require.NoError(t, err)
	bad := append([]byte("{\"invalid utf8 \xff\":\"x\xfe\xc0y\",\"raw ctl\":\"a"), 0x01, '\n', '"', '}')

	recs := []json.RawMessage{rec, bad, json.RawMessage(`{"A":"second | row"}`)}
	got, err := humanreadable.Markdown(seedStart, seedEnd, recs)
	require.NoError(t, err)
	checkStructure(t, got, len(fields)+2, 3)
	checkRoundTrip(t, got, recs)
}

func TestHugeAndDeepValues(t *testing.T) {
	mb := strings.Repeat(strings.Repeat("lorem ipsum ", 80)+"| <x>*\n", 1<<20/967) // 1 MB, hostile every 967 bytes
	deep := strings.Repeat(`{"a":[`, 200) + `"<b>|"` + strings.Repeat("]}", 200)
	recs := raws(`{"big":`+mustJSON(t, mb)+`,"deep":`+deep+`}`, `{"big":"x"}`)
	got, err := humanreadable.Table(recs)
	require.NoError(t, err)
	checkStructure(t, got, 2, 2)
	checkRoundTrip(t, got, recs)

	tooDeep := `{"a":` + strings.Repeat("[", contextout.MaxDepth) + strings.Repeat("]", contextout.MaxDepth) + `}`
	_, err = humanreadable.Table(raws(tooDeep))
	if !errors.Is(err, contextout.ErrTooDeep) {
		t.Fatalf("want ErrTooDeep, got %v", err)
	}
}

// TestWorkloadSamples: the realistic samples render as well-formed tables, alone and all
// together (heterogeneous keys).
func TestWorkloadSamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "test_data", "auditdata", "*.json"))
	require.NoError(t, err)
	if len(files) < 8 {
		t.Fatalf("want at least 8 samples, have %d", len(files))
	}
	var all []json.RawMessage
	for _, f := range files {
		rec := json.RawMessage(readFile(t, f))
		all = append(all, rec)
		got, err := humanreadable.Markdown(seedStart, seedEnd, []json.RawMessage{rec})
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(rec, &m))
		checkStructure(t, got, len(m), 1)
		checkRoundTrip(t, got, []json.RawMessage{rec})
	}
	got, err := humanreadable.Table(all)
	require.NoError(t, err)
	checkStructure(t, got, explicitCells(tableLines(got)[0]), len(all))
	checkRoundTrip(t, got, all)
}

func raws(texts ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(texts))
	for i, s := range texts {
		out[i] = json.RawMessage(s)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
