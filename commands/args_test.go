package commands

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

func TestParseSearchArgsDefaults(t *testing.T) {
	now := testNow.Add(789 * time.Millisecond) // sub-second clock readings are dropped
	got, err := ParseSearchArgs(map[string]any{"start_date": "", "end_date": nil}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := SearchArgs{Start: testNow.Add(-24 * time.Hour), End: testNow, ResultSize: 10,
		Interval: DefaultInterval, PollTimeout: DefaultPollTimeout}
	got.raw = nil // the arguments as given, for a scheduled run
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseSearchArgsWindow(t *testing.T) {
	cases := []struct {
		name       string
		args       map[string]any
		start, end time.Time
	}{
		{"seed example", map[string]any{"start_date": "01/01/21", "end_date": "01/02/21"}, utc(2021, 1, 1, 0, 0, 0), utc(2021, 1, 2, 0, 0, 0)},
		{"relative start, explicit end kept", map[string]any{"start_date": "3 days", "end_date": "2024-03-30"}, utc(2024, 3, 28, 12, 30, 45), utc(2024, 3, 30, 0, 0, 0)},
		{"relative end", map[string]any{"start_date": "2 days", "end_date": "1 day"}, utc(2024, 3, 29, 12, 30, 45), utc(2024, 3, 30, 12, 30, 45)},
		{"end in the future", map[string]any{"start_date": "1 hour", "end_date": "2030-01-01"}, utc(2024, 3, 31, 11, 30, 45), utc(2030, 1, 1, 0, 0, 0)},
		{"explicit start, default end", map[string]any{"start_date": "2024-03-01T00:00:00+01:00"}, utc(2024, 2, 29, 23, 0, 0), testNow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseSearchArgs(c.args, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Start.Equal(c.start) || !got.End.Equal(c.end) {
				t.Errorf("window %s – %s, want %s – %s", got.Start, got.End, c.start, c.end)
			}
		})
	}
}

func TestRecordTypeName(t *testing.T) {
	cases := map[string]string{
		"AzureActiveDirectory": "AzureActiveDirectory",
		"azureactivedirectory": "AzureActiveDirectory",
		"AZUREACTIVEDIRECTORY": "AzureActiveDirectory",
		" 8 ":                  "AzureActiveDirectory",
		"15":                   "AzureActiveDirectoryStsLogon",
		"1":                    "ExchangeAdmin",
		"463":                  "VivaGlintAgenticCampaign",
		"12":                   "Sway",
		"475":                  "SparkCoreCustomLivePool",
		"powerbiaudit":         "PowerBIAudit",
		"copilotinteraction":   "CopilotInteraction",
		"BrandNewType2027":     "BrandNewType2027", // not in the table yet: sent as given
		"x":                    "x",
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			got, err := RecordTypeName(in)
			if err != nil || got != want {
				t.Errorf("RecordTypeName(%q) = %q, %v; want %q", in, got, err, want)
			}
		})
	}
	for _, in := range []string{"137", "26x", "0", "476", "99999999999999999999", "Azure AD", "8a-", "_x", "8x", "-1", "+8", "Ünicode"} {
		t.Run("reject "+in, func(t *testing.T) {
			if got, err := RecordTypeName(in); err == nil {
				t.Errorf("RecordTypeName(%q) = %q, want an error", in, got)
			}
		})
	}
}

func TestRecordTypeArgJSONNumber(t *testing.T) {
	for _, v := range []any{json.Number("8"), 8.0, 8} {
		got, err := ParseSearchArgs(map[string]any{"record_type": v}, testNow)
		if err != nil || got.RecordType != "AzureActiveDirectory" {
			t.Errorf("record_type %#v → %q, %v", v, got.RecordType, err)
		}
	}
}

func TestListArgs(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want []string
	}{
		{"absent", nil, nil},
		{"blank", "  ", nil},
		{"one", "UserLoggedIn", []string{"UserLoggedIn"}},
		{"comma list trimmed", " a , b,c ", []string{"a", "b", "c"}},
		{"empty items dropped", "a,,b,", []string{"a", "b"}},
		{"duplicates dropped", "a,b,a", []string{"a", "b"}},
		{"JSON array string", `["a@x.com", "b@x.com"]`, []string{"a@x.com", "b@x.com"}},
		{"JSON array with comma inside item", `["Smith, John"]`, []string{"Smith, John"}},
		{"JSON array value", []any{"a", " b "}, []string{"a", "b"}},
		{"JSON array of numbers", []any{json.Number("1"), 2.0}, []string{"1", "2"}},
		{"string slice", []string{"x", "y"}, []string{"x", "y"}},
		{"empty JSON array", "[]", nil},
		{"a number", json.Number("42"), []string{"42"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := listArg("operations", c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("listArg(%#v) = %#v, want %#v", c.in, got, c.want)
			}
		})
	}
}

func TestIPAddresses(t *testing.T) {
	got, err := ParseSearchArgs(map[string]any{"ip_addresses": `["10.0.0.1", "2001:db8::1", "::ffff:1.2.3.4"]`}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.1", "2001:db8::1", "::ffff:1.2.3.4"}; !reflect.DeepEqual(got.IPAddresses, want) {
		t.Errorf("got %v", got.IPAddresses)
	}
	got, err = ParseSearchArgs(map[string]any{"ip_addresses": "192.168.1.1, FE80::1"}, testNow)
	if err != nil || !reflect.DeepEqual(got.IPAddresses, []string{"192.168.1.1", "FE80::1"}) {
		t.Errorf("got %v, %v", got.IPAddresses, err)
	}
}

func TestResultSizeAndAsFile(t *testing.T) {
	cases := []struct {
		name   string
		args   map[string]any
		size   int
		asFile bool
	}{
		{"defaults", map[string]any{}, 10, false},
		{"zero means 5000", map[string]any{"result_size": "0"}, 5000, false},
		{"JSON zero", map[string]any{"result_size": json.Number("0")}, 5000, false},
		{"one", map[string]any{"result_size": "1"}, 1, false},
		{"5000", map[string]any{"result_size": "5000"}, 5000, false},
		{"above 5000", map[string]any{"result_size": "130000"}, 130000, false},
		{"float from a decoder", map[string]any{"result_size": 12000.0}, 12000, false},
		{"as_file string", map[string]any{"as_file": "true"}, 10, true},
		{"as_file any case", map[string]any{"as_file": "TRUE"}, 10, true},
		{"as_file bool", map[string]any{"as_file": true}, 10, true},
		{"as_file false", map[string]any{"as_file": "false"}, 10, false},
		{"as_file yes", map[string]any{"as_file": "yes"}, 10, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseSearchArgs(c.args, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if got.ResultSize != c.size || got.AsFile != c.asFile {
				t.Errorf("result_size %d as_file %v, want %d %v", got.ResultSize, got.AsFile, c.size, c.asFile)
			}
		})
	}
}

func TestQueryCarriesEveryFilter(t *testing.T) {
	args := map[string]any{
		"start_date": "01/01/21", "end_date": "01/02/21", "free_text": ` "Invalid logon" `,
		"record_type": "azureactivedirectorystslogon", "ip_addresses": "1.1.1.1",
		"operations": "UserLoginFailed,UserLoggedIn", "user_ids": []any{"user@example.com"},
		"result_size": "1", "unknown_arg": "ignored",
	}
	a, err := ParseSearchArgs(args, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := auditsearch.Query{
		Start: utc(2021, 1, 1, 0, 0, 0), End: utc(2021, 1, 2, 0, 0, 0),
		Filters: auditsearch.Filters{
			FreeText: `"Invalid logon"`, RecordType: "AzureActiveDirectoryStsLogon",
			IPAddresses: []string{"1.1.1.1"}, Operations: []string{"UserLoginFailed", "UserLoggedIn"},
			UserIDs: []string{"user@example.com"},
		},
		ResultSize: 1,
	}
	if got := a.Query(); !reflect.DeepEqual(got, want) {
		t.Errorf("query\n %+v\nwant\n %+v", got, want)
	}
	if got := UnknownArgs(args); !reflect.DeepEqual(got, []string{"unknown_arg"}) {
		t.Errorf("UnknownArgs = %v", got)
	}
}
