package commands

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of every argument test: a Sunday in a leap year, at a month's end.
var testNow = time.Date(2024, 3, 31, 12, 30, 45, 0, time.UTC)

// validParams is a complete, valid instance configuration.
func validParams() map[string]any {
	return map[string]any{
		"url":          "https://outlook.office365.com",
		"organization": "contoso.onmicrosoft.com",
		"app_id":       "3fa9f28b-eb0e-463a-ba7b-8089fe9991e2",
		"certificate":  map[string]any{"identifier": "UEZYIGJ5dGVz", "password": "s3cret-pw"},
	}
}

func withParam(name string, v any) map[string]any {
	p := validParams()
	if v == nil {
		delete(p, name)
	} else {
		p[name] = v
	}
	return p
}

// TestInvalidInputs lists invalid params and args, each with the exact text (or the exact
// part of it) an analyst reads: the name, the value and what is accepted.
func TestInvalidInputs(t *testing.T) {
	type tc struct {
		name   string
		params map[string]any // nil = valid params; args are checked then
		args   map[string]any
		want   string
	}
	cases := []tc{
		// params
		{name: "url http", params: withParam("url", "http://outlook.office365.com"),
			want: `Invalid parameter "url": "http://outlook.office365.com" — expected an https URL with a host, e.g. https://outlook.office365.com.`},
		{name: "url no host", params: withParam("url", "https://"), want: `Invalid parameter "url": "https://" — expected an https URL`},
		{name: "url bare host", params: withParam("url", "outlook.office365.com"), want: `Invalid parameter "url": "outlook.office365.com" — expected an https URL`},
		{name: "url not a string", params: withParam("url", json.Number("443")), want: `Invalid parameter "url": "443" — expected an https URL`},
		{name: "url with query", params: withParam("url", "https://outlook.office365.com/?a=b"), want: `Invalid parameter "url": "https://outlook.office365.com/?a=b" — it carries a user name, a query or a fragment; expected an https URL`},
		{name: "url with user", params: withParam("url", "https://me@outlook.office365.com"), want: `it carries a user name, a query or a fragment`},
		{name: "auth_url http", params: withParam("auth_url", "http://login.microsoftonline.us"), want: `Invalid parameter "auth_url": "http://login.microsoftonline.us" — expected an https URL with a host`},
		{name: "auth_url garbage", params: withParam("auth_url", "::"), want: `Invalid parameter "auth_url": "::" — expected an https URL`},
		{name: "organization missing", params: withParam("organization", nil), want: `Missing parameter "organization" — expected the tenant's domain, e.g. contoso.onmicrosoft.com, or its tenant ID (a GUID).`},
		{name: "organization blank", params: withParam("organization", "  "), want: `Missing parameter "organization"`},
		{name: "organization single label", params: withParam("organization", "contoso"), want: `Invalid parameter "organization": "contoso" — expected the tenant's domain`},
		{name: "organization url", params: withParam("organization", "https://contoso.com"), want: `Invalid parameter "organization": "https://contoso.com" — expected`},
		{name: "organization bad guid", params: withParam("organization", "ebac1a16-81bf-449b-8d43-5732c3c1d99"), want: `Invalid parameter "organization": "ebac1a16-81bf-449b-8d43-5732c3c1d99"`},
		{name: "organization hyphen label", params: withParam("organization", "-contoso.com"), want: `Invalid parameter "organization": "-contoso.com"`},
		{name: "app_id missing", params: withParam("app_id", nil), want: `Missing parameter "app_id" — expected the application (client) ID from the Azure portal.`},
		{name: "app_id with space", params: withParam("app_id", "my app"), want: `Invalid parameter "app_id": "my app" — expected the application (client) ID`},
		{name: "certificate missing", params: withParam("certificate", nil), want: `Missing parameter "certificate" — expected the PFX file encoded in base64`},
		{name: "certificate empty identifier", params: withParam("certificate", map[string]any{"identifier": "", "password": "x"}), want: `Missing parameter "certificate"`},
		{name: "certificate not base64", params: withParam("certificate", "not*base64!"), want: `Invalid parameter "certificate": (hidden) — it is not valid base64; expected the PFX file encoded in base64`},
		{name: "certificate a number", params: withParam("certificate", json.Number("12")), want: `Invalid parameter "certificate": (hidden) — expected the PFX file`},
		{name: "password not text", params: func() map[string]any {
			p := withParam("certificate", "UEZYIGJ5dGVz")
			p["password"] = map[string]any{"x": 1}
			return p
		}(), want: `Invalid parameter "password": (hidden) — expected text.`},
		{name: "insecure", params: withParam("insecure", "maybe"), want: `Invalid parameter "insecure": "maybe" — expected true or false.`},
		{name: "proxy", params: withParam("proxy", json.Number("2")), want: `Invalid parameter "proxy": "2" — expected true or false.`},
		{name: "timeout zero", params: withParam("timeout", "0"), want: `Invalid parameter "timeout": "0" — expected a positive number of seconds, at most 86400 (default 960).`},
		{name: "timeout negative", params: withParam("timeout", json.Number("-5")), want: `Invalid parameter "timeout": "-5" — expected a positive number of seconds`},
		{name: "timeout words", params: withParam("timeout", "sixty"), want: `Invalid parameter "timeout": "sixty"`},
		{name: "timeout NaN", params: withParam("timeout", "NaN"), want: `Invalid parameter "timeout": "NaN"`},
		{name: "timeout huge", params: withParam("timeout", "1e300"), want: `Invalid parameter "timeout": "1e300"`},
		{name: "timeout bool", params: withParam("timeout", true), want: `Invalid parameter "timeout": "true"`},
		{name: "max_concurrency zero", params: withParam("max_concurrency", "0"), want: `Invalid parameter "max_concurrency": "0" — expected an integer from 1 to 16.`},
		{name: "max_concurrency 17", params: withParam("max_concurrency", json.Number("17")), want: `Invalid parameter "max_concurrency": "17" — expected an integer from 1 to 16.`},
		{name: "max_concurrency fraction", params: withParam("max_concurrency", "2.5"), want: `Invalid parameter "max_concurrency": "2.5"`},
		{name: "max_concurrency list", params: withParam("max_concurrency", []any{"4"}), want: `Invalid parameter "max_concurrency": "[\"4\"]"`},
		// args
		{name: "start_date words", args: map[string]any{"start_date": "yesterday"},
			want: `Invalid argument "start_date": "yesterday" — expected a relative time "N unit"`},
		{name: "start_date unknown unit", args: map[string]any{"start_date": "3 fortnights"}, want: `Invalid argument "start_date": "3 fortnights" — expected`},
		{name: "start_date negative", args: map[string]any{"start_date": "-3 days"}, want: `Invalid argument "start_date": "-3 days"`},
		{name: "start_date Feb 30", args: map[string]any{"start_date": "02/30/24"}, want: `Invalid argument "start_date": "02/30/24" — February 2024 has no day 30; expected`},
		{name: "start_date Feb 29 non-leap", args: map[string]any{"start_date": "2023-02-29"}, want: `February 2023 has no day 29`},
		{name: "start_date month 13", args: map[string]any{"start_date": "13/01/2021"}, want: `Invalid argument "start_date": "13/01/2021" — month 13 does not exist`},
		{name: "start_date hour 24", args: map[string]any{"start_date": "2021-01-01T24:00"}, want: `24:00 is not a time of day`},
		{name: "start_date bad offset", args: map[string]any{"start_date": "2021-01-01T10:00:00+25:00"}, want: `+25:00 is not a UTC offset`},
		{name: "start_date 3-digit year", args: map[string]any{"start_date": "01/01/202"}, want: `Invalid argument "start_date": "01/01/202"`},
		{name: "start_date too many", args: map[string]any{"start_date": "99999999999 days"}, want: `99999999999 is too many days`},
		{name: "start_date before year 1", args: map[string]any{"start_date": "9999 years"}, want: `that is before year 1`},
		{name: "start_date a number", args: map[string]any{"start_date": json.Number("1609459200")}, want: `Invalid argument "start_date": "1609459200"`},
		{name: "end_date garbage", args: map[string]any{"end_date": "2021/01/02"}, want: `Invalid argument "end_date": "2021/01/02" — expected a relative time`},
		{name: "start after end", args: map[string]any{"start_date": "01/02/21", "end_date": "01/01/21"},
			want: `Invalid argument "start_date": "01/02/21" — it is 2021-01-02T00:00:00Z, not before end_date 2021-01-01T00:00:00Z; expected a time before end_date.`},
		{name: "start equals end", args: map[string]any{"start_date": "2021-01-01", "end_date": "01/01/21 00:00"}, want: `not before end_date`},
		{name: "relative start after explicit end", args: map[string]any{"start_date": "1 day", "end_date": "2021-01-01"}, want: `it is 2024-03-30T12:30:45Z, not before end_date 2021-01-01T00:00:00Z`},
		{name: "record_type unknown number", args: map[string]any{"record_type": "137"},
			want: `Invalid argument "record_type": "137" — 137 is not an AuditLogRecordType number; expected an AuditLogRecordType name (any case, e.g. AzureActiveDirectory) or number (e.g. 8); a name not in our table must be letters and digits; several as a comma-separated list or a JSON array.`},
		{name: "record_type unknown JSON number", args: map[string]any{"record_type": json.Number("9999")}, want: `9999 is not an AuditLogRecordType number`},
		{name: "record_type spaces", args: map[string]any{"record_type": "Azure Active Directory"}, want: `Invalid argument "record_type": "Azure Active Directory" — not an AuditLogRecordType name or number`},
		{name: "record_type negative", args: map[string]any{"record_type": "-8"}, want: `Invalid argument "record_type": "-8"`},
		{name: "record_type list with a bad item", args: map[string]any{"record_type": []any{"8", "476"}}, want: `Invalid argument "record_type": "[\"8\",\"476\"]" — "476": 476 is not an AuditLogRecordType number`},
		{name: "record_type list with an object", args: map[string]any{"record_type": []any{"8", map[string]any{}}}, want: `Invalid argument "record_type"`},
		{name: "ip not an address", args: map[string]any{"ip_addresses": "10.0.0.1, 1.2.3.999"},
			want: `Invalid argument "ip_addresses": "10.0.0.1, 1.2.3.999" — "1.2.3.999" is not an IP address; expected IPv4 or IPv6 addresses, comma-separated or as a JSON array.`},
		{name: "ip cidr", args: map[string]any{"ip_addresses": "10.0.0.0/8"}, want: `"10.0.0.0/8" is not an IP address`},
		{name: "ip zone", args: map[string]any{"ip_addresses": []any{"fe80::1%eth0"}}, want: `"fe80::1%eth0" is not an IP address`},
		{name: "ip hostname in JSON", args: map[string]any{"ip_addresses": `["1.1.1.1","example.com"]`}, want: `"example.com" is not an IP address`},
		{name: "operations broken JSON", args: map[string]any{"operations": `["FileAccessed",`},
			want: `Invalid argument "operations": "[\"FileAccessed\"," — it starts with [ but is not a valid JSON array; expected a comma-separated list ("a, b") or a JSON array of strings.`},
		{name: "operations object item", args: map[string]any{"operations": []any{"a", map[string]any{}}}, want: `item 2 is not a string`},
		{name: "user_ids object", args: map[string]any{"user_ids": map[string]any{"a": "b"}}, want: `Invalid argument "user_ids": "{\"a\":\"b\"}" — it is a JSON object`},
		{name: "user_ids JSON trailing", args: map[string]any{"user_ids": `["a"] ["b"]`}, want: `not a valid JSON array`},
		{name: "free_text object", args: map[string]any{"free_text": map[string]any{}}, want: `Invalid argument "free_text": "{}" — expected text.`},
		{name: "result_size negative", args: map[string]any{"result_size": "-1"},
			want: `Invalid argument "result_size": "-1" — expected a whole number of records: 0 for 5000, or any positive number (above 5000 the search splits the time window).`},
		{name: "result_size fraction", args: map[string]any{"result_size": json.Number("1.5")}, want: `Invalid argument "result_size": "1.5"`},
		{name: "result_size words", args: map[string]any{"result_size": "ten"}, want: `Invalid argument "result_size": "ten"`},
		{name: "result_size bool", args: map[string]any{"result_size": true}, want: `Invalid argument "result_size": "true"`},
		{name: "result_size overflow", args: map[string]any{"result_size": "99999999999999999999"}, want: `Invalid argument "result_size": "99999999999999999999"`},
		{name: "as_file", args: map[string]any{"as_file": "sometimes"}, want: `Invalid argument "as_file": "sometimes" — expected true or false.`},
		{name: "as_file number", args: map[string]any{"as_file": json.Number("1")}, want: `Invalid argument "as_file": "1" — expected true or false.`},
		{name: "long value is cut", args: map[string]any{"free_text": "x", "start_date": strings.Repeat("y", 500)}, want: `"` + strings.Repeat("y", 120) + `"… — expected`},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.params != nil {
				_, err = ParseParams(c.params)
			} else {
				_, err = ParseSearchArgs(c.args, testNow)
			}
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValidationError", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

// TestSecretsNeverInErrors feeds sentinel secrets through every certificate/password error.
func TestSecretsNeverInErrors(t *testing.T) {
	const sentinel = "SENTINEL-not*base64"
	for name, p := range map[string]map[string]any{
		"plain":  withParam("certificate", sentinel),
		"object": withParam("certificate", map[string]any{"identifier": sentinel, "password": sentinel}),
		"bad pw type": func() map[string]any {
			p := withParam("certificate", "QUJD")
			p["password"] = []any{sentinel}
			return p
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseParams(p)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "SENTINEL") {
				t.Errorf("secret leaked: %s", err)
			}
		})
	}
}
