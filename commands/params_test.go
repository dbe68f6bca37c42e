package commands

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

func TestParseParamsDefaults(t *testing.T) {
	got, err := ParseParams(validParams())
	if err != nil {
		t.Fatal(err)
	}
	want := auditsearch.Config{
		URL: "https://outlook.office365.com", Organization: "contoso.onmicrosoft.com",
		AppID: "3fa9f28b-eb0e-463a-ba7b-8089fe9991e2", PFX: []byte("PFX bytes"), Password: "s3cret-pw",
		Timeout: 960 * time.Second, MaxConcurrency: 4,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseParamsValues(t *testing.T) {
	cases := []struct {
		name  string
		set   map[string]any
		check func(auditsearch.Config) bool
	}{
		{"url default when blank", map[string]any{"url": ""}, func(c auditsearch.Config) bool { return c.URL == DefaultURL }},
		{"url trailing slash", map[string]any{"url": "https://outlook.office365.us/"}, func(c auditsearch.Config) bool { return c.URL == "https://outlook.office365.us" }},
		{"url scheme case and port", map[string]any{"url": " HTTPS://127.0.0.1:8443// "}, func(c auditsearch.Config) bool { return c.URL == "https://127.0.0.1:8443" }},
		{"auth_url", map[string]any{"auth_url": "https://login.microsoftonline.us/"}, func(c auditsearch.Config) bool { return c.AuthURL == "https://login.microsoftonline.us" }},
		{"organization GUID", map[string]any{"organization": "ebac1a16-81bf-449b-8d43-5732c3c1d999"}, func(c auditsearch.Config) bool { return c.Organization == "ebac1a16-81bf-449b-8d43-5732c3c1d999" }},
		{"organization trimmed", map[string]any{"organization": " contoso.com "}, func(c auditsearch.Config) bool { return c.Organization == "contoso.com" }},
		{"insecure and proxy strings", map[string]any{"insecure": "true", "proxy": "True"}, func(c auditsearch.Config) bool { return c.Insecure && c.Proxy }},
		{"insecure and proxy bools", map[string]any{"insecure": true, "proxy": false}, func(c auditsearch.Config) bool { return c.Insecure && !c.Proxy }},
		{"timeout fraction", map[string]any{"timeout": "2.5"}, func(c auditsearch.Config) bool { return c.Timeout == 2500*time.Millisecond }},
		{"timeout JSON number", map[string]any{"timeout": json.Number("120")}, func(c auditsearch.Config) bool { return c.Timeout == 2*time.Minute }},
		{"max_concurrency", map[string]any{"max_concurrency": "16"}, func(c auditsearch.Config) bool { return c.MaxConcurrency == 16 }},
		{"max_concurrency JSON", map[string]any{"max_concurrency": json.Number("1")}, func(c auditsearch.Config) bool { return c.MaxConcurrency == 1 }},
		{"certificate as plain string uses password", map[string]any{"certificate": "UEZYIGJ5dGVz", "password": "pw2"},
			func(c auditsearch.Config) bool { return string(c.PFX) == "PFX bytes" && c.Password == "pw2" }},
		{"certificate.password wins", map[string]any{"password": "pw2"}, func(c auditsearch.Config) bool { return c.Password == "s3cret-pw" }},
		{"empty certificate.password falls back", map[string]any{"certificate": map[string]any{"identifier": "UEZYIGJ5dGVz", "password": ""}, "password": "pw2"},
			func(c auditsearch.Config) bool { return c.Password == "pw2" }},
		{"no password at all", map[string]any{"certificate": map[string]any{"identifier": "UEZYIGJ5dGVz"}}, func(c auditsearch.Config) bool { return c.Password == "" }},
		{"base64 wrapped, unpadded, URL-safe", map[string]any{"certificate": "UEZY\nIGJ5\r\ndGVz"}, func(c auditsearch.Config) bool { return string(c.PFX) == "PFX bytes" }},
		{"base64 URL alphabet", map[string]any{"certificate": "-_-_"}, func(c auditsearch.Config) bool { return len(c.PFX) == 3 }},
		{"PEM passed through", map[string]any{"certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
			func(c auditsearch.Config) bool {
				return string(c.PFX) == "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validParams()
			for k, v := range c.set {
				p[k] = v
			}
			got, err := ParseParams(p)
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(got) {
				t.Errorf("unexpected config %+v", got)
			}
		})
	}
}

func TestSecretValues(t *testing.T) {
	p := validParams()
	p["password"] = "other-pw"
	got := secretValues(p)
	for _, want := range []string{"UEZYIGJ5dGVz", "s3cret-pw", "other-pw"} {
		if !slices.Contains(got, want) {
			t.Errorf("secretValues misses %q: %v", want, got)
		}
	}
}
