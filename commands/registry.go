package commands

import (
	"github.com/o365auditlog/o365auditlog/exoclient"
	"github.com/o365auditlog/o365auditlog/integration"
)

// Command names (integration.yml).
const (
	TestModule = "test-module"
	Search     = "o365-auditlog-search"
	Fetch      = "fetch-incidents"
)

// Registry returns every command the integration answers, with default dependencies.
func Registry() integration.Registry { return RegistryWith(Options{}) }

// RegistryWith returns the registry with the given dependencies (a clock, a client factory,
// a logger); tests use it to run the handlers without a network.
func RegistryWith(o Options) integration.Registry {
	h := handlers{o.withDefaults()}
	return integration.Registry{
		TestModule: {Name: TestModule, Run: h.withDeadline(TestModule, h.testModule)},
		Search:     {Name: Search, Run: h.withDeadline(Search, h.search)},
		Fetch:      {Name: Fetch, Run: h.withDeadline(Fetch, h.fetchIncidents), Fetch: true},
	}
}

// handlers hold the dependencies shared by every command.
type handlers struct{ Options }

// prepare registers the secret params with the session, then validates the params. Secrets
// are registered first so that nothing logged afterwards, even on failure, can leak them.
func (h handlers) prepare(req *integration.Request, s integration.Session) (exoclient.Config, error) {
	for _, v := range secretValues(req.Params) {
		s.Secret(v)
	}
	return ParseParams(req.Params)
}
