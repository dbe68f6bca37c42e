package integrationdef_test

import (
	"reflect"
	"slices"
	"strings"
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
// output, so the summary and integration.yml cannot drift apart. The fields are read off
// the Go type, not off one marshalled value, so that an omitempty field (File, QueryID) is
// held to the yml whether or not a sample value would set it.
func TestSummaryOutputsDeclared(t *testing.T) {
	cmd := load(t).Command(commands.Search)
	require.NotNil(t, cmd)
	var declared []string
	for _, o := range cmd.Outputs {
		declared = append(declared, o.ContextPath)
	}
	paths := jsonPaths(reflect.TypeOf(commands.SearchSummary{}), commands.SummaryContextKey)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		assert.Contains(t, declared, p)
	}
}

// jsonPaths lists the context paths encoding/json gives the fields of struct type typ under
// prefix: a list of structs (IncompleteWindows) contributes its elements' fields, as XSOAR
// context paths do; a list of scalars (QueryID) is one path.
func jsonPaths(typ reflect.Type, prefix string) []string {
	var paths []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		elem := f.Type
		for elem.Kind() == reflect.Slice || elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		if elem.Kind() == reflect.Struct {
			paths = append(paths, jsonPaths(elem, prefix+"."+name)...)
			continue
		}
		paths = append(paths, prefix+"."+name)
	}
	return paths
}
