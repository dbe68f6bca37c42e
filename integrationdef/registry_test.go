package integrationdef_test

import (
	"slices"
	"testing"

	"github.com/o365auditlog/o365auditlog/commands"
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
