package integrationdef_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/o365auditlog/o365auditlog/integrationdef"
)

func load(t *testing.T) *integrationdef.Definition {
	t.Helper()
	d, err := integrationdef.Load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSchema: integration.yml validates against XSOAR's published integration schema
// (demisto-sdk's pykwalify schema, copied into testdata/).
func TestSchema(t *testing.T) {
	path, err := integrationdef.Path()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := os.ReadFile(filepath.Join("testdata", "xsoar-integration-schema.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := integrationdef.Validate(doc, schema); err != nil {
		t.Fatalf("integration.yml does not match the XSOAR schema:\n%v", err)
	}
}

func TestIdentity(t *testing.T) {
	d := load(t)
	checks := []struct{ name, got, want string }{
		{"commonfields.id", d.CommonFields.ID, "O365AuditLog"},
		{"commonfields.version", fmt.Sprint(d.CommonFields.Version), "-1"},
		{"name", d.Name, "O365AuditLog"},
		{"category", d.Category, "Analytics & SIEM"},
		{"script.type", d.Script.Type, "python"},
		{"script.subtype", d.Script.Subtype, "python3"},
		{"script.dockerimage", d.Script.DockerImage, "demisto/o365auditlog:1.0.0"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if d.Display == "" || d.Description == "" || d.DetailedDescription == "" {
		t.Error("display, description and detaileddescription must be set")
	}
	if !d.Script.IsFetch {
		t.Error("isfetch must be true: fetch-incidents exists (DESIGN §5b)")
	}
}

// TestParams: the params of DESIGN §3, with their XSOAR types, defaults and required flags.
func TestParams(t *testing.T) {
	d := load(t)
	want := []struct {
		name     string
		typ      int
		required bool
		def      string
	}{
		{"url", 0, true, "https://outlook.office365.com"},
		{"certificate", 9, true, ""},
		{"password", 4, false, ""},
		{"organization", 0, true, ""},
		{"app_id", 0, true, ""},
		{"auth_url", 0, false, ""},
		{"insecure", 8, false, "false"},
		{"proxy", 8, false, "false"},
		{"timeout", 0, false, "960"},
		{"max_concurrency", 0, false, "4"},
		{"isFetch", 8, false, ""},
		{"incidentType", 13, false, ""},
		{"first_fetch", 0, false, "3 days"},
		{"max_fetch", 0, false, "50"},
		{"fetch_record_type", 0, false, ""},
		{"fetch_operations", 0, false, ""},
		{"fetch_user_ids", 0, false, ""},
		{"fetch_object_ids", 0, false, ""},
		{"fetch_free_text", 0, false, ""},
		{"fetch_lookback", 0, false, "2 hours"},
	}
	if len(d.Configuration) != len(want) {
		t.Errorf("%d params, want %d", len(d.Configuration), len(want))
	}
	for _, w := range want {
		p := d.Param(w.name)
		if p == nil {
			t.Errorf("param %s is missing", w.name)
			continue
		}
		if p.Type != w.typ || p.Required != w.required {
			t.Errorf("param %s: type %d required %v, want type %d required %v", w.name, p.Type, p.Required, w.typ, w.required)
		}
		if got := str(p.DefaultValue); got != w.def {
			t.Errorf("param %s: default %q, want %q", w.name, got, w.def)
		}
		if p.Display == "" || p.AdditionalInfo == "" {
			t.Errorf("param %s needs a display and an additionalinfo", w.name)
		}
	}
	if p := d.Param("certificate"); p != nil && p.DisplayPassword != "Certificate password" {
		t.Errorf("certificate displaypassword = %q", p.DisplayPassword)
	}
	if p := d.Param("password"); p != nil && !p.Hidden {
		t.Error("password must be hidden (legacy, for plain-string certificates)")
	}
	if p := d.Param("auth_url"); p != nil && !p.Advanced {
		t.Error("auth_url must be advanced")
	}
}

// TestSearchArguments: the seed's 8 arguments plus object_ids, as_file, high_completeness
// and columns, with DESIGN §5's defaults.
func TestSearchArguments(t *testing.T) {
	cmd := load(t).Command("o365-auditlog-search")
	if cmd == nil {
		t.Fatal("o365-auditlog-search is missing")
	}
	want := []struct {
		name    string
		isArray bool
		def     string
	}{
		{"start_date", false, "24 hours"},
		{"end_date", false, ""},
		{"free_text", false, ""},
		{"record_type", false, ""},
		{"ip_addresses", true, ""},
		{"operations", true, ""},
		{"user_ids", true, ""},
		{"object_ids", true, ""},
		{"result_size", false, "10"},
		{"as_file", false, "false"},
		{"high_completeness", false, "false"},
		{"columns", true, ""},
	}
	if len(cmd.Arguments) != len(want) {
		t.Fatalf("%d arguments, want %d", len(cmd.Arguments), len(want))
	}
	for i, w := range want {
		a := cmd.Arguments[i]
		if a.Name != w.name || a.IsArray != w.isArray || str(a.DefaultValue) != w.def || a.Required {
			t.Errorf("argument %d = %s (isArray %v, default %q, required %v), want %s (isArray %v, default %q, optional)",
				i, a.Name, a.IsArray, str(a.DefaultValue), a.Required, w.name, w.isArray, w.def)
		}
		for _, typo := range []string{"wll", "Default is 10. Default is 10.", `\ `, "o365-search-auditlog"} {
			if strings.Contains(a.Description, typo) {
				t.Errorf("argument %s: description still has the seed's %q", a.Name, typo)
			}
		}
	}
	for _, i := range []int{9, 10} {
		b := cmd.Arguments[i]
		if b.Auto != "PREDEFINED" || !reflect.DeepEqual(b.Predefined, []string{"true", "false"}) {
			t.Errorf("%s must be PREDEFINED true/false, is %q %q", b.Name, b.Auto, b.Predefined)
		}
	}
}

// TestSearchOutputs: all 31 context outputs of the seed, with the seed's types, then the
// summary every search writes (DESIGN §5).
func TestSearchOutputs(t *testing.T) {
	cmd := load(t).Command("o365-auditlog-search")
	if cmd == nil {
		t.Fatal("o365-auditlog-search is missing")
	}
	want := [][2]string{
		{"O365AuditLog.Actor.ID", "String"},
		{"O365AuditLog.Actor.Type", "Number"},
		{"O365AuditLog.ActorContextId", "String"},
		{"O365AuditLog.ActorIpAddress", "String"},
		{"O365AuditLog.ApplicationId", "String"},
		{"O365AuditLog.AzureActiveDirectoryEventType", "Number"},
		{"O365AuditLog.ClientIP", "String"},
		{"O365AuditLog.CreationTime", "Date"},
		{"O365AuditLog.ExtendedProperties.Name", "String"},
		{"O365AuditLog.ExtendedProperties.Value", "String"},
		{"O365AuditLog.ModifiedProperties.Name", "String"},
		{"O365AuditLog.ModifiedProperties.NewValue", "String"},
		{"O365AuditLog.ModifiedProperties.OldValue", "String"},
		{"O365AuditLog.Id", "String"},
		{"O365AuditLog.InterSystemsId", "String"},
		{"O365AuditLog.IntraSystemId", "String"},
		{"O365AuditLog.LogonError", "String"},
		{"O365AuditLog.ObjectId", "String"},
		{"O365AuditLog.Operation", "String"},
		{"O365AuditLog.OrganizationId", "String"},
		{"O365AuditLog.RecordType", "Number"},
		{"O365AuditLog.ResultStatus", "String"},
		{"O365AuditLog.SupportTicketId", "String"},
		{"O365AuditLog.Target.ID", "String"},
		{"O365AuditLog.Target.Type", "Number"},
		{"O365AuditLog.TargetContextId", "String"},
		{"O365AuditLog.UserId", "String"},
		{"O365AuditLog.UserKey", "String"},
		{"O365AuditLog.UserType", "Number"},
		{"O365AuditLog.Version", "Number"},
		{"O365AuditLog.Workload", "String"},
		{"O365AuditLogSearch.StartDate", "Date"},
		{"O365AuditLogSearch.EndDate", "Date"},
		{"O365AuditLogSearch.Count", "Number"},
		{"O365AuditLogSearch.Complete", "Boolean"},
		{"O365AuditLogSearch.Backend", "String"},
		{"O365AuditLogSearch.IncompleteWindows.Start", "Date"},
		{"O365AuditLogSearch.IncompleteWindows.End", "Date"},
		{"O365AuditLogSearch.File", "String"},
		{"O365AuditLogSearch.FileID", "String"},
	}
	var got [][2]string
	for _, o := range cmd.Outputs {
		got = append(got, [2]string{o.ContextPath, o.Type})
		if o.Description == "" || strings.Contains(o.Description, `\(`) {
			t.Errorf("output %s: description empty or with markdown escapes: %q", o.ContextPath, o.Description)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outputs differ:\ngot  %v\nwant %v", got, want)
	}
}

// TestImplicitCommands: XSOAR implies test-module (and fetch-incidents with isfetch); listing
// them in script.commands is an error in XSOAR.
func TestImplicitCommands(t *testing.T) {
	d := load(t)
	for _, c := range d.Script.Commands {
		if c.Name == "test-module" || c.Name == "fetch-incidents" {
			t.Errorf("%s must not be listed in script.commands", c.Name)
		}
		if c.Description == "" {
			t.Errorf("command %s has no description", c.Name)
		}
	}
	got := d.Commands()
	want := []string{"test-module", "fetch-incidents", "o365-auditlog-search"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Commands() = %q, want %q", got, want)
	}
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// TestHelpSaysValuesAndDefaults: the War Room shows only integration.yml, so every argument
// and param says what it accepts and its default (or that it is required), as the README
// does (issue 16 item 9).
func TestHelpSaysValuesAndDefaults(t *testing.T) {
	d := load(t)
	says := func(text string) bool {
		l := strings.ToLower(text)
		return strings.Contains(l, "default") || strings.Contains(l, "required")
	}
	for _, p := range d.Configuration {
		if !says(p.AdditionalInfo) {
			t.Errorf("param %s: additionalinfo does not state its default: %q", p.Name, p.AdditionalInfo)
		}
	}
	for _, c := range d.Script.Commands {
		for _, a := range c.Arguments {
			if !says(a.Description) {
				t.Errorf("%s argument %s: description does not state its default: %q", c.Name, a.Name, a.Description)
			}
		}
	}
	if c := d.Command("o365-auditlog-search"); c != nil {
		for _, a := range c.Arguments {
			if a.Name == "high_completeness" && !strings.Contains(a.Description, "preview that trades speed for completeness") {
				t.Errorf("high_completeness must say it is a Microsoft preview trading speed for completeness: %q", a.Description)
			}
		}
	}
}
