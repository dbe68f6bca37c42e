package commands

import (
	"time"

	"github.com/o365auditlog/o365auditlog/integration"
)

// Command names (integration.yml).
const (
	TestModule = "test-module"
	Search     = "o365-auditlog-search"
	Fetch      = "fetch-incidents"
)

// command is one command the integration answers, with everything the registry knows of
// it: its handler, its deadline and what to advise when the deadline stops it, and the
// arguments it defines (integration.yml declares the same; integrationdef checks it).
type command struct {
	name string
	run  func(handlers) integration.Handler
	// fetch marks a command whose failure is an exception message (fetch-incidents).
	fetch bool
	// deadline bounds one execution (see limits.go); advice is the sentence added to the
	// error when it is reached.
	deadline time.Duration
	advice   string
	// args are the arguments it defines.
	args []string
}

// searchArgs are the arguments o365-auditlog-search defines (its registration's args).
var searchArgs = []string{"start_date", "end_date", "free_text", "record_type", "ip_addresses",
	"operations", "user_ids", "object_ids", "result_size", "as_file", "high_completeness", "columns",
	"backend", "polling", "interval_in_seconds", "timeout_in_seconds", "query_id", "hide_polling_output"}

// commandTable lists every command.
var commandTable = []command{
	{name: TestModule, run: func(h handlers) integration.Handler { return h.testModule },
		deadline: TestModuleDeadline, advice: "Run it again later."},
	{name: Search, run: func(h handlers) integration.Handler { return h.search },
		deadline: SearchDeadline,
		advice: "Narrow the date range or add filters (record_type, operations, user_ids), or lower max_concurrency if Exchange Online is throttling, and run it again; " +
			"when the search waits for Microsoft Graph queries, run it with polling=true so that XSOAR checks them in the background.",
		args: searchArgs},
	{name: Fetch, run: func(h handlers) integration.Handler { return h.fetchIncidents }, fetch: true,
		deadline: FetchDeadline,
		advice:   "Lower max_fetch or narrow the fetch filters; the next poll continues from the last saved state."},
}

// Registry returns every command the integration answers, with default dependencies.
func Registry() integration.Registry { return RegistryWith(Options{}) }

// RegistryWith returns the registry with the given dependencies (a clock, a client factory,
// a logger); tests use it to run the handlers without a network.
func RegistryWith(o Options) integration.Registry {
	h := handlers{o.withDefaults()}
	reg := integration.Registry{}
	for _, c := range commandTable {
		reg[c.name] = integration.Command{Name: c.name, Run: h.withDeadline(c, c.run(h)), Fetch: c.fetch, Args: c.args}
	}
	return reg
}

// handlers hold the dependencies shared by every command.
type handlers struct{ Options }

// prepare registers the secret params with the session, then validates the params. Secrets
// are registered first so that nothing logged afterwards, even on failure, can leak them.
func (h handlers) prepare(req *integration.Request, s integration.Session) (Instance, error) {
	for _, v := range secretValues(req.Params) {
		s.Secret(v)
	}
	return ParseInstance(req.Params)
}
