package integrationdef_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/o365auditlog/o365auditlog/commands"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRegistryMatchesDefinition: the engine can only send the commands integration.yml
// declares (and the ones XSOAR implies), so the registry must answer exactly those.
func TestRegistryMatchesDefinition(t *testing.T) {
	declared := load(t).Commands()
	var registered []string
	for name, cmd := range commands.Registry() {
		if cmd.Name != name {
			t.Errorf("registry key %q holds command %q", name, cmd.Name)
		}
		registered = append(registered, name)
	}
	slices.Sort(declared)
	slices.Sort(registered)
	if !slices.Equal(declared, registered) {
		t.Errorf("integration.yml declares %q, the registry has %q", declared, registered)
	}
}

// TestRegistryArgumentsMatchDefinition: each command's arguments in integration.yml are
// exactly those its registration defines (test-module and fetch-incidents have none in
// the yml: XSOAR runs them without arguments).
func TestRegistryArgumentsMatchDefinition(t *testing.T) {
	d := load(t)
	for name, cmd := range commands.Registry() {
		var declared []string
		if c := d.Command(name); c != nil {
			for _, a := range c.Arguments {
				declared = append(declared, a.Name)
			}
		}
		assert.ElementsMatch(t, declared, cmd.Args, name)
	}
}

// TestSummaryOutputsDeclared: every field the search's summary can carry is declared as an
// output, so the summary and integration.yml cannot drift apart.
func TestSummaryOutputsDeclared(t *testing.T) {
	cmd := load(t).Command(commands.Search)
	require.NotNil(t, cmd)
	var declared []string
	for _, o := range cmd.Outputs {
		declared = append(declared, o.ContextPath)
	}
	full := commands.SearchSummary{File: "f", FileID: "id", IncompleteWindows: []commands.SummaryWindow{{}}}
	b, err := json.Marshal(full)
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(b, &fields))
	for name, v := range fields {
		if list, ok := v.([]any); ok {
			for sub := range list[0].(map[string]any) {
				assert.Contains(t, declared, commands.SummaryContextKey+"."+name+"."+sub)
			}
			continue
		}
		assert.Contains(t, declared, commands.SummaryContextKey+"."+name)
	}
}
