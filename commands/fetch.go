package commands

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/o365auditlog/o365auditlog/integration"
)

// fetchIncidents is fetch-incidents (DESIGN §5b): one poll. Params are validated and the
// state read before any call to Microsoft; the incidents go out in one result entry, then
// the new state. Any error (an exception message) leaves the state as it was.
func (h handlers) fetchIncidents(ctx context.Context, req *integration.Request, s integration.Session) error {
	cfg, connErr := h.prepare(req, s)
	now := h.Now().UTC().Truncate(time.Second)
	p, fetchErr := ParseFetchParams(req.Params, now)
	if err := joinValidation(connErr, fetchErr); err != nil { // every offending one at once
		return err
	}
	last, err := integration.LastRun(ctx, s)
	if err != nil {
		return fmt.Errorf("Could not read the last run from the engine (%w). Fetch again; "+
			"if it persists, reset the last run of this integration instance.", err)
	}
	if foreignState(last) {
		h.Logger.WarnContext(ctx, "the last run holds none of this integration's keys (another integration, test "+
			"tooling or a hand edit left it): fetching from first_fetch", "keys", slices.Sorted(maps.Keys(last)),
			"first_fetch", p.FirstFetch)
		last = nil
	}
	st, err := decodeFetchState(last)
	if err != nil {
		return err
	}
	client, err := h.NewClient(cfg.Config)
	if err != nil {
		return explain(err)
	}
	f := &fetcher{client: client, log: h.Logger}
	out, err := f.run(ctx, p, st, now)
	if err != nil {
		return explain(err)
	}
	contents, err := incidentsJSON(out.emitted, p.IncidentType)
	if err != nil {
		return err
	}
	entry := integration.Entry{Type: integration.EntryNote, ContentsFormat: "json", Contents: contents}
	if err := s.Results(entry); err != nil {
		return fmt.Errorf("Could not send the incidents to the engine (%w); the state was not advanced, "+
			"so the next fetch sends them again.", err)
	}
	if err := integration.SetLastRun(ctx, s, out.state.value()); err != nil {
		return fmt.Errorf("Could not save the last run (%w): the next fetch may create some of these "+
			"incidents again.", err)
	}
	return nil
}
