package integrationdef_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/o365auditlog/o365auditlog/integrationdef"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T) *integrationdef.Definition {
	t.Helper()
	d, err := integrationdef.Load()
	require.NoError(t, err)
	return d
}

// TestSchema: integration.yml validates against XSOAR's published integration schema
// (demisto-sdk's pykwalify schema, copied into testdata/).
func TestSchema(t *testing.T) {
	path, err := integrationdef.Path()
	require.NoError(t, err)
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	schema, err := os.ReadFile(filepath.Join("testdata", "xsoar-integration-schema.yml"))
	require.NoError(t, err)
	require.NoError(t, integrationdef.Validate(doc, schema), "integration.yml does not match the XSOAR schema")
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
		assert.Equal(t, c.want, c.got, c.name)
	}
	assert.NotEmpty(t, d.Display, "display must be set")
	assert.NotEmpty(t, d.Description, "description must be set")
	assert.NotEmpty(t, d.DetailedDescription, "detaileddescription must be set")
	assert.True(t, d.Script.IsFetch, "isfetch must be true: fetch-incidents exists (DESIGN §5b)")
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
		{"backend", 15, false, "auto"},
		{"graph_url", 0, false, "https://graph.microsoft.com"},
		{"graph_daily_queries", 0, false, "150"},
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
	assert.Len(t, d.Configuration, len(want), "params")
	for _, w := range want {
		p := d.Param(w.name)
		if !assert.NotNil(t, p, "param %s is missing", w.name) {
			continue
		}
		assert.Equal(t, w.typ, p.Type, "param %s: type", w.name)
		assert.Equal(t, w.required, p.Required, "param %s: required", w.name)
		assert.Equal(t, w.def, str(p.DefaultValue), "param %s: default", w.name)
		assert.NotEmpty(t, p.Display, "param %s needs a display", w.name)
		assert.NotEmpty(t, p.AdditionalInfo, "param %s needs an additionalinfo", w.name)
	}
	if p := d.Param("certificate"); p != nil {
		assert.Equal(t, "Certificate password", p.DisplayPassword, "certificate displaypassword")
	}
	if p := d.Param("password"); p != nil {
		assert.True(t, p.Hidden, "password must be hidden (legacy, for plain-string certificates)")
	}
	for _, name := range []string{"auth_url", "graph_url", "graph_daily_queries"} {
		if p := d.Param(name); p != nil {
			assert.True(t, p.Advanced, "%s must be advanced", name)
		}
	}
	if p := d.Param("backend"); p != nil {
		assert.Equal(t, []string{"auto", "exchange", "graph"}, p.Options, "backend options (DESIGN §3)")
	}
}

// TestSearchArguments: the seed's 8 arguments plus object_ids, as_file, high_completeness
// and columns, then the backend and polling ones, with DESIGN §5's defaults.
func TestSearchArguments(t *testing.T) {
	cmd := load(t).Command("o365-auditlog-search")
	require.NotNil(t, cmd, "o365-auditlog-search is missing")
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
		{"backend", false, ""},
		{"polling", false, "false"},
		{"interval_in_seconds", false, "15"},
		{"timeout_in_seconds", false, "3600"},
		{"query_id", false, ""},
		{"hide_polling_output", false, ""},
	}
	require.Len(t, cmd.Arguments, len(want), "arguments")
	for i, w := range want {
		a := cmd.Arguments[i]
		assert.Equal(t, w.name, a.Name, "argument %d: name", i)
		assert.Equal(t, w.isArray, a.IsArray, "argument %d (%s): isArray", i, a.Name)
		assert.Equal(t, w.def, str(a.DefaultValue), "argument %d (%s): default", i, a.Name)
		assert.False(t, a.Required, "argument %d (%s) must be optional", i, a.Name)
		for _, typo := range []string{"wll", "Default is 10. Default is 10.", `\ `, "o365-search-auditlog"} {
			assert.NotContains(t, a.Description, typo, "argument %s: description still has the seed's typo", a.Name)
		}
	}
	for _, i := range []int{9, 10, 13} {
		b := cmd.Arguments[i]
		assert.Equal(t, "PREDEFINED", b.Auto, "%s auto", b.Name)
		assert.Equal(t, []string{"true", "false"}, b.Predefined, "%s predefined", b.Name)
	}
	backend := cmd.Arguments[12]
	assert.Equal(t, "PREDEFINED", backend.Auto, "backend auto")
	assert.Equal(t, []string{"auto", "exchange", "graph"}, backend.Predefined, "backend predefined")
}

// TestSearchPolling: XSOAR schedules a command's next run only when the yml marks it
// polling, and the arguments polling passes to itself stay out of the War Room's help
// (DESIGN §5d).
func TestSearchPolling(t *testing.T) {
	cmd := load(t).Command("o365-auditlog-search")
	require.NotNil(t, cmd, "o365-auditlog-search is missing")
	assert.True(t, cmd.Polling, "o365-auditlog-search must be marked polling: true")
	hidden := map[string]bool{"query_id": true, "hide_polling_output": true}
	for _, a := range cmd.Arguments {
		assert.Equal(t, hidden[a.Name], a.Hidden, "argument %s: hidden", a.Name)
	}
}

// TestSearchOutputs: all 31 context outputs of the seed, with the seed's types, then the
// summary every search writes (DESIGN §5).
func TestSearchOutputs(t *testing.T) {
	cmd := load(t).Command("o365-auditlog-search")
	require.NotNil(t, cmd, "o365-auditlog-search is missing")
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
		{"O365AuditLogSearch.QueryID", "String"},
	}
	var got [][2]string
	for _, o := range cmd.Outputs {
		got = append(got, [2]string{o.ContextPath, o.Type})
		assert.NotEmpty(t, o.Description, "output %s: description", o.ContextPath)
		assert.NotContains(t, o.Description, `\(`, "output %s: description with markdown escapes", o.ContextPath)
	}
	assert.Equal(t, want, got, "outputs")
}

// TestImplicitCommands: XSOAR implies test-module (and fetch-incidents with isfetch); listing
// them in script.commands is an error in XSOAR.
func TestImplicitCommands(t *testing.T) {
	d := load(t)
	for _, c := range d.Script.Commands {
		assert.NotContains(t, []string{"test-module", "fetch-incidents"}, c.Name, "must not be listed in script.commands")
		assert.NotEmpty(t, c.Description, "command %s has no description", c.Name)
	}
	assert.Equal(t, []string{"test-module", "fetch-incidents", "o365-auditlog-search"}, d.Commands())
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
